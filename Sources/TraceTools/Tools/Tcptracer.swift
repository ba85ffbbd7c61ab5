import ArgumentParser
import TraceAnalysis
import TraceReport

/// libbpf-tools tcptracer: connects (C, when the handshake completes), accepts (A) and closes
/// (X) of TCP connections. Connects come from the CLOSE → SYN_SENT → ESTABLISHED changes of
/// tcp_state, accepts from accept calls matched to passive opens (as tcpaccept), closes from
/// the changes tcp_close makes to an established connection.
public struct Tcptracer: RecordingTool {
    public static let toolName = "tcptracer"
    public static let notes = "X from the state change tcp_close makes (→FIN_WAIT1, →LAST_ACK, →CLOSE by the owner), not tcp_close itself: closing a reset connection prints no X; -u/-U read uids from the proc family"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace TCP connections",
        discussion: """
        A close is the state change tcp_close makes on an established connection (ESTABLISHED → \
        FIN_WAIT1, CLOSE_WAIT → LAST_ACK, or → CLOSE in the owning process); the live tool's \
        kprobe on tcp_close also sees closes of connections already reset, which change no state.

        EXAMPLES:
            bpfan tcptracer run.trc             # trace all TCP connections
            bpfan tcptracer -t run.trc          # include timestamps
            bpfan tcptracer -p 181 run.trc      # only trace PID 181
            bpfan tcptracer -U run.trc          # include UID
            bpfan tcptracer -u 1000 run.trc     # only trace UID 1000
        """)

    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Verbose debug output (no effect)")
    var verbose = false
    @Flag(name: [.customShort("t"), .customLong("timestamp")], help: "Include timestamp on output")
    var timestamp = false
    @Flag(name: [.customShort("U"), .customLong("print-uid")], help: "Include UID on output")
    var printUID = false
    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: ArgumentHelp("Process PID to trace", valueName: "PID"))
    var pid: String?
    @Option(name: [.customShort("u", allowingJoined: true), .customLong("uid")], help: ArgumentHelp("Process UID to trace", valueName: "UID"))
    var uid: String?
    @Option(name: [.customShort("C", allowingJoined: true), .customLong("cgroupmap")], help: ArgumentHelp("trace cgroups in this map (not implemented, as live)", valueName: "PATH"))
    var cgroupMap: String?
    @Option(name: [.customShort("M", allowingJoined: true), .customLong("mntnsmap")], help: ArgumentHelp("trace mount namespaces in this map (not implemented, as live)", valueName: "PATH"))
    var mntnsMap: String?
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["tcp_state", "syscall_detail"] }

    struct Event {
        var type: Character
        var ts: Int64
        var pid: Int64
        var tid: Int64
        var comm: String
        var family: Int
        var saddr: String
        var daddr: String
        var sport: Int
        var dport: Int
        var uid: Int64?
    }

    static func isClose(_ e: TcpStateChange, owner: Int64?) -> Bool {
        switch (e.oldState, e.newState) {
        case (TcpState.established, TcpState.finWait1), (TcpState.closeWait, TcpState.lastAck): return true
        // An abortive close (unread data, SO_LINGER 0) goes straight to CLOSE in the owner; a
        // reset from the peer does so too, but in whatever task the softirq interrupted.
        case (TcpState.established, TcpState.close), (TcpState.closeWait, TcpState.close): return owner == e.pid
        default: return false
        }
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let pidFilter = try pid.map(libbpfToolsPID), uidFilter = try uid.map(libbpfToolsUID)
        if cgroupMap != nil { out.warn("not implemented: --cgroupmap") }
        if mntnsMap != nil { out.warn("not implemented: --mntnsmap") }
        let needUID = printUID || uidFilter != nil
        if needUID && !rec.recordsTaskUIDs {
            throw AnalysisError("-U/-u: the uid of a task comes from the proc family (process_snapshot, process_exec), which \(rec.path) lacks; record it with `bpfrec record --families proc,tcp,syscalls`")
        }
        let (accepts, unmatched) = try rec.matchedAccepts()
        if unmatched > 0 {
            out.warn("bpfan tcptracer: warning: \(unmatched) accept calls returned a connection whose handshake the recording does not hold (established before it started); not shown")
        }
        var events: [Event] = []
        for a in accepts {
            let c = a.child
            let acceptUID: Int64? = needUID ? a.call.uid : nil
            // filter_event() at inet_csk_accept's return, in the accepting task.
            if let pidFilter, a.call.pid != pidFilter { continue }
            if let uidFilter, acceptUID != uidFilter { continue }
            events.append(Event(type: "A", ts: a.ts, pid: a.call.pid, tid: a.call.tid, comm: a.call.comm, family: c.family,
                                saddr: InetAddress.format(family: c.family, c.localAddress), daddr: InetAddress.format(family: c.family, c.remoteAddress),
                                sport: c.localPort, dport: c.remotePort, uid: acceptUID))
        }
        // The process a connection belongs to: the connecting one, or the one that accepted it.
        var owner = Dictionary(accepts.map { ($0.child.skaddr, $0.call.pid) }, uniquingKeysWith: { $1 })
        var tasks = ProcessTracker(for: rec)
        let taskSources = needUID ? ProcessTracker.sources : []
        var tracker = TcpConnectTracker()
        try rec.scanMerged(taskSources + [TcpStateChange.source()]) { row in
            if row.source < taskSources.count { tasks.apply(source: row.source, batch: row.batch, row: row.row); return }
            let e = TcpStateChange(TcpStateRow(row))
            guard e.family == InetAddress.inet || e.family == InetAddress.inet6 else { return }
            let taskUID = needUID ? tasks.task(e.tid)?.uid : nil
            if e.oldState == TcpState.close && e.newState == TcpState.synSent {
                owner[e.skaddr] = e.pid
                // filter_event() at tcp_v4_connect, in the connecting task.
                if let pidFilter, e.pid != pidFilter { return }
                if let uidFilter, taskUID != uidFilter { return }
            }
            tracker.apply(e, uid: taskUID)
            if e.oldState == TcpState.synSent && e.newState == TcpState.established, let i = tracker.completed {
                let c = tracker.connects[i]
                events.append(Event(type: "C", ts: e.ts, pid: c.syn.pid, tid: c.syn.tid, comm: c.syn.comm, family: e.family, saddr: e.localAddress,
                                    daddr: e.remoteAddress, sport: e.sport, dport: e.dport, uid: c.uid))
            }
            // filter_event() at tcp_close, in the closing task; fill_tuple() wants both
            // addresses and ports.
            if Self.isClose(e, owner: owner[e.skaddr]), pidFilter.map({ e.pid == $0 }) ?? true, uidFilter.map({ taskUID == $0 }) ?? true,
               e.sport != 0, e.dport != 0, e.saddr.contains(where: { $0 != 0 }), e.daddr.contains(where: { $0 != 0 }) {
                events.append(Event(type: "X", ts: e.ts, pid: e.pid, tid: e.tid, comm: e.comm, family: e.family, saddr: e.localAddress,
                                    daddr: e.remoteAddress, sport: e.sport, dport: e.dport, uid: taskUID))
            }
            if e.newState == TcpState.close { owner[e.skaddr] = nil }
        }
        events = events.filter { rec.window.contains($0.ts) }.sorted { ($0.ts, $0.tid) < ($1.ts, $1.tid) }
        if printUID, case let unknown = events.filter({ $0.uid == nil }).count, unknown > 0 {
            out.warn("bpfan tcptracer: warning: \(unknown) events by tasks the recording's process events do not name; their UID prints as -1")
        }
        // print_events_header() and handle_event().
        var b = RowLayout.Builder(.event, "tcp")
        b.json("time")
        b.add("time_s", header: "%-9s", "TIME(s)", row: "%-9.3f", shown: timestamp, inJSON: false)
        b.add("uid_text", header: "%-6s", "UID", row: "%-6d", shown: printUID, inJSON: false)
        b.json("uid")
        b.add("event", header: "%s ", "T", row: "%s ")
        b.add("pid", header: "%-6s ", "PID", row: "%-6d ")
        b.add("comm", header: "%-12s ", "COMM", row: "%-12.12s ")
        b.add("ip", header: "%-2s ", "IP", row: "%-2d ")
        b.add("saddr", header: "%-16s ", "SADDR", row: "%-16s ")
        b.add("daddr", header: "%-16s ", "DADDR", row: "%-16s ")
        b.add("sport", header: "%-4s ", "SPORT", row: "%-4d ")
        b.add("dport", header: "%-4s", "DPORT", row: "%-4d")
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        var clock = FirstEventClock()
        for e in events {
            out.row(layout, [.time(e.ts), .double(clock.seconds(at: e.ts)), .int(e.uid ?? -1), e.uid.map { .int($0) } ?? .null,
                             .string(String(e.type)), .int(e.pid), .string(e.comm), .int(e.family == InetAddress.inet ? 4 : 6),
                             .string(e.saddr), .string(e.daddr), .int(Int64(e.sport)), .int(Int64(e.dport))])
        }
    }
}
