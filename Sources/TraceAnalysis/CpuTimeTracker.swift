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
