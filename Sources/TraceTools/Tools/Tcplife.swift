import ArgumentParser
import Foundation
import TraceAnalysis

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

    @Option(name: [.customShort("p"), .customLong("pid")], help: ArgumentHelp("Process ID to trace", valueName: "PID"))
    var pid: Int32?
    @Flag(name: [.customShort("4"), .customLong("ipv4")], help: "Trace IPv4 only")
    var ipv4 = false
    @Flag(name: [.customShort("6"), .customLong("ipv6")], help: "Trace IPv6 only")
    var ipv6 = false
    @Flag(name: [.customShort("w"), .customLong("wide")], help: "Wide column output (fits IPv6 addresses)")
    var wide = false
    @Flag(name: [.customShort("T"), .customLong("time")], help: "Include timestamp on output")
    var time = false
    @Option(name: [.customShort("L"), .customLong("localport")], help: ArgumentHelp("Comma-separated list of local ports to trace.", valueName: "LOCALPORT"))
    var localPorts: String?
    @Option(name: [.customShort("D"), .customLong("remoteport")], help: ArgumentHelp("Comma-separated list of remote ports to trace.", valueName: "REMOTEPORT"))
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

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        if let pid, pid <= 0 { throw AnalysisError("Invalid PID: \(pid)") }
        // The last of -4/-6 wins in the live tool; we cannot know the order, so refuse both.
        if ipv4 && ipv6 { throw AnalysisError("-4 and -6 together: give one family") }
        let family = ipv4 ? InetAddress.inet : ipv6 ? InetAddress.inet6 : nil
        let sportOK = Self.portFilter(localPorts), dportOK = Self.portFilter(remotePorts)
        let width = wide ? 39 : 15
        var tracker = TcpLifeTracker(flavor: .libbpf, pid: pid.map(Int64.init))
        if !common.json {
            out.write((time ? left("TIME(s)", 8) + " " : "") + left("PID", 7) + " " + left("COMM", 16) + " " + left("LADDR", width) + " " + left("LPORT", 5) + " "
                      + left("RADDR", width) + " " + left("RPORT", 5) + " " + left("TX_KB", 6) + " " + left("RX_KB", 6) + " MS\n")
        }
        try rec.scanMerged([ScanSource("tcp_state", TcpStateChange.columns)]) { row in
            let e = TcpStateChange(row.batch, row.row)
            if let family, e.family != family { return }
            if let sportOK, !sportOK(e.sport) { return }
            if let dportOK, !dportOK(e.dport) { return }
            guard let s = tracker.apply(e) else { return }
            let spanUs = s.span / 1000
            if common.json {
                out.write(JSONShapes.event(tool: Self.toolName, [
                    ("time", .string(rec.clock?.hms(ofMonotonic: e.ts) ?? "")), ("pid", .int(s.pid)), ("comm", .string(s.comm)),
                    ("laddr", .string(e.localAddress)), ("lport", .int(Int64(e.sport))), ("raddr", .string(e.remoteAddress)), ("rport", .int(Int64(e.dport))),
                    ("tx_bytes", .int(Int64(bitPattern: e.bytesAcked))), ("rx_bytes", .int(Int64(bitPattern: e.bytesReceived))), ("span_us", .int(spanUs)),
                ]))
                return
            }
            var line = time ? right(rec.clock?.hms(ofMonotonic: e.ts) ?? "??:??:??", 8) + " " : ""
            line += left(String(s.pid), 7) + " " + left(s.comm, 16) + " " + left(e.localAddress, width) + " " + left(String(e.sport), 5) + " "
            line += left(e.remoteAddress, width) + " " + left(String(e.dport), 5) + " "
            line += left(String(format: "%.2f", Double(e.bytesAcked) / 1024), 6) + " " + left(String(format: "%.2f", Double(e.bytesReceived) / 1024), 6) + " "
            line += String(format: "%.2f", Double(spanUs) / 1000)
            out.line(line)
        }
    }
}
