import ArgumentParser
import Foundation
import TraceAnalysis

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
    @Option(name: [.customShort("L"), .customLong("localport")], help: ArgumentHelp("Comma-separated list of local ports to trace.", valueName: "LPORT"))
    var localPorts: String?
    @Option(name: [.customShort("D"), .customLong("remoteport")], help: ArgumentHelp("Comma-separated list of remote ports to trace.", valueName: "DPORT"))
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
        if !common.json {
            var h = timestamp ? left("TIME(s)", 8) + " " : ""
            if wide {
                h += left("SKADDR", 16) + " " + left("PID", 7) + " " + left("COMM", 16) + " " + left("IP", 2) + " " + left("LADDR", 26) + " "
                    + left("LPORT", 5) + " " + left("RADDR", 26) + " " + left("RPORT", 5) + " "
            } else {
                h += left("SKADDR", 16) + " " + left("PID", 7) + " " + left("COMM", 10) + " " + left("LADDR", 15) + " "
                    + left("LPORT", 5) + " " + left("RADDR", 15) + " " + left("RPORT", 5) + " "
            }
            out.line(h + left("OLDSTATE", 11) + " -> " + left("NEWSTATE", 11) + " MS")
        }
        try rec.scanMerged([ScanSource("tcp_state", TcpStateChange.columns)]) { row in
            let e = TcpStateChange(row.batch, row.row)
            if let family, e.family != family { return }
            if let sports, !sports.contains(e.sport) { return }
            if let dports, !dports.contains(e.dport) { return }
            let deltaUs = timer.apply(e) / 1000
            let time = rec.clock?.hms(ofMonotonic: e.ts) ?? "??:??:??"
            let sk = String(e.skaddr, radix: 16)
            if common.json {
                out.write(JSONShapes.event(tool: Self.toolName, [
                    ("time", .string(time)), ("skaddr", .string(sk)), ("pid", .int(e.pid)), ("comm", .string(e.comm)),
                    ("family", .int(Int64(e.family))), ("laddr", .string(e.localAddress)), ("lport", .int(Int64(e.sport))),
                    ("raddr", .string(e.remoteAddress)), ("rport", .int(Int64(e.dport))),
                    ("oldstate", .string(TcpState.name(e.oldState))), ("newstate", .string(TcpState.name(e.newState))), ("delta_us", .int(deltaUs)),
                ]))
                return
            }
            var line = timestamp ? right(time, 8) + " " : ""
            if wide {
                line += left(sk, 16) + " " + left(String(e.pid), 7) + " " + left(e.comm, 16) + " " + left(e.family == InetAddress.inet ? "4" : "6", 2) + " "
                    + left(e.localAddress, 26) + " " + left(String(e.sport), 5) + " " + left(e.remoteAddress, 26) + " " + left(String(e.dport), 5) + " "
            } else {
                line += left(sk, 16) + " " + left(String(e.pid), 7) + " " + left(String(e.comm.prefix(10)), 10) + " "
                    + left(e.localAddress, 15) + " " + left(String(e.sport), 5) + " " + left(e.remoteAddress, 15) + " " + left(String(e.dport), 5) + " "
            }
            line += left(TcpState.name(e.oldState), 11) + " -> " + left(TcpState.name(e.newState), 11) + " " + String(format: "%.3f", Double(deltaUs) / 1000)
            out.line(line)
        }
    }
}
