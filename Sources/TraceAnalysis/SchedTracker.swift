/// The scheduler intervals the sched tools measure, paired by thread id in time order:
/// - run-queue latency: wakeup (or preemption while runnable) → switch-in (runqlat, runqslower);
/// - off-CPU time: switch-out → switch-in (cpudist -O, offcputime);
/// - on-CPU time: switch-in → switch-out (cpudist).
/// Feed `sched_wakeup`/`sched_wakeup_new` rows to `wakeup` and `sched_switch` rows to
/// `switched`; intervals whose start predates the recording are not reported, as the live tools
/// drop what their start maps never saw. Thread 0 (idle) is never tracked.
public struct SchedTracker: Sendable {
    /// One finished interval.
    public struct Interval: Sendable, Equatable {
        public var tid: Int64
        public var ns: Int64
    }

    /// What one context switch finished.
    public struct SwitchResult: Sendable, Equatable {
        /// The incoming thread's wait on the run queue.
        public var runqLatency: Interval?
        /// The incoming thread's time off CPU since it last switched out.
        public var offCPU: Interval?
        /// The outgoing thread's time on CPU since it switched in.
        public var onCPU: Interval?
    }

    /// `prev_state` of a preempted task (TASK_RUNNING): it goes straight back on the run queue.
    public static let taskRunning: Int64 = 0

    private var enqueued = StartFinishPairer<Int64, Int64>()
    private var switchedOut = StartFinishPairer<Int64, Int64>()
    private var switchedIn = StartFinishPairer<Int64, Int64>()

    public init() {}

    public mutating func wakeup(ts: Int64, tid: Int64) {
        if tid != 0 { enqueued.start(tid, ts) }
    }

    public mutating func switched(ts: Int64, prevTid: Int64, prevState: Int64, nextTid: Int64) -> SwitchResult {
        var result = SwitchResult()
        if prevTid != 0 {
            // A preempted task waits on the run queue from now (libbpf-tools runqlat requeues it).
            if prevState == Self.taskRunning { enqueued.start(prevTid, ts) }
            switchedOut.start(prevTid, ts)
            if let start = switchedIn.finish(prevTid), ts >= start { result.onCPU = Interval(tid: prevTid, ns: ts &- start) }
        }
        if nextTid != 0 {
            if let start = enqueued.finish(nextTid), ts >= start { result.runqLatency = Interval(tid: nextTid, ns: ts &- start) }
            if let start = switchedOut.finish(nextTid), ts >= start { result.offCPU = Interval(tid: nextTid, ns: ts &- start) }
            switchedIn.start(nextTid, ts)
        }
        return result
    }
}
