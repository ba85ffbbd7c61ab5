import Testing
@testable import TraceAnalysis

@Test func onCPUSpansEndOnlyWhenPrevIsStillRunnable() {
    var t = CpuTimeTracker(mode: .onCPU)
    #expect(t.switched(ts: 100, prevTid: 0, prevTgid: 0, prevState: 0, nextTid: 7, nextTgid: 7) == nil)
    // 7 blocks (state 1): cpudist does not count it.
    #expect(t.switched(ts: 400, prevTid: 7, prevTgid: 7, prevState: 1, nextTid: 8, nextTgid: 8) == nil)
    #expect(t.switched(ts: 500, prevTid: 8, prevTgid: 8, prevState: 0, nextTid: 7, nextTgid: 7) == .init(tid: 8, tgid: 8, isPrev: true, duration: 100))
    #expect(t.switched(ts: 900, prevTid: 7, prevTgid: 7, prevState: 0, nextTid: 8, nextTgid: 8) == .init(tid: 7, tgid: 7, isPrev: true, duration: 400))
}

@Test func offCPUSpansRunFromSwitchOutToSwitchIn() {
    var t = CpuTimeTracker(mode: .offCPU, tgid: 7)
    #expect(t.switched(ts: 100, prevTid: 7, prevTgid: 7, prevState: 1, nextTid: 8, nextTgid: 8) == nil)
    #expect(t.switched(ts: 350, prevTid: 8, prevTgid: 8, prevState: 1, nextTid: 7, nextTgid: 7) == .init(tid: 7, tgid: 7, isPrev: false, duration: 250))
    // The stamp stays (not consumed), and other processes are neither stamped nor measured.
    #expect(t.switched(ts: 400, prevTid: 9, prevTgid: 9, prevState: 1, nextTid: 7, nextTgid: 7) == .init(tid: 7, tgid: 7, isPrev: false, duration: 300))
    #expect(t.switched(ts: 500, prevTid: 7, prevTgid: 7, prevState: 1, nextTid: 8, nextTgid: 8) == nil)
}
