/// Run-queue latency: the time from a task becoming runnable to it running. A task is queued
/// when it is woken (sched_wakeup, sched_wakeup_new) and again when it is switched out while
/// still runnable (preempted); it leaves the queue when it is switched in. This is the
/// derivation of libbpf-tools runqlat/runqslower and of bpftrace's runqlat.bt, which differ
/// only in what "still runnable" means (see `RequeueRule`).
///
/// Feed events in time order (a merged scan of `sources`).
public struct RunQueueTracker: Sendable {
    /// When a task switched out counts as queued again.
    public enum RequeueRule: Sendable {
        /// The task's `__state` is TASK_RUNNING (libbpf-tools `get_task_state(prev) == 0`):
        /// every preempted task, whatever the tracepoint reports.
        case taskStateRunning
        /// The tracepoint's `prev_state` is 0 (runqlat.bt `args->prev_state == TASK_RUNNING`).
        /// The tracepoint reports TASK_REPORT_MAX for a preemption and the state's report bits
        /// otherwise, so this holds only for a voluntary switch of a runnable task (yield, idle).
        case tracepointStateZero
    }

    /// A task that waited and now runs.
    public struct Dequeue: Sendable, Equatable {
        public var tid: Int64
        public var latency: Int64
    }

    public let rule: RequeueRule
    /// Only tasks of this process are queued (`-p`), and only this thread (`-t`).
    public let tgid: Int64?
    public let tid: Int64?
    /// libbpf-tools never queue tid 0 (the idle tasks); runqlat.bt does.
    public let skipIdle: Bool
    private var queued: [Int64: Int64] = [:]

    public init(rule: RequeueRule = .taskStateRunning, tgid: Int64? = nil, tid: Int64? = nil, skipIdle: Bool = true) {
        self.rule = rule
        self.tgid = tgid
        self.tid = tid
        self.skipIdle = skipIdle
    }

    /// The tables and columns a merged scan must give `apply` (wakeups before the switch at an
    /// equal timestamp, as a wakeup precedes the switch it causes).
    public static let sources: [ScanSource] = [
        ScanSource("sched_wakeup", ["ts", "target_pid", "target_tid"]),
        ScanSource("sched_wakeup_new", ["ts", "target_pid", "target_tid"]),
        ScanSource("sched_switch", ["ts", "pid", "tid", "prev_comm", "prev_state", "preempt", "next_pid", "next_tid", "next_comm"]),
    ]

    /// Tasks waiting to run.
    public var pending: Int { queued.count }

    /// A task became runnable at `ts`.
    public mutating func enqueue(ts: Int64, tid t: Int64, tgid g: Int64) {
        if skipIdle && t == 0 { return }
        if let tgid, tgid != g { return }
        if let tid, tid != t { return }
        queued[t] = ts
    }

    /// A CPU switched from prev to next at `ts`: prev may be queued again, and next's wait (if
    /// its queueing was seen) ends. A negative wait is dropped, as the live tools do.
    public mutating func switched(ts: Int64, prevTid: Int64, prevTgid: Int64, prevState: Int64, preempt: Bool, nextTid: Int64) -> Dequeue? {
        if Self.requeues(rule, prevState: prevState, preempt: preempt) { enqueue(ts: ts, tid: prevTid, tgid: prevTgid) }
        guard let start = queued.removeValue(forKey: nextTid) else { return nil }
        // Wrapping: hostile timestamps must not trap; a wrapped (negative) wait is dropped.
        let latency = ts &- start
        return latency < 0 ? nil : Dequeue(tid: nextTid, latency: latency)
    }

    static func requeues(_ rule: RequeueRule, prevState: Int64, preempt: Bool) -> Bool {
        switch rule {
        case .taskStateRunning: return prevState == 0
        // __trace_sched_switch_state: TASK_REPORT_MAX when preempted, else the report bits of
        // __state | exit_state (0 only when runnable; a dying task's TASK_DEAD comes with an
        // exit_state, so it reports non-zero too).
        case .tracepointStateZero: return !preempt && prevState & 0xff == 0
        }
    }

    /// Column positions in `sources` (sched_switch): for `row.int(_:)` / `row.string(_:)`.
    public enum SwitchColumn {
        public static let pid = 1, tid = 2, prevComm = 3, prevState = 4, preempt = 5, nextPid = 6, nextTid = 7, nextComm = 8
    }

    /// Applies a row of a merged scan over `sources`; returns the wait that ended, if any.
    public mutating func apply(_ row: MergedRow) -> Dequeue? {
        switch row.source {
        case 0, 1:
            // target_pid, target_tid
            enqueue(ts: row.ts, tid: row.int(2), tgid: row.int(1))
            return nil
        default:
            typealias C = SwitchColumn
            return switched(ts: row.ts, prevTid: row.int(C.tid), prevTgid: row.int(C.pid), prevState: row.int(C.prevState),
                            preempt: row.int(C.preempt) != 0, nextTid: row.int(C.nextTid))
        }
    }
}

/// `RunQueueTracker` as a paired scan (`Recording.scanPaired` over `RunQueueTracker.sources`):
/// the same queueing rules as stamp operations, so the pairing runs on all cores. Each match
/// is a sched_switch row whose next task waited since `PairMatch.start`.
public struct RunQueuePairing: Sendable {
    public let rule: RunQueueTracker.RequeueRule
    public let tgid: Int64?
    public let tid: Int64?
    public let skipIdle: Bool
    /// runqslower's threshold (µs): a switch-in that waited no longer keeps its stamp, as the
    /// live tool returns before deleting it (a later switch-in without a new wakeup or
    /// preemption then measures from that stamp). nil: every switch-in consumes its stamp.
    public let keepWithinMicros: Int64?

    public init(rule: RunQueueTracker.RequeueRule = .taskStateRunning, tgid: Int64? = nil, tid: Int64? = nil, skipIdle: Bool = true,
                keepWithinMicros: Int64? = nil) {
        self.rule = rule
        self.tgid = tgid
        self.tid = tid
        self.skipIdle = skipIdle
        self.keepWithinMicros = keepWithinMicros
    }

    @inline(__always) func enqueue(_ ops: inout PairOps, ts: Int64, tid t: Int64, tgid g: Int64) {
        if skipIdle && t == 0 { return }
        if let tgid, tgid != g { return }
        if let tid, tid != t { return }
        ops.set(t, ts)
    }

    /// `RunQueueTracker.sources` without the columns neither this pairing nor the caller
    /// (`extra`) reads: those read as zeros / empty strings, positions unchanged, and are never
    /// decoded.
    public func sources(reading extra: Set<String> = []) -> [ScanSource] {
        var needed: Set<String> = ["ts", "target_tid", "tid", "prev_state", "next_tid"]
        if tgid != nil { needed.formUnion(["target_pid", "pid"]) }
        if case .tracepointStateZero = rule { needed.insert("preempt") }
        needed.formUnion(extra)
        return RunQueueTracker.sources.map { s in ScanSource(s.table, s.columns.map { needed.contains($0) ? $0 : "" }, history: s.history) }
    }

    /// The stamp operations of one row of `RunQueueTracker.sources`.
    public func ops(_ row: PairRow, _ ops: inout PairOps) {
        switch row.source {
        case 0, 1:
            enqueue(&ops, ts: row.ts, tid: row.int(2), tgid: row.int(1))
        default:
            typealias C = RunQueueTracker.SwitchColumn
            if RunQueueTracker.requeues(rule, prevState: row.int(C.prevState), preempt: row.int(C.preempt) != 0) {
                enqueue(&ops, ts: row.ts, tid: row.int(C.tid), tgid: row.int(C.pid))
            }
            let next = row.int(C.nextTid)
            // Never stamped: the idle tasks (skipped), other tasks than -t's.
            if skipIdle && next == 0 { return }
            if let tid, tid != next { return }
            if let keep = keepWithinMicros { ops.takeUnlessWithin(next, micros: keep) } else { ops.take(next) }
        }
    }

    /// The wait a match ends (nil when negative: dropped, as the live tools do).
    @inline(__always) public static func latency(_ row: PairRow, _ m: PairMatch) -> Int64? {
        let l = row.ts &- m.start
        return l < 0 ? nil : l
    }
}
