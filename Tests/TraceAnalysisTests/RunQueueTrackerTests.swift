import Testing
@testable import TraceAnalysis

@Test func runQueueWaitRunsFromWakeupToSwitchIn() {
    var t = RunQueueTracker()
    t.enqueue(ts: 1_000, tid: 7, tgid: 7)
    #expect(t.switched(ts: 38_000, prevTid: 0, prevTgid: 0, prevState: 0, preempt: false, nextTid: 7) == .init(tid: 7, latency: 37_000))
    // Consumed: a second switch-in without a new wakeup measures nothing.
    #expect(t.switched(ts: 50_000, prevTid: 0, prevTgid: 0, prevState: 0, preempt: false, nextTid: 7) == nil)
    #expect(t.pending == 0)
}

@Test func preemptedTaskIsQueuedAgainOnlyUnderTheTaskStateRule() {
    var libbpf = RunQueueTracker(rule: .taskStateRunning)
    var bt = RunQueueTracker(rule: .tracepointStateZero, skipIdle: false)
    for i in 0..<2 {
        // 7 preempted by 8 at 100, switched back in at 600.
        let a = i == 0 ? libbpf.switched(ts: 100, prevTid: 7, prevTgid: 7, prevState: 0, preempt: true, nextTid: 8)
                       : bt.switched(ts: 100, prevTid: 7, prevTgid: 7, prevState: 0, preempt: true, nextTid: 8)
        #expect(a == nil)
    }
    #expect(libbpf.switched(ts: 600, prevTid: 8, prevTgid: 8, prevState: 1, preempt: false, nextTid: 7) == .init(tid: 7, latency: 500))
    #expect(bt.switched(ts: 600, prevTid: 8, prevTgid: 8, prevState: 1, preempt: false, nextTid: 7) == nil)
    // A voluntary switch of a runnable task (yield) requeues under both rules.
    _ = bt.switched(ts: 700, prevTid: 7, prevTgid: 7, prevState: 0, preempt: false, nextTid: 9)
    #expect(bt.switched(ts: 900, prevTid: 9, prevTgid: 9, prevState: 1, preempt: false, nextTid: 7) == .init(tid: 7, latency: 200))
    // A sleeping task is not queued at switch-out.
    _ = libbpf.switched(ts: 1_000, prevTid: 7, prevTgid: 7, prevState: 2, preempt: false, nextTid: 9)
    #expect(libbpf.switched(ts: 2_000, prevTid: 9, prevTgid: 9, prevState: 1, preempt: false, nextTid: 7) == nil)
}

@Test func runQueueFiltersAndIdle() {
    var t = RunQueueTracker(tgid: 100)
    t.enqueue(ts: 0, tid: 101, tgid: 100)
    t.enqueue(ts: 0, tid: 201, tgid: 200)
    t.enqueue(ts: 0, tid: 0, tgid: 0)
    #expect(t.pending == 1)
    var tid = RunQueueTracker(tid: 102)
    tid.enqueue(ts: 0, tid: 101, tgid: 100)
    tid.enqueue(ts: 0, tid: 102, tgid: 100)
    #expect(tid.pending == 1)
    var idle = RunQueueTracker(rule: .tracepointStateZero, skipIdle: false)
    _ = idle.switched(ts: 10, prevTid: 0, prevTgid: 0, prevState: 0, preempt: false, nextTid: 5)
    #expect(idle.switched(ts: 30, prevTid: 5, prevTgid: 5, prevState: 1, preempt: false, nextTid: 0) == .init(tid: 0, latency: 20))
    // A wakeup stamped after the switch that consumes it (out of order) is dropped, not negative.
    var neg = RunQueueTracker()
    neg.enqueue(ts: 50, tid: 3, tgid: 3)
    #expect(neg.switched(ts: 40, prevTid: 0, prevTgid: 0, prevState: 1, preempt: false, nextTid: 3) == nil)
    #expect(neg.pending == 0)
}
