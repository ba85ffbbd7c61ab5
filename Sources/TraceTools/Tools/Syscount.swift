import ArgumentParser
import Foundation
import TraceAnalysis
import TraceReport

/// libbpf-tools syscount: syscalls counted (and with -L timed) by syscall or by process, top N,
/// once at the end or every -i seconds of recording time.
public struct Syscount: RecordingTool {
    public static let toolName = "syscount"
    /// What `bpfan tools` says of its limits against the live tool.
    public static let notes = "-P reads the proc family for names"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Summarize syscall counts and latencies.",
        discussion: """
        EXAMPLES:
            bpfan syscount run.trc             # print top 10 syscalls by count every
                                               # second
            bpfan syscount -p 1234 run.trc     # only syscalls of PID 1234
            bpfan syscount -i 5 run.trc        # print top 10 every 5 seconds of
                                               # recording time
            bpfan syscount -d 10 run.trc       # only the first 10 seconds
            bpfan syscount -L run.trc          # measure syscall latency
            bpfan syscount -P run.trc          # count by process, not syscall
            bpfan syscount -x -e ENOENT run.trc # failed syscalls with ENOENT only
        """)

    @Option(name: [.customShort("c", allowingJoined: true), .customLong("cgroup")], help: ArgumentHelp("Trace process in cgroup path (not recorded: refused)", valueName: "CG"))
    var cgroup: String?
    @Option(name: [.customShort("d", allowingJoined: true), .customLong("duration")], help: ArgumentHelp("Total tracing duration (seconds)", valueName: "DURATION"))
    var duration: Int?
    @Option(name: [.customShort("e", allowingJoined: true), .customLong("errno")], help: ArgumentHelp("Trace only syscalls that return this error (numeric or EPERM, etc.)", valueName: "ERRNO"))
    var errnoFilter: String?
    @Option(name: [.customShort("i", allowingJoined: true), .customLong("interval")], help: ArgumentHelp("Print summary at this interval (seconds), 0 for infinite wait", valueName: "INTERVAL"))
    var interval: Int = 0
    @Flag(name: [.customShort("l"), .customLong("list")], help: "Print list of recognized syscalls and exit")
    var list = false
    @Flag(name: [.customShort("L"), .customLong("latency")], help: "Collect syscall latency")
    var latency = false
    @Flag(name: [.customShort("m"), .customLong("milliseconds")], help: "Display latency in milliseconds (default: microseconds)")
    var milliseconds = false
    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: ArgumentHelp("Process PID to trace", valueName: "PID"))
    var pid: Int?
    @Flag(name: [.customShort("P"), .customLong("process")], help: "Count by process and not by syscall")
    var byProcess = false
    @Option(name: [.customShort("T", allowingJoined: true), .customLong("top")], help: ArgumentHelp("Print only the top syscalls", valueName: "TOP"))
    var top: Int = 10
    @Flag(name: [.customShort("x"), .customLong("failures")], help: "Trace only failed syscalls")
    var failures = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public func validate() throws {
        if top < 1 { throw ValidationError("invalid TOP: \(top)") }
        if interval < 0 { throw ValidationError("invalid INTERVAL: \(interval)") }
        if let duration, duration < 1 { throw ValidationError("invalid DURATION: \(duration)") }
        if let pid, pid < 1 { throw ValidationError("invalid PID: \(pid)") }
        if let e = errnoFilter, ErrnoNames.parse(e) == nil { throw ValidationError("invalid errno: \(e)") }
    }

    public var requiredTables: [String] { list ? [] : ["syscall"] }

    struct Stat: Sendable {
        var count: UInt64 = 0
        var totalNs: UInt64 = 0
        var comm = ""
    }

    /// Per-interval counts of one chunk (or, merged, of the whole window), with the last exit
    /// time of each process so that -P can name it as it was then.
    struct SyscountPartial: Sendable {
        var counters: [KeyedCounter]
        var lastSeen: [Int64: Int64] = [:]
        init(buckets: Int) { counters = Array(repeating: KeyedCounter(), count: buckets) }
        mutating func merge(_ other: SyscountPartial) {
            for (i, c) in other.counters.enumerated() { counters[i].merge(c) }
            for (key, t) in other.lastSeen { lastSeen[key] = max(lastSeen[key] ?? t, t) }
        }
    }

    /// -i: a report every INTERVAL seconds (until -d); -d alone: one report after DURATION.
    public func intervals(numbers: [Int]) -> IntervalRequest? {
        if interval > 0 { return IntervalRequest(seconds: interval, spanSeconds: duration) }
        return duration.map { IntervalRequest(seconds: $0, count: 1) }
    }

    /// Which rows of the syscall table these flags count, shared by the summary and compare's
    /// samples.
    struct Selection: Sendable {
        var latency: Bool
        var failures: Bool
        var wantErrno: Int?
        /// Ids never counted (rt_sigreturn): a handful, an array compare rather than a hash per row.
        var skipped: [Int64]
        var byProcess: Bool
        var pid: Int?

        var readsRet: Bool { failures || wantErrno != nil }
        /// Only the columns the options read are decoded (pid: -P; ret: -x, -e; unpaired: -L).
        var reading: [PartialKeyPath<SyscallRow>] {
            [\.id, \.duration] + (byProcess ? [\.pid] : []) + (readsRet ? [\.ret] : []) + (latency ? [\.unpaired] : [])
        }
        var filter: ScanFilter { ScanFilter(pids: pid.map { [Int64($0)] }) }

        /// Whether a row is counted. Unpaired rows (sys_exit without a seen sys_enter) count like
        /// any exit, as the live tool counts at sys_exit; but with -L the live tool finds no start
        /// time and skips them. `ret` and `unpaired` are read only when the flags need them.
        @inline(__always) func counts(id: Int64, ret: @autoclosure () -> Int64, unpaired: @autoclosure () -> Int64) -> Bool {
            if latency && unpaired() != 0 { return false }
            if id == -1 || skipped.contains(id) { return false }
            if readsRet {
                let r = ret()
                if failures && r >= 0 { return false }
                if let wantErrno, r != -Int64(wantErrno) { return false }
            }
            return true
        }

        /// Each counted call of a batch of `reading`'s columns: its key (pid with -P, else the
        /// syscall id), its exit time (calls are counted at sys_exit) and its duration.
        @inline(__always) func forEachCounted(_ b: Batch, _ body: (_ key: Int64, _ exit: Int64, _ duration: Int64) -> Void) {
            let ts = b[\SyscallRow.ts], ids = b[\SyscallRow.id], durs = b[\SyscallRow.duration]
            let pids = byProcess ? b[\SyscallRow.pid] : [], rets = readsRet ? b[\SyscallRow.ret] : []
            let unpaired = latency ? b[\SyscallRow.unpaired] : []
            for r in 0..<b.count where counts(id: ids[r], ret: rets[r], unpaired: unpaired[r]) {
                body(byProcess ? pids[r] : ids[r], ts[r] &+ durs[r], durs[r])
            }
        }
    }

    /// The selection of these flags, after refusing what a recording cannot answer.
    func selection(_ rec: Recording) throws -> Selection {
        if cgroup != nil { throw AnalysisError("-c: recordings carry no cgroup membership; cannot filter by cgroup") }
        // rt_sigreturn restores the interrupted registers, orig_ax = -1 included, so its
        // sys_exit reports id -1 and the live tool (which keys on the exit's id and drops -1)
        // never counts it. The recording keeps the id from sys_enter: drop it here.
        let sigreturn = rec.syscallIDs(named: ["rt_sigreturn"], x86_64: [15])
        return Selection(latency: latency, failures: failures, wantErrno: errnoFilter.flatMap(ErrnoNames.parse), skipped: Array(sigreturn),
                         byProcess: byProcess, pid: pid)
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let selection = try self.selection(rec)
        if list {
            let names = RowLayout(.row, "syscall_names", columns: [Column("id"), Column("syscall")], header: nil, format: "%3d: %s\n")
            for nr in rec.syscallNames.keys.sorted() { out.row(names, [Value(nr), .string(rec.syscallNames[nr]!)]) }
            return
        }
        var end = rec.effectiveEnd
        if let duration { end = min(end, rec.effectiveStart + Int64(duration) * 1_000_000_000) }
        let buckets = IntervalBuckets(start: rec.effectiveStart, end: end, intervalSeconds: interval > 0 ? interval : nil, count: nil)
        // Counting does not depend on row order: fold chunks in parallel, one partial per chunk.
        let (byProcess, latency) = (self.byProcess, self.latency)
        let nbuckets = buckets.bucketCount
        let counted = try rec.aggregate(SyscallRow.self, reading: selection.reading, filter: selection.filter,
            initial: { SyscountPartial(buckets: nbuckets) },
            fold: { part, b in
                selection.forEachCounted(b) { key, exit, duration in
                    // The exit time decides the interval.
                    guard let i = buckets.index(of: exit) else { return }
                    part.counters[i].add(key, ns: latency ? UInt64(bitPattern: duration) : 0)
                    if byProcess { part.lastSeen[key] = max(part.lastSeen[key] ?? exit, exit) }
                }
            },
            merge: { total, part in total.merge(part) })
        let names = byProcess ? try rec.comms(at: counted.lastSeen) : [:]
        let stats: [[Int64: Stat]] = counted.counters.map { counter in
            var perKey: [Int64: Stat] = [:]
            for e in counter.entries { perKey[e.key] = Stat(count: e.count, totalNs: e.ns, comm: names[e.key] ?? "") }
            return perKey
        }
        out.text("Tracing syscalls, printing top \(top)... Ctrl+C to quit.\n")
        // syscount.c's print_timestamp(), print_latency_header()/print_count_header() and rows.
        var l = RowLayout.Builder(.row, byProcess ? "syscalls_by_process" : "syscalls")
        l.json("interval")
        l.json("time")
        if byProcess {
            l.add("pid", header: "%-22s ", "PID    COMM", row: "%-6d ")
            l.add("comm", row: "%-15s ")
        } else {
            l.add("syscall", header: "%-22s ", "SYSCALL", row: "%-22s ")
        }
        l.add("count", header: "%8s", "COUNT", row: "%8llu")
        l.add("total", .scaled(milliseconds ? 1e6 : 1e3), header: " %16s", milliseconds ? "TIME (ms)" : "TIME (us)", row: " %16.3f", shown: latency)
        l.literal(header: "\n", row: "\n")
        let layout = l.layout
        for (i, perKey) in stats.enumerated() where !perKey.isEmpty {
            let time = buckets.reportTime(of: i)
            out.text(printf("[%s]\n", .string(rec.clock?.hms(ofMonotonic: time) ?? "??:??:??")))
            out.header(layout)
            for (key, st) in sorted(perKey).prefix(top) {
                let who: [Value] = byProcess ? [.int(key), .string(st.comm)] : [.string(name(key, rec))]
                out.row(layout, [Value(i), .time(time)] + who + [.uint(st.count), latency ? .duration(Int64(bitPattern: st.totalNs)) : .null])
            }
            out.text("\n")
        }
    }

    /// Descending by count (or total time with -L); ties by key so the order is reproducible.
    func sorted(_ perKey: [Int64: Stat]) -> [(Int64, Stat)] {
        perKey.sorted { a, b in
            let x = latency ? a.value.totalNs : a.value.count, y = latency ? b.value.totalNs : b.value.count
            return x != y ? x > y : a.key < b.key
        }
    }

    func name(_ id: Int64, _ rec: Recording) -> String { rec.syscallNames[Int(id)] ?? "[unknown: \(id)]" }
}
