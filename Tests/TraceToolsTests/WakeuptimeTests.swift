import Foundation
import Testing
import TraceFormat
import TraceSchema
import TraceTestSupport
@testable import TraceTools

/// sched_switch rows and sched:sched_wakeup recorded with kernel stacks
/// (--stack-events sched:sched_wakeup --stack kernel), on one CPU:
/// - app (pid 100, tid 101) is switched out at 0.1 and woken by sh (pid 50) at 0.3 (200000
///   us, stack S1) and again out at 0.5, woken by sh at 0.6 (100000 us, S1);
/// - app is switched out at 1.0 and woken by the idle task (swapper/0) at 1.0005 (500 us, S2);
/// - kworker/0:1 (pid 7) is out at 0.2 and woken by sh at 0.25 (50000 us, S1);
/// - a wakeup of app at 1.2 with no switch-out since its last wakeup charges nothing.
/// Every stack starts with the tracepoint's frame, __traceiter_sched_wakeup.
private func wakeupRecording() throws -> String {
    let text = schedWakeupFormat("sched_wakeup", id: 300)
    let format = try TracepointFormat.parse(text, system: "sched")
    let s = SyntheticRecording()
    s.duration = 2_000_000_000
    s.schemas["sched:sched_wakeup"] = format.tableSchema(family: "tracepoints", stacks: [.kernel])
    s.metadata[MetadataName.kernelSymbols] = Array("""
    ffffffff81000000 T _stext
    ffffffff81060000 T __traceiter_sched_wakeup
    ffffffff81100000 T ttwu_do_activate
    ffffffff81100400 T try_to_wake_up
    ffffffff81200000 T pipe_write
    ffffffff81300000 T hrtimer_wakeup
    ffffffff81400000 T _etext

    """.utf8)
    s.metadata[MetadataName.tracepointFormats] = Array(try JSONEncoder().encode(["sched:sched_wakeup": text]))
    let s1: [UInt64] = [0xffff_ffff_8106_0010, 0xffff_ffff_8110_0010, 0xffff_ffff_8110_0410, 0xffff_ffff_8120_0020]
    let s2: [UInt64] = [0xffff_ffff_8106_0010, 0xffff_ffff_8110_0410, 0xffff_ffff_8130_0030]
    func out(_ t: Double, pid: Int64, tid: Int64) {
        s.add("sched_switch", ["ts": ns(t), "pid": .int(pid), "tid": .int(tid), "prev_state": 1])
    }
    func wake(_ t: Double, waker: (Int64, String), target: (Int64, String), _ stack: [UInt64]) {
        s.add("sched:sched_wakeup", ["ts": ns(t), "cpu": 0, "pid": .int(waker.0), "tid": .int(waker.0), "comm": .string(target.1),
                                     "arg_pid": .int(target.0), "kstack": le(stack), "task_comm": .string(waker.1)])
    }
    let app: (Int64, String) = (101, "app"), kworker: (Int64, String) = (7, "kworker/0:1")
    let sh: (Int64, String) = (50, "sh"), idle: (Int64, String) = (0, "swapper/0")
    out(0.1, pid: 100, tid: 101)
    out(0.2, pid: 7, tid: 7)
    wake(0.25, waker: sh, target: kworker, s1)
    wake(0.3, waker: sh, target: app, s1)
    out(0.5, pid: 100, tid: 101)
    wake(0.6, waker: sh, target: app, s1)
    out(1.0, pid: 100, tid: 101)
    wake(1.0005, waker: idle, target: app, s2)
    wake(1.2, waker: sh, target: app, s1)
    return try s.write()
}

@Test func wakeuptimePrintsWakerStacksAsLibbpfTools() throws {
    let path = try wakeupRecording()
    let out = try runTool(Wakeuptime.self, [path])
    #expect(out.stderr.isEmpty && !out.failed, "\(out.stderr)")
    // print_map(): "\n\t%-16s %s\n", "\t%-16lx %s\n" per frame, "\t%16s %s\n", "\t%d\n".
    #expect(out.stdout == """
    Tracing blocked time (us) by kernel stack

    \ttarget:          app
    \tffffffff81100410 try_to_wake_up
    \tffffffff81300030 hrtimer_wakeup
    \t          waker: swapper/0
    \t500

    \ttarget:          kworker/0:1
    \tffffffff81100010 ttwu_do_activate
    \tffffffff81100410 try_to_wake_up
    \tffffffff81200020 pipe_write
    \t          waker: sh
    \t50000

    \ttarget:          app
    \tffffffff81100010 ttwu_do_activate
    \tffffffff81100410 try_to_wake_up
    \tffffffff81200020 pipe_write
    \t          waker: sh
    \t300000

    """)
}

@Test func wakeuptimeFiltersAndTracerFrames() throws {
    let path = try wakeupRecording()
    func values(_ args: [String]) throws -> [String] {
        try runTool(Wakeuptime.self, args + [path]).stdout.split(separator: "\n").filter { $0.hasPrefix("\t") && Int($0.dropFirst()) != nil }.map { String($0.dropFirst()) }
    }
    #expect(try values(["-p", "100"]) == ["500", "300000"])
    // Each wakeup is filtered alone: -m 100000 keeps 200000 and 100000 (sh's key) only.
    #expect(try values(["-m", "100000"]) == ["300000"])
    #expect(try values(["-M", "60000"]) == ["500", "50000"])
    // The first second: the idle task's wakeup is after it.
    #expect(try values(["1"]) == ["50000", "300000"])
    let kept = try runTool(Wakeuptime.self, ["--tracer-frames", "-p", "100", path]).stdout
    #expect(kept.contains("\n\tffffffff81060010 __traceiter_sched_wakeup\n\tffffffff81100410 try_to_wake_up\n"), "\(kept)")
    let bad = try runTool(Wakeuptime.self, ["-m", "10", "-M", "10", path])
    #expect(bad.failed && bad.stderr == ["bpfan wakeuptime: min_block_time should be smaller than max_block_time"])
    let json = try runTool(Wakeuptime.self, ["--json", "-p", "100", "-m", "1000", path])
    #expect(json.stdout.split(separator: "\n").dropFirst() == [#"{"type":"stack","labels":{"target":"app","waker":"sh"},"kernel":["ttwu_do_activate","try_to_wake_up","pipe_write"],"user":null,"value":300000,"unit":"us"}"#])
}

@Test func wakeuptimeNeedsTheWakeupStacks() throws {
    let s = SyntheticRecording()
    s.add("sched_switch", ["ts": ns(0.1), "pid": 1, "tid": 1])
    let out = try runTool(Wakeuptime.self, [try s.write()])
    #expect(out.failed && out.stderr.first?.hasSuffix("has no sched:sched_wakeup table with the wakers' stacks; record it with `bpfrec record --families proc,sched --stack-events sched:sched_wakeup`") == true, "\(out.stderr)")
}
