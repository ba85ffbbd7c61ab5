import ArgumentParser
import Foundation
import TraceAnalysis

/// bcc tcpaccept: one row per TCP connection accepted, from the accept/accept4 calls of
/// syscall_detail matched to the passive opens of tcp_state (TcpAcceptQueue).
public struct Tcpaccept: RecordingTool {
    public static let toolName = "tcpaccept"
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
    @Option(name: [.customShort("p"), .customLong("pid")], help: ArgumentHelp("trace this PID only", valueName: "PID"))
    var pid: Int64?
    @Option(name: [.customShort("P"), .customLong("port")], help: ArgumentHelp("comma-separated list of local ports to trace", valueName: "PORT"))
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

    static let acceptCalls = (["accept"], [43]), accept4Calls = (["accept4"], [288])

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        if cgroupMap != nil || mntnsMap != nil { throw AnalysisError("--cgroupmap/--mntnsmap: recordings carry no cgroup or mount namespace maps; cannot filter by them") }
        if ipv4 && ipv6 { throw AnalysisError("argument -6/--ipv6: not allowed with argument -4/--ipv4") }
        let portFilter = try ports.map { list -> Set<Int> in
            let items = list.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !items.isEmpty, items.allSatisfy({ $0 != nil }) else { throw AnalysisError("-P \(list): expected a comma-separated list of ports") }
            return Set(items.compactMap { $0 })
        }
        let family = ipv4 ? InetAddress.inet : ipv6 ? InetAddress.inet6 : nil
        // Calls and handshakes before --from still shape the accept queue: read both from the
        // start of the recording and print only the accepts inside the window.
        let history = try Recording(file: rec.file, window: TimeWindow(start: nil, end: rec.window.end))
        let accepts = try history.syscallDetails(ids: rec.ids(Self.acceptCalls, Self.accept4Calls)).filter { $0.ret >= 0 }
        var queue = TcpAcceptQueue()
        var next = 0
        var unmatched = 0
        var rows: [(ts: Int64, call: SyscallDetail, child: TcpAcceptQueue.Child)] = []
        func take(upTo limit: Int64) {
            while next < accepts.count && accepts[next].exitTime <= limit {
                let call = accepts[next]
                next += 1
                let peer = TcpAcceptQueue.Peer(sockaddr: call.data)
                // An address of another family (a unix socket) is not a TCP accept.
                if peer == nil && call.data.count >= 2 && (Int(call.data[0]) | Int(call.data[1]) << 8) != 0 { continue }
                let child = queue.accept(pid: call.pid, peer: peer)
                guard rec.window.contains(call.ts) else { continue }
                guard let child else { unmatched += 1; continue }
                rows.append((call.exitTime, call, child))
            }
        }
        try rec.scanMerged([ScanSource("tcp_state", TcpStateChange.columns, history: true)]) { row in
            take(upTo: row.ts &- 1)
            queue.apply(TcpStateChange(row.batch, row.row))
        }
        take(upTo: .max)
        if unmatched > 0 {
            out.warn("bpfan tcpaccept: warning: \(unmatched) accept calls returned a connection whose handshake the recording does not hold (established before it started); not shown")
        }
        if !common.json {
            out.line((time ? left("TIME", 9) : "") + (timestamp ? left("TIME(s)", 9) : "")
                     + left("PID", 7) + " " + left("COMM", 12) + " " + left("IP", 2) + " " + left("RADDR", 16) + " " + left("RPORT", 5) + " "
                     + left("LADDR", 16) + " " + left("LPORT", 5))
        }
        var startUs: Int64?
        for (ts, call, child) in rows {
            if let pid, call.pid != pid { continue }
            if let family, child.family != family { continue }
            if let portFilter, !portFilter.contains(child.localPort) { continue }
            let raddr = InetAddress.format(family: child.family, child.remoteAddress), laddr = InetAddress.format(family: child.family, child.localAddress)
            let ip = child.family == InetAddress.inet ? 4 : 6
            if common.json {
                out.write(JSONShapes.event(tool: Self.toolName, [
                    ("time", .string(rec.hms(ts))), ("pid", .int(call.pid)), ("comm", .string(call.comm)), ("ip", .int(Int64(ip))),
                    ("raddr", .string(raddr)), ("rport", .int(Int64(child.remotePort))), ("laddr", .string(laddr)), ("lport", .int(Int64(child.localPort))),
                ]))
                continue
            }
            var line = time ? left(rec.hms(ts), 8) + " " : ""
            if timestamp {
                // The live tool's clock starts at its first printed event, in whole microseconds.
                let us = ts / 1000
                if startUs == nil { startUs = us }
                line += left(String(format: "%.3f", Double(us &- startUs!) / 1_000_000), 9)
            }
            line += left(String(call.pid), 7) + " " + left(String(call.comm.prefix(12)), 12) + " " + left(String(ip), 2) + " "
                + left(raddr, 16) + " " + left(String(child.remotePort), 5) + " " + left(laddr, 16) + " " + left(String(child.localPort), 5)
            out.line(line)
        }
    }
}
