import Testing
@testable import TraceAnalysis

@Test func schedTrackerPairsWakeupsAndSwitches() {
    var s = SchedTracker()
    // t=100: thread 7 woken; t=130: 7 switches in (runq 30) replacing idle.
    s.wakeup(ts: 100, tid: 7)
    var r = s.switched(ts: 130, prevTid: 0, prevState: 0, nextTid: 7)
    #expect(r == .init(runqLatency: .init(tid: 7, ns: 30), offCPU: nil, onCPU: nil))
    // t=200: 7 preempted by 8 (never seen before): on-CPU 70; 7 requeued.
    r = s.switched(ts: 200, prevTid: 7, prevState: SchedTracker.taskRunning, nextTid: 8)
    #expect(r == .init(runqLatency: nil, offCPU: nil, onCPU: .init(tid: 7, ns: 70)))
    // t=260: 8 blocks (state 1), 7 back in: runq 60 since preemption, off-CPU 60.
    r = s.switched(ts: 260, prevTid: 8, prevState: 1, nextTid: 7)
    #expect(r == .init(runqLatency: .init(tid: 7, ns: 60), offCPU: .init(tid: 7, ns: 60), onCPU: .init(tid: 8, ns: 60)))
    // t=300: 8 woken; t=305: 8 in after sleeping since 260: runq 5, off-CPU 45; 7 blocks.
    s.wakeup(ts: 300, tid: 8)
    r = s.switched(ts: 305, prevTid: 7, prevState: 1, nextTid: 8)
    #expect(r == .init(runqLatency: .init(tid: 8, ns: 5), offCPU: .init(tid: 8, ns: 45), onCPU: .init(tid: 7, ns: 45)))
    // A blocked task switched in without a wakeup seen: no run-queue latency.
    r = s.switched(ts: 400, prevTid: 8, prevState: 1, nextTid: 7)
    #expect(r.runqLatency == nil && r.offCPU == .init(tid: 7, ns: 95))
}
