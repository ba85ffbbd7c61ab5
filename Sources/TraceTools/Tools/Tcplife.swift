import ArgumentParser
import Foundation
import TraceAnalysis
import TraceReport

/// libbpf-tools tcplife: one row per TCP session when it closes, with its owner, addresses,
/// bytes sent (acked) and received, and lifespan.
public struct Tcplife: RecordingTool {
    public static let toolName = "tcplife"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace the lifespan of TCP sessions and summarize.",
        discussion: """
        EXAMPLES:
            bpfan tcplife -p 1215 run.trc         # only trace PID 1215
            bpfan tcplife -p 1215 -4 run.trc      # trace IPv4 only
        """)

    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: ArgumentHelp("Process ID to trace", valueName: "PID"))
    var pid: Int32?
    @Flag(name: [.customShort("4"), .customLong("ipv4")], help: "Trace IPv4 only")
    var ipv4 = false
    @Flag(name: [.customShort("6"), .customLong("ipv6")], help: "Trace IPv6 only")
    var ipv6 = false
    @Flag(name: [.customShort("w"), .customLong("wide")], help: "Wide column output (fits IPv6 addresses)")
    var wide = false
    @Flag(name: [.customShort("T"), .customLong("time")], help: "Include timestamp on output")
    var time = false
    @Option(name: [.customShort("L", allowingJoined: true), .customLong("localport")], help: ArgumentHelp("Comma-separated list of local ports to trace.", valueName: "LOCALPORT"))
    var localPorts: String?
    @Option(name: [.customShort("D", allowingJoined: true), .customLong("remoteport")], help: ArgumentHelp("Comma-separated list of remote ports to trace.", valueName: "REMOTEPORT"))
    var remotePorts: String?
    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Verbose debug output (no effect)")
    var verbose = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["tcp_state"] }

    /// The BPF side's port filter: the list ends at its first 0 entry, and an event whose port
    /// is not found before it is dropped (so a list starting with 0 drops everything).
    static func portFilter(_ text: String?) -> ((Int) -> Bool)? {
        guard let text else { return nil }
        let ports = PortList.parse(text).prefix { $0 != 0 }
        return { ports.contains($0) }
    }

    /// Each session these flags select, as it closes (its last state change and the session),
    /// shared by the rows and compare's samples.
    func sessions(_ rec: Recording, _ each: (TcpStateChange, TcpLifeTracker.Session) -> Void) throws {
        try refuseBadFlags()
        let family = ipv4 ? InetAddress.inet : ipv6 ? InetAddress.inet6 : nil
        let sportOK = Self.portFilter(localPorts), dportOK = Self.portFilter(remotePorts)
        var tracker = TcpLifeTracker(flavor: .libbpf, pid: pid.map(Int64.init))
        try rec.scanMerged([TcpStateChange.source()]) { row in
            let e = TcpStateChange(TcpStateRow(row))
            if let family, e.family != family { return }
            if let sportOK, !sportOK(e.sport) { return }
            if let dportOK, !dportOK(e.dport) { return }
            guard let s = tracker.apply(e) else { return }
            each(e, s)
        }
    }

    func refuseBadFlags() throws {
        if let pid, pid <= 0 { throw AnalysisError("Invalid PID: \(pid)") }
        // The last of -4/-6 wins in the live tool; we cannot know the order, so refuse both.
        if ipv4 && ipv6 { throw AnalysisError("-4 and -6 together: give one family") }
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        try refuseBadFlags()
        let width = wide ? 39 : 15
        // tcplife.c's header and handle_event().
        var b = RowLayout.Builder(.event, "tcp_session")
        b.add("time", .hms, header: "%-8s ", "TIME(s)", row: "%8s ", shown: time)
        b.add("pid", header: "%-7s ", "PID", row: "%-7d ")
        b.add("comm", header: "%-16s ", "COMM", row: "%-16s ")
        b.add("laddr", header: "%-\(width)s ", "LADDR", row: "%-\(width)s ")
        b.add("lport", header: "%-5s ", "LPORT", row: "%-5d ")
        b.add("raddr", header: "%-\(width)s ", "RADDR", row: "%-\(width)s ")
        b.add("rport", header: "%-5s ", "RPORT", row: "%-5d ")
        b.add("tx_bytes", .scaled(1024), header: "%-6s ", "TX_KB", row: "%-6.2f ")
        b.add("rx_bytes", .scaled(1024), header: "%-6s ", "RX_KB", row: "%-6.2f ")
        b.json("span")
        b.add("ms", header: "%s", "MS", row: "%.2f", inJSON: false)
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        try sessions(rec) { e, s in
            // The live tool keeps span_us and prints span_us / 1000.0.
            out.row(layout, [.time(e.ts), .int(s.pid), .string(s.comm), .string(e.localAddress), .int(Int64(e.sport)), .string(e.remoteAddress), .int(Int64(e.dport)),
                             .uint(e.bytesAcked), .uint(e.bytesReceived), .duration(s.span), .double(Double(s.span / 1000) / 1000)])
        }
    }
}
