/// On-CPU slices from sched_switch, per CPU: the task switched in runs until the CPU's next
/// switch (Perfetto's sched_slice). Feed switches in time order. A CPU's first slice (whose
/// start was not recorded) is not reported; `running` is what was on each CPU at the end.
public struct SchedSliceTracker: Sendable {
    public struct Slice: Sendable, Equatable {
        public var cpu: Int64
        public var pid: Int64
        public var tid: Int64
        public var comm: String
        public var prio: Int64
        public var start: Int64
        /// nil: still running when the recording ended.
        public var end: Int64?
        /// prev_state of the switch that ended it (raw __state), and whether it was a preemption.
        public var endState: Int64?
        public var preempted: Bool = false
    }

    public private(set) var running: [Int64: Slice] = [:]
    public init() {}

    /// The columns `apply` reads, in order, from sched_switch.
    public static let columns = ["ts", "cpu", "prev_state", "preempt", "next_pid", "next_tid", "next_comm", "next_prio"]

    /// A switch: returns the slice it ends, if its start was seen.
    public mutating func apply(_ r: MergedRow) -> Slice? {
        let cpu = r.int(1)
        var ended = running[cpu]
        if ended != nil {
            ended!.end = r.ts
            ended!.endState = r.int(2)
            ended!.preempted = r.int(3) != 0
        }
        running[cpu] = Slice(cpu: cpu, pid: r.int(4), tid: r.int(5), comm: r.string(6), prio: r.int(7), start: r.ts)
        return ended
    }

    /// ftrace's letter for a prev_state (R, R+ when preempted, S, D, T, t, X, Z, P, I).
    public static func stateName(_ state: Int64, preempted: Bool) -> String {
        if state == 0 { return preempted ? "R+" : "R" }
        if state == 1026 { return "I" }  // TASK_IDLE = TASK_UNINTERRUPTIBLE | TASK_NOLOAD
        for (bit, name) in [(1, "S"), (2, "D"), (4, "T"), (8, "t"), (16, "X"), (32, "Z"), (64, "P"), (128, "I")] where state & Int64(bit) != 0 {
            return name
        }
        return String(state)
    }
}

/// Off-CPU spans per thread from sched_switch and sched_wakeup (Perfetto's thread_state, the
/// parts between slices): from a switch-out, in the state it left with, to its next switch-in,
/// with the first wakeup in between (when it became runnable) and who woke it. A thread whose
/// switch-out was not recorded — new (sched_wakeup_new), or asleep since before the recording
/// began — has a span from its wakeup, runnable (state 0), as Perfetto starts one: so the
/// run-queue waits are runqlat's. Feed rows in time order; memory is the threads off CPU.
public struct ThreadStateTracker: Sendable {
    public struct Span: Sendable, Equatable {
        public var pid: Int64
        public var tid: Int64
        public var comm: String
        public var start: Int64
        /// nil: still off CPU when the recording ended.
        public var end: Int64?
        public var state: Int64
        public var preempted: Bool
        public var wakeup: Int64?
        public var waker: Int64?
        public var wakerCPU: Int64?
    }

    public private(set) var off: [Int64: Span] = [:]
    /// Threads woken with no recorded switch-out: a span from the wakeup if the next thing seen
    /// of them is their switch-in; dropped if it is a switch-out (the wakeup found them running).
    private var wokenUnseen: [Int64: Span] = [:]
    public init() {}

    /// sched_switch columns, in order.
    public static let switchColumns = ["ts", "cpu", "pid", "tid", "prev_comm", "prev_state", "preempt", "next_tid"]
    /// sched_wakeup (and sched_wakeup_new) columns, in order.
    public static let wakeupColumns = ["ts", "cpu", "tid", "target_tid", "target_pid", "target_comm"]

    /// A switch: prev goes off CPU; returns next's span that it ends, if its start was seen.
    public mutating func switched(_ r: MergedRow) -> Span? {
        let prev = r.int(3), next = r.int(7)
        let ended = next == 0 ? nil : (off.removeValue(forKey: next) ?? wokenUnseen.removeValue(forKey: next)).map { s -> Span in
            var s = s
            s.end = r.ts
            return s
        }
        if prev != 0 {
            wokenUnseen[prev] = nil
            off[prev] = Span(pid: r.int(2), tid: prev, comm: r.string(4), start: r.ts, end: nil, state: r.int(5), preempted: r.int(6) != 0)
        }
        return ended
    }

    public mutating func wakeup(_ r: MergedRow) {
        let target = r.int(3)
        guard var s = off[target] else {
            if target != 0 && wokenUnseen[target] == nil {
                wokenUnseen[target] = Span(pid: r.int(4), tid: target, comm: r.string(5), start: r.ts, end: nil, state: 0, preempted: false,
                                           wakeup: r.ts, waker: r.int(2), wakerCPU: r.int(1))
            }
            return
        }
        guard s.wakeup == nil else { return }
        s.wakeup = r.ts
        s.waker = r.int(2)
        s.wakerCPU = r.int(1)
        off[target] = s
    }
}
