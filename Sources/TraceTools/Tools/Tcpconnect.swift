import ArgumentParser
import Foundation
import TraceAnalysis
import TraceReport

/// libbpf-tools tcpconnect: active TCP connects (or -c counts per flow), from the CLOSE →
/// SYN_SENT changes of tcp_state.
public struct Tcpconnect: RecordingTool {
    public static let toolName = "tcpconnect"
    /// What `bpfan tools` says of its limits against the live tool.
    public static let notes = "-U/-u read uids from the proc family; connects failing inside tcp_v4_connect after SYN_SENT are still listed"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Count/Trace active tcp connections",
        discussion: """
        EXAMPLES:
            bpfan tcpconnect run.trc             # trace all TCP connect()s
            bpfan tcpconnect -t run.trc          # include timestamps
            bpfan tcpconnect -p 181 run.trc      # only trace PID 181
            bpfan tcpconnect -P 80 run.trc       # only trace port 80
            bpfan tcpconnect -P 80,81 run.trc    # only trace port 80 and 81
            bpfan tcpconnect -U run.trc          # include UID
            bpfan tcpconnect -u 1000 run.trc     # only trace UID 1000
            bpfan tcpconnect -c run.trc          # count connects per src, dest, port
        """)

    @Flag(name: [.customShort("c"), .customLong("count")], help: "Count connects per src ip and dst ip/port")
    var count = false
    @Option(name: [.customShort("C", allowingJoined: true), .customLong("cgroupmap")], help: ArgumentHelp("trace cgroups in this map (not recorded: refused)", valueName: "PATH"))
    var cgroupMap: String?
    @Option(name: [.customShort("M", allowingJoined: true), .customLong("mntnsmap")], help: ArgumentHelp("trace mount namespaces in this map (not recorded: refused)", valueName: "PATH"))
    var mntnsMap: String?
    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: ArgumentHelp("Process PID to trace", valueName: "PID"))
    var pid: String?
    @Option(name: [.customShort("P", allowingJoined: true), .customLong("port")], help: ArgumentHelp("Comma-separated list of destination ports to trace", valueName: "PORTS"))
    var ports: String?
    @Flag(name: [.customShort("s"), .customLong("source-port")], help: "Consider source port when counting")
    var sourcePort = false
    @Flag(name: [.customShort("t"), .customLong("timestamp")], help: "Include timestamp on output")
    var timestamp = false
    @Option(name: [.customShort("u", allowingJoined: true), .customLong("uid")], help: ArgumentHelp("Process UID to trace", valueName: "UID"))
    var uid: String?
    @Flag(name: [.customShort("U"), .customLong("print-uid")], help: "Include UID on output")
    var printUID = false
    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Verbose debug output (no effect)")
    var verbose = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["tcp_state"] }

    struct Flow: Hashable {
        var family: Int
        var saddr: [UInt8]
        var daddr: [UInt8]
        var sport: Int
        var dport: Int
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        if cgroupMap != nil || mntnsMap != nil { throw AnalysisError("-C/-M: recordings carry no cgroup or mount namespace maps; cannot filter by them") }
        let pidFilter = try pid.map(libbpfToolsPID), uidFilter = try uid.map(libbpfToolsUID)
        // get_ints(1, 65535).
        let portFilter = try ports.map { list -> Set<Int> in
            let items = list.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
            guard !items.isEmpty, items.allSatisfy({ $0.map { (1...65535).contains($0) } ?? false }) else { throw AnalysisError("invalid PORT_LIST: \(list)") }
            return Set(items.compactMap { $0 })
        }
        let needUID = printUID || uidFilter != nil
        if needUID && !rec.recordsTaskUIDs {
            throw AnalysisError("-U/-u: the uid of a connecting task comes from the proc family (process_snapshot, process_exec), which \(rec.path) lacks; record it with `bpfrec record --families proc,tcp`")
        }
        var tasks = ProcessTracker(for: rec)
        let taskSources = needUID ? ProcessTracker.sources : []
        var tracker = TcpConnectTracker()
        try rec.scanMerged(taskSources + [TcpStateChange.source()]) { row in
            if row.source < taskSources.count { tasks.apply(source: row.source, batch: row.batch, row: row.row); return }
            let e = TcpStateChange(TcpStateRow(row))
            let isConnect = e.oldState == TcpState.close && e.newState == TcpState.synSent
            // The live tool's filters (pid, uid, destination port, family) drop a connect before it is
            // recorded; later changes of any socket still complete pending source ports.
            if isConnect {
                let taskUID = needUID ? tasks.task(e.tid)?.uid : nil
                if let pidFilter, e.pid != pidFilter { return }
                if let uidFilter, taskUID != uidFilter { return }
                if let portFilter, !portFilter.contains(e.dport) { return }
                guard e.family == InetAddress.inet || e.family == InetAddress.inet6 else { return }
                tracker.apply(e, uid: taskUID)
            } else {
                tracker.apply(e)
            }
        }
        let connects = tracker.connects
        if printUID, case let unknown = connects.filter({ $0.uid == nil }).count, unknown > 0 {
            out.warn("bpfan tcpconnect: warning: \(unknown) connects by tasks the recording's process events do not name; their UID prints as -1")
        }
        if count {
            var counts: [Flow: UInt64] = [:]
            var order: [Flow] = []
            for c in connects {
                let f = Flow(family: c.syn.family, saddr: c.syn.saddr, daddr: c.syn.daddr, sport: sourcePort ? c.sourcePort ?? 0 : 0, dport: c.syn.dport)
                if counts[f] == nil { order.append(f) }
                counts[f, default: 0] += 1
            }
            // IPv4 map first, then IPv6, each in first-seen order (the live tool dumps hash order).
            let rows = order.filter { $0.family == InetAddress.inet } + order.filter { $0.family == InetAddress.inet6 }
            // tcpconnect.c's print_count_header() and print_count().
            var t = RowLayout.Builder(.row, "connects")
            t.literal(header: "\n", row: "")
            t.add("laddr", header: "%-25s ", "LADDR", row: "%-25s ")
            t.add("raddr", header: "%-25s", "RADDR", row: "%-25s")
            t.add("lport", header: " %-20s", "LPORT", row: " %-20d", shown: sourcePort)
            t.add("rport", header: " %-20s ", "RPORT", row: " %-20d ")
            t.add("connects", header: "%-10s", "CONNECTS", row: "%-10d")
            t.literal(header: "\n", row: "\n")
            let table = t.layout
            out.header(table)
            for f in rows {
                out.row(table, [.string(InetAddress.format(family: f.family, f.saddr)), .string(InetAddress.format(family: f.family, f.daddr)),
                                .int(Int64(f.sport)), .int(Int64(f.dport)), .uint(counts[f]!)])
            }
            return
        }
        // tcpconnect.c's print_events_header() and print_event().
        var b = RowLayout.Builder(.event, "connect")
        b.json("time")
        b.add("time_s", header: "%-9s", "TIME(s)", row: "%-9.3f", shown: timestamp, inJSON: false)
        b.add("uid_text", header: "%-6s", "UID", row: "%-6d", shown: printUID, inJSON: false)
        b.json("uid")
        b.add("pid", header: "%-6s ", "PID", row: "%-6d ")
        b.add("comm", header: "%-12s ", "COMM", row: "%-12.12s ")
        b.add("ip", header: "%-2s ", "IP", row: "%-2d ")
        b.add("saddr", header: "%-16s ", "SADDR", row: "%-16s ")
        b.add("daddr", header: "%-16s", "DADDR", row: "%-16s")
        b.add("sport", header: " %-5s", "SPORT", row: " %-5d", shown: sourcePort)
        b.add("dport", header: " %-5s", "DPORT", row: " %-5d")
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        var clock = FirstEventClock()
        for c in connects {
            let e = c.syn
            out.row(layout, [.time(e.ts), .double(clock.seconds(at: e.ts)), .int(c.uid ?? -1), c.uid.map { .int($0) } ?? .null,
                             .int(e.pid), .string(e.comm), .int(e.family == InetAddress.inet ? 4 : 6), .string(e.localAddress), .string(e.remoteAddress),
                             .int(Int64(c.sourcePort ?? 0)), .int(Int64(e.dport))])
        }
    }
}
