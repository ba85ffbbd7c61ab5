import ArgumentParser
import Foundation
import TraceAnalysis
import TraceReport

/// bcc tcpaccept: one row per TCP connection accepted, from the accept/accept4 calls of
/// syscall_detail matched to the passive opens of tcp_state (TcpAcceptQueue).
public struct Tcpaccept: RecordingTool {
    public static let toolName = "tcpaccept"
    /// What `bpfan tools` says of its limits against the live tool.
    public static let notes = "bcc output; accept/accept4 calls matched to passive opens; io_uring and in-kernel accepts are not seen"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace TCP accepts",
        discussion: """
        examples:
            bpfan tcpaccept run.trc           # trace all TCP accept()s
            bpfan tcpaccept -t run.trc        # include timestamps
            bpfan tcpaccept -P 80,81 run.trc  # only trace port 80 and 81
            bpfan tcpaccept -p 181 run.trc    # only trace PID 181
            bpfan tcpaccept -4 run.trc        # trace IPv4 family only
            bpfan tcpaccept -6 run.trc        # trace IPv6 family only
        """)

    @Flag(name: [.customShort("T"), .customLong("time")], help: "include time column on output (HH:MM:SS)")
    var time = false
    @Flag(name: [.customShort("t"), .customLong("timestamp")], help: "include timestamp on output")
    var timestamp = false
    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: ArgumentHelp("trace this PID only", valueName: "PID"))
    var pid: Int64?
    @Option(name: [.customShort("P", allowingJoined: true), .customLong("port")], help: ArgumentHelp("comma-separated list of local ports to trace", valueName: "PORT"))
    var ports: String?
    @Flag(name: [.customShort("4"), .customLong("ipv4")], help: "trace IPv4 family only")
    var ipv4 = false
    @Flag(name: [.customShort("6"), .customLong("ipv6")], help: "trace IPv6 family only")
    var ipv6 = false
    @Option(name: .customLong("cgroupmap"), help: ArgumentHelp("trace cgroups in this BPF map only (not recorded: refused)", valueName: "CGROUPMAP"))
    var cgroupMap: String?
    @Option(name: .customLong("mntnsmap"), help: ArgumentHelp("trace mount namespaces in this BPF map only (not recorded: refused)", valueName: "MNTNSMAP"))
    var mntnsMap: String?
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["tcp_state", "syscall_detail"] }


    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        if cgroupMap != nil || mntnsMap != nil { throw AnalysisError("--cgroupmap/--mntnsmap: recordings carry no cgroup or mount namespace maps; cannot filter by them") }
        if ipv4 && ipv6 { throw AnalysisError("argument -6/--ipv6: not allowed with argument -4/--ipv4") }
        let portFilter = try ports.map { list -> Set<Int> in
            let items = list.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !items.isEmpty, items.allSatisfy({ $0 != nil }) else { throw AnalysisError("-P \(list): expected a comma-separated list of ports") }
            return Set(items.compactMap { $0 })
        }
        let family = ipv4 ? InetAddress.inet : ipv6 ? InetAddress.inet6 : nil
        let (rows, unmatched) = try rec.matchedAccepts()
        if unmatched > 0 {
            out.warn("bpfan tcpaccept: warning: \(unmatched) accept calls returned a connection whose handshake the recording does not hold (established before it started); not shown")
        }
        // bcc tcpaccept.py's header and print_ipv4_event() / print_ipv6_event().
        var b = RowLayout.Builder(.event, "accept")
        b.add("time", .hms, header: "%-9s", "TIME", row: "%-8s ", shown: time)
        b.add("time_s", header: "%-9s", "TIME(s)", row: "%-9.3f", shown: timestamp, inJSON: false)
        b.add("pid", header: "%-7s ", "PID", row: "%-7d ")
        b.add("comm", header: "%-12s ", "COMM", row: "%-12.12s ")
        b.add("ip", header: "%-2s ", "IP", row: "%-2d ")
        b.add("raddr", header: "%-16s ", "RADDR", row: "%-16s ")
        b.add("rport", header: "%-5s ", "RPORT", row: "%-5d ")
        b.add("laddr", header: "%-16s ", "LADDR", row: "%-16s ")
        b.add("lport", header: "%-5s", "LPORT", row: "%-5d")
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        var clock = FirstEventClock()
        for a in rows {
            let (ts, call, child) = (a.ts, a.call, a.child)
            if let pid, call.pid != pid { continue }
            if let family, child.family != family { continue }
            if let portFilter, !portFilter.contains(child.localPort) { continue }
            let raddr = InetAddress.format(family: child.family, child.remoteAddress), laddr = InetAddress.format(family: child.family, child.localAddress)
            out.row(layout, [.time(ts), .double(clock.seconds(at: ts)), .int(call.pid), .string(call.comm), .int(child.family == InetAddress.inet ? 4 : 6),
                             .string(raddr), .int(Int64(child.remotePort)), .string(laddr), .int(Int64(child.localPort))])
        }
    }
}
