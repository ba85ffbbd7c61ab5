/// On-CPU or off-CPU spans from sched_switch alone, as libbpf-tools cpudist measures them: a
/// per-tid start stamp set when the task is switched in (on-CPU) or out (off-CPU), read when
/// it is switched out (on-CPU, only if still runnable: cpudist's `get_task_state(prev) ==
/// TASK_RUNNING` test) or in (off-CPU). The stamp is not consumed, as in the live tool, and the
/// idle tasks (tid 0, one per CPU) share one stamp as they share one map key there.
public struct CpuTimeTracker: Sendable {
    public enum Mode: Sendable { case onCPU, offCPU }

    /// A measured span, charged to `task` (prev for on-CPU, next for off-CPU).
    public struct Span: Sendable, Equatable {
        public var tid: Int64
        public var tgid: Int64
        /// True when the span belongs to prev (its comm is prev's), false for next.
        public var isPrev: Bool
        public var duration: Int64
    }

    public let mode: Mode
    /// Only this process is stamped and measured (`-p`).
    public let tgid: Int64?
    private var start: [Int64: Int64] = [:]

    public init(mode: Mode, tgid: Int64? = nil) {
        self.mode = mode
        self.tgid = tgid
    }

    /// The columns of sched_switch the tools read, and their positions for `row.int(_:)`.
    public static let columns = ["ts", "pid", "tid", "prev_comm", "prev_state", "next_pid", "next_tid", "next_comm"]
    public enum Column {
        public static let pid = 1, tid = 2, prevComm = 3, prevState = 4, nextPid = 5, nextTid = 6, nextComm = 7
    }

    public mutating func switched(ts: Int64, prevTid: Int64, prevTgid: Int64, prevState: Int64, nextTid: Int64, nextTgid: Int64) -> Span? {
        switch mode {
        case .offCPU:
            stamp(prevTid, prevTgid, ts)
            return measure(nextTid, nextTgid, ts, isPrev: false)
        case .onCPU:
            let span = prevState == 0 ? measure(prevTid, prevTgid, ts, isPrev: true) : nil
            stamp(nextTid, nextTgid, ts)
            return span
        }
    }

    private mutating func stamp(_ tid: Int64, _ g: Int64, _ ts: Int64) {
        if let tgid, tgid != g { return }
        start[tid] = ts
    }

    private func measure(_ tid: Int64, _ g: Int64, _ ts: Int64, isPrev: Bool) -> Span? {
        if let tgid, tgid != g { return nil }
        guard let s = start[tid], ts >= s else { return nil }
        // Wrapping: hostile timestamps must not trap; a wrapped span is dropped.
        let d = ts &- s
        return d < 0 ? nil : Span(tid: tid, tgid: g, isPrev: isPrev, duration: d)
    }
}

/// `CpuTimeTracker` as a paired scan (`Recording.scanPaired` over sched_switch with
/// `CpuTimeTracker.columns`): stamps are peeked, never consumed, as in the live tool.
public struct CpuTimePairing: Sendable {
    public let mode: CpuTimeTracker.Mode
    public let tgid: Int64?

    public init(mode: CpuTimeTracker.Mode, tgid: Int64? = nil) {
        self.mode = mode
        self.tgid = tgid
    }

    /// `[ScanSource("sched_switch", CpuTimeTracker.columns)]` without the columns neither this
    /// pairing nor the caller (`extra`) reads (zeros / empty strings, positions unchanged).
    public func sources(reading extra: Set<String> = []) -> [ScanSource] {
        var needed: Set<String> = ["ts", "tid", "next_tid"]
        if case .onCPU = mode { needed.insert("prev_state") }
        if tgid != nil { needed.formUnion(["pid", "next_pid"]) }
        needed.formUnion(extra)
        return [ScanSource("sched_switch", CpuTimeTracker.columns.map { needed.contains($0) ? $0 : "" })]
    }

    /// Match labels: the span is prev's (on-CPU) or next's (off-CPU).
    static let prevLabel: UInt8 = 1, nextLabel: UInt8 = 2

    public func ops(_ row: PairRow, _ ops: inout PairOps) {
        typealias C = CpuTimeTracker.Column
        let prevTid = row.int(C.tid), prevTgid = row.int(C.pid), nextTid = row.int(C.nextTid), nextTgid = row.int(C.nextPid)
        switch mode {
        case .offCPU:
            if tgid == nil || tgid == prevTgid { ops.set(prevTid, row.ts) }
            if tgid == nil || tgid == nextTgid { ops.peek(nextTid, label: Self.nextLabel) }
        case .onCPU:
            if row.int(C.prevState) == 0, tgid == nil || tgid == prevTgid { ops.peek(prevTid, label: Self.prevLabel) }
            if tgid == nil || tgid == nextTgid { ops.set(nextTid, row.ts) }
        }
    }

    /// The span a match measures (nil when the stamp is later than the switch).
    public static func span(_ row: PairRow, _ m: PairMatch) -> CpuTimeTracker.Span? {
        typealias C = CpuTimeTracker.Column
        guard row.ts >= m.start else { return nil }
        let d = row.ts &- m.start
        if d < 0 { return nil }
        return m.label == prevLabel
            ? CpuTimeTracker.Span(tid: row.int(C.tid), tgid: row.int(C.pid), isPrev: true, duration: d)
            : CpuTimeTracker.Span(tid: row.int(C.nextTid), tgid: row.int(C.nextPid), isPrev: false, duration: d)
    }
}
