import ArgumentParser
import Foundation
import TraceAnalysis
import TraceReport

/// libbpf-tools tcpstates: one row per TCP state change, with the time spent in the state left.
public struct Tcpstates: RecordingTool {
    public static let toolName = "tcpstates"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace TCP session state changes and durations.",
        discussion: """
        EXAMPLES:
            bpfan tcpstates run.trc                  # trace all TCP state changes
            bpfan tcpstates -T run.trc               # include timestamps
            bpfan tcpstates -L 80 run.trc            # only trace local port 80
            bpfan tcpstates -D 80 run.trc            # only trace remote port 80
        """)

    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Verbose debug output (no effect)")
    var verbose = false
    @Flag(name: [.customShort("T"), .customLong("timestamp")], help: "Include timestamp on output")
    var timestamp = false
    @Flag(name: [.customShort("4"), .customLong("ipv4")], help: "Trace IPv4 family only")
    var ipv4 = false
    @Flag(name: [.customShort("6"), .customLong("ipv6")], help: "Trace IPv6 family only")
    var ipv6 = false
    @Flag(name: [.customShort("w"), .customLong("wide")], help: "Wide column output (fits IPv6 addresses)")
    var wide = false
    @Option(name: [.customShort("L", allowingJoined: true), .customLong("localport")], help: ArgumentHelp("Comma-separated list of local ports to trace.", valueName: "LPORT"))
    var localPorts: String?
    @Option(name: [.customShort("D", allowingJoined: true), .customLong("remoteport")], help: ArgumentHelp("Comma-separated list of remote ports to trace.", valueName: "DPORT"))
    var remotePorts: String?
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["tcp_state"] }

    /// tcpstates accepts a list only when every token is a port in 1...65536.
    static func ports(_ text: String?) throws -> Set<Int>? {
        guard let text else { return nil }
        let tokens = text.split(separator: ",")
        for t in tokens {
            let n = PortList.leadingInteger(String(t))
            if n <= 0 || n > 65536 { throw AnalysisError("Invalid ports: \(text)") }
        }
        return Set(PortList.parse(text))
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        if ipv4 && ipv6 { throw AnalysisError("-4 and -6 together: give one family") }
        let family = ipv4 ? InetAddress.inet : ipv6 ? InetAddress.inet6 : nil
        let sports = try Self.ports(localPorts), dports = try Self.ports(remotePorts)
        var timer = TcpStateTimer()
        // tcpstates.c's header and handle_event(), narrow or -w wide.
        var b = RowLayout.Builder(.event, "tcp_state")
        b.add("time", .hms, header: "%-8s ", "TIME(s)", row: "%8s ", shown: timestamp)
        b.add("skaddr", header: "%-16s ", "SKADDR", row: "%-16llx ")
        b.add("pid", header: "%-7s ", "PID", row: "%-7d ")
        b.add("comm", header: wide ? "%-16s " : "%-10s ", "COMM", row: wide ? "%-16s " : "%-10.10s ")
        b.add("ip", header: "%-2s ", "IP", row: "%-2s ", shown: wide, inJSON: false)
        b.json("family")
        b.add("laddr", header: wide ? "%-26s " : "%-15s ", "LADDR", row: wide ? "%-26s " : "%-15s ")
        b.add("lport", header: "%-5s ", "LPORT", row: "%-5d ")
        b.add("raddr", header: wide ? "%-26s " : "%-15s ", "RADDR", row: wide ? "%-26s " : "%-15s ")
        b.add("rport", header: "%-5s ", "RPORT", row: "%-5d ")
        b.add("oldstate", header: "%-11s -> ", "OLDSTATE", row: "%-11s -> ")
        b.add("newstate", header: "%-11s ", "NEWSTATE", row: "%-11s ")
        b.json("delta")
        b.add("ms", header: "%s", "MS", row: "%.3f", inJSON: false)
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        try rec.scanMerged([TcpStateChange.source()]) { row in
            let e = TcpStateChange(TcpStateRow(row))
            if let family, e.family != family { return }
            if let sports, !sports.contains(e.sport) { return }
            if let dports, !dports.contains(e.dport) { return }
            let delta = timer.apply(e)
            out.row(layout, [.time(e.ts), .uint(e.skaddr), .int(e.pid), .string(e.comm), .string(e.family == InetAddress.inet ? "4" : "6"), .int(Int64(e.family)),
                             .string(e.localAddress), .int(Int64(e.sport)), .string(e.remoteAddress), .int(Int64(e.dport)),
                             .string(TcpState.name(e.oldState)), .string(TcpState.name(e.newState)), .duration(delta), .double(Double(delta / 1000) / 1000)])
        }
    }
}
