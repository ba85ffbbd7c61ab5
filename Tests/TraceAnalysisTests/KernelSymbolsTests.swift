import Testing
@testable import TraceAnalysis

@Test func kernelSymbolsResolveToTheSymbolAtOrBelow() {
    let k = KernelSymbols(kallsyms: """
    ffffffff81200000 T do_nanosleep
    0000000000000000 A fixed_percpu_data
    ffffffff81100000 T schedule
    ffffffff81300000 t ext4_sync_file\t[ext4]
    ffffffff81100400 T schedule_timeout
    ffffffff83000000 T _einittext
    """)
    #expect(k.count == 5)
    #expect(k.name(of: 0xffff_ffff_c000_1234) == nil)  // a BPF program above the kernel image
    #expect(k.name(of: 0xffff_ffff_8110_0000) == "schedule")
    #expect(k.name(of: 0xffff_ffff_8110_03ff) == "schedule")
    #expect(k.name(of: 0xffff_ffff_8110_0404) == "schedule_timeout")
    #expect(k.name(of: 0xffff_ffff_8130_0010) == "ext4_sync_file")
    #expect(k.name(of: 0xffff_ffff_8000_0000) == nil)
}

@Test func probeFramesAreTheTracingProgramAndTheTracepointGlueOnly() {
    let k = KernelSymbols(kallsyms: """
    ffffffff81000000 T _stext
    ffffffff81040000 T trace_call_bpf
    ffffffff81041000 T perf_trace_run_bpf_submit
    ffffffff81042000 t perf_trace_sched_wakeup_template
    ffffffff81050000 T bpf_trace_run4
    ffffffff81051000 t __bpf_trace_sched_switch
    ffffffff81060000 T __traceiter_sched_switch
    ffffffff81100000 T __schedule
    ffffffff81300000 T _etext
    ffffffffc0002000 t bpf_prog_1a2b3c4d5e6f7081_offcpu_switch_btf\t[bpf]
    """)
    let prog: UInt64 = 0xffff_ffff_c000_2010, unknown: UInt64 = 0xffff_ffff_c100_0000
    #expect(k.name(of: prog) == "bpf_prog_1a2b3c4d5e6f7081_offcpu_switch_btf")
    // tp_btf / raw_tp: program, bpf_trace_runN, __bpf_trace_<event>, __traceiter_<event>.
    #expect(k.probeFrameCount([prog, 0xffff_ffff_8105_0010, 0xffff_ffff_8105_1010, 0xffff_ffff_8106_0010, 0xffff_ffff_8110_0010]) == 4)
    // Frame 0 counts whatever it resolves to (nothing, in a recording without BPF symbols).
    #expect(k.probeFrameCount([unknown, 0xffff_ffff_8105_0010, 0xffff_ffff_8106_0010, 0xffff_ffff_8110_0010]) == 3)
    // A classic tracepoint's: trace_call_bpf, perf_trace_run_bpf_submit, perf_trace_<class>.
    #expect(k.probeFrameCount([prog, 0xffff_ffff_8104_0010, 0xffff_ffff_8104_1010, 0xffff_ffff_8104_2010, 0xffff_ffff_8110_0010]) == 4)
    // A stack that does not run through a BPF program's caller keeps every frame.
    #expect(k.probeFrameCount([prog, 0xffff_ffff_8110_0010]) == 0)
    // A classic tracepoint program's stack starts at the glue: __traceiter_<event>.
    #expect(k.probeFrameCount([0xffff_ffff_8106_0010, 0xffff_ffff_8110_0010]) == 1)
    #expect(k.probeFrameCount([0xffff_ffff_8110_0010, 0xffff_ffff_8106_0010]) == 0)
    #expect(k.probeFrameCount([prog]) == 0)
}

@Test func stackFramesDecodeLittleEndianUntilZero() {
    let bytes: [UInt8] = [0x10, 0, 0x10, 0x81, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0, 0, 0, 0] + Array(repeating: 0, count: 8) + [9, 0, 0, 0, 0, 0, 0, 0, 7]
    #expect(StackFrames.decode(bytes) == [0xffff_ffff_8110_0010, 1])
}

@Test func offCpuTrackerChargesTheSwitchOutKey() {
    var t = OffCpuTracker()
    let k = OffCpuTracker.Key(tid: 5, tgid: 5, comm: "x", kernelStack: [1], userStack: [])
    t.switchedOut(ts: 100, tid: 5, key: k)
    t.switchedOut(ts: 150, tid: 5, key: nil)  // a newer switch-out replaces the unfinished one
    #expect(t.switchedIn(ts: 400, tid: 5)! == (nil, 250))
    t.switchedOut(ts: 500, tid: 5, key: k)
    #expect(t.switchedIn(ts: 700, tid: 5)?.key == k)
    #expect(t.switchedIn(ts: 900, tid: 5) == nil && t.pending == 0)
}

/// The stack program's clock read can come milliseconds after the sched_switch program's (a vCPU
/// descheduled between the two; a fixed 100 us bound lost one such stack in CI): while the
/// thread is off-CPU its stack row joins the switch-out however late, and never after it ran.
@Test func offCpuTrackerJoinsALateStackOnlyWhileTheThreadIsOff() {
    var t = OffCpuTracker()
    let k = OffCpuTracker.Key(tid: 5, tgid: 5, comm: "x", kernelStack: [1], userStack: [])
    t.switchedOut(ts: 100, tid: 5, key: nil)
    let late = t.attachStack(ts: 5_000_100, tid: 5, key: k)
    let again = t.attachStack(ts: 5_000_200, tid: 5, key: k)  // it has its stack already
    #expect(late && !again)
    #expect(t.switchedIn(ts: 9_000_000, tid: 5)?.key == k)
    t.switchedOut(ts: 9_500_000, tid: 5, key: nil)
    let older = t.attachStack(ts: 9_400_000, tid: 5, key: k)  // older than the switch-out
    #expect(!older)
    #expect(t.switchedIn(ts: 9_600_000, tid: 5)! == (nil, 100_000))
    let ranAgain = t.attachStack(ts: 9_700_000, tid: 5, key: k)  // no span left to join
    #expect(!ranAgain)
}

/// -u/-k tell a kernel thread only by its user stack, which can come after the switch-out: a
/// stackless switch-out whose late stack the filters refuse is forgotten, not left as a span
/// "without a stack" (409 of them were warned of on the wakeup sample with -u --state 1).
@Test func offCpuTrackerForgetsASwitchOutItsLateStackFiltersOut() {
    var t = OffCpuTracker()
    t.switchedOut(ts: 100, tid: 5, key: nil)
    t.dropStackless(ts: 90, tid: 5)  // older than the switch-out: not its stack
    #expect(t.pending == 1)
    t.dropStackless(ts: 120, tid: 5)
    #expect(t.pending == 0 && t.switchedIn(ts: 400, tid: 5) == nil)
    let k = OffCpuTracker.Key(tid: 6, tgid: 6, comm: "x", kernelStack: [1], userStack: [])
    t.switchedOut(ts: 100, tid: 6, key: k)
    t.dropStackless(ts: 120, tid: 6)  // a span with its stack is kept
    #expect(t.switchedIn(ts: 400, tid: 6)?.key == k)
}
