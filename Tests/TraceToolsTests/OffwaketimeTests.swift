import Foundation
import Testing
import TraceFormat
import TraceSchema
import TraceReport
import TraceTestSupport
@testable import TraceTools

/// One CPU: app (pid 100, tid 101) blocks in pipe_read at 0.1; sh (pid 50) wakes it at 0.3
/// through pipe_write (sched:sched_waking with kernel and user stacks) and blocks itself at
/// 0.35, when app runs (a 250000 us span with sh as waker); app is preempted at 0.5 and sh,
/// never woken (a 150000 us span with no waker), runs until 0.6, when app runs again (100000
/// us, no waker). Every stack starts with the probes' own frames (__traceiter_*), and the waker's with
/// try_to_wake_up, which bcc's kprobe frame drops.
private func offwakeRecording(wakingEvent: String = "sched_waking") throws -> String {
    let text = schedWakeupFormat(wakingEvent, id: 301)
    let format = try TracepointFormat.parse(text, system: "sched")
    let s = SyntheticRecording()
    s.duration = 2_000_000_000
    let table = "sched:\(wakingEvent)"
    s.schemas[table] = format.tableSchema(family: "tracepoints", stacks: [.kernel, .user])
    s.metadata[MetadataName.tracepointFormats] = Array(try JSONEncoder().encode([table: text]))
    s.metadata[MetadataName.kernelSymbols] = Array("""
    ffffffff81000000 T _stext
    ffffffff81060000 T __traceiter_sched_waking
    ffffffff81070000 T __traceiter_sched_switch
    ffffffff81100000 T __schedule
    ffffffff81100400 T schedule
    ffffffff81100800 T try_to_wake_up
    ffffffff81100c00 T __wake_up_common
    ffffffff81200000 T pipe_read
    ffffffff81200400 T pipe_write
    ffffffff81400000 T _etext

    """.utf8)
    let traceSwitch: UInt64 = 0xffff_ffff_8107_0010, sched: UInt64 = 0xffff_ffff_8110_0010, schedule: UInt64 = 0xffff_ffff_8110_0410
    let blockedInRead: [UInt64] = [traceSwitch, sched, schedule, 0xffff_ffff_8120_0010]
    let wakeByWrite: [UInt64] = [0xffff_ffff_8106_0010, 0xffff_ffff_8110_0810, 0xffff_ffff_8110_0c10, 0xffff_ffff_8120_0410]
    typealias Task = (tid: Int64, pid: Int64, comm: String)
    let app: Task = (101, 100, "app"), sh: Task = (50, 50, "sh")
    func sw(_ t: Double, _ prev: Task, _ state: Int64, _ next: Task, _ k: [UInt64], _ u: [UInt64]) {
        s.add("offcpu_stack", ["ts": ns(t + 0.000002), "pid": .int(prev.pid), "tid": .int(prev.tid), "comm": .string(prev.comm), "kstack": le(k), "ustack": le(u), "state": .int(state)])
        s.add("sched_switch", ["ts": ns(t), "pid": .int(prev.pid), "tid": .int(prev.tid), "prev_comm": .string(prev.comm), "prev_state": .int(state),
                               "preempt": .int(state == 0 ? 1 : 0), "next_pid": .int(next.pid), "next_tid": .int(next.tid), "next_comm": .string(next.comm)])
    }
    func wake(_ t: Double, _ waker: Task, _ target: Task) {
        s.add(table, ["ts": ns(t), "cpu": 0, "pid": .int(waker.pid), "tid": .int(waker.tid), "comm": .string(target.comm), "arg_pid": .int(target.tid),
                      "kstack": le(wakeByWrite), "ustack": le([0x401000, 0x402000]), "task_comm": .string(waker.comm)])
    }
    sw(0.1, app, 1, sh, blockedInRead, [0x501000, 0x502000])
    wake(0.3, sh, app)
    sw(0.35, sh, 1, app, [traceSwitch, sched, schedule], [])
    sw(0.5, app, 0, sh, [traceSwitch, sched], [0x501000])
    sw(0.6, sh, 0, app, [traceSwitch, sched], [])
    return try s.write()
}

@Test func offwaketimePrintsBccsPairedStacks() throws {
    let path = try offwakeRecording()
    let out = try runTool(Offwaketime.self, [path])
    #expect(!out.failed, "\(out.stderr)")
    // bcc: "    %-16s %s %s" waker line, its user then kernel stack outermost first, "    --  --",
    // the target's kernel then user stack innermost first, "    %-16s %s %s" target, "        %d\n".
    #expect(out.stdout == """
    Tracing blocked time (us) by user + kernel off-CPU and waker stack... Hit Ctrl-C to end.

        waker:            0
        --               --
        __schedule
        [unknown]
        target:          app 101
            100000

        waker:            0
        --               --
        __schedule
        schedule
        target:          sh 50
            150000

        waker:           sh 50
        [unknown]
        pipe_write
        __wake_up_common
        --               --
        __schedule
        schedule
        pipe_read
        [unknown]
        [unknown]
        target:          app 101
            250000


    """, "\(out.stdout)")

    // Folded: the target outermost first (its innermost user frame dropped, as bcc drops it),
    // "--", the waker innermost first, the waker's name.
    let folded = try runTool(Offwaketime.self, ["-f", path])
    #expect(folded.stdout == """
    app;__schedule;--; 100000
    sh;schedule;__schedule;--; 150000
    app;[unknown];pipe_read;schedule;__schedule;--;__wake_up_common;pipe_write;[unknown];sh 250000

    """, "\(folded.stdout)")
    let delimited = try runTool(Offwaketime.self, ["-f", "-d", "-m", "200000", path])
    #expect(delimited.stdout == "app;[unknown];-;pipe_read;schedule;__schedule;--;__wake_up_common;pipe_write;-;[unknown];sh 250000\n", "\(delimited.stdout)")
    let kernelOnly = try runTool(Offwaketime.self, ["-f", "-K", "-M", "150000", "-p", "50,7", path])
    #expect(kernelOnly.stdout == "sh;schedule;__schedule;--; 150000\n", "\(kernelOnly.stdout)")
    let tracer = try runTool(Offwaketime.self, ["-f", "-K", "--tracer-frames", "-t", "101", "-m", "200000", path])
    #expect(tracer.stdout == "app;pipe_read;schedule;__schedule;__traceiter_sched_switch;--;__traceiter_sched_waking;try_to_wake_up;__wake_up_common;pipe_write;sh 250000\n", "\(tracer.stdout)")

    // bcc's STATE_FILTER is a bitmask (`__state & STATE`): 3 takes the two sleeps (state 1), not
    // the preemption (0), which --state 0 alone takes.
    let sleeps = try runTool(Offwaketime.self, ["-f", "-K", "--state", "3", path])
    #expect(sleeps.stdout == "sh;schedule;__schedule;--; 150000\napp;pipe_read;schedule;__schedule;--;__wake_up_common;pipe_write;sh 250000\n", "\(sleeps.stdout)")
    let preempted = try runTool(Offwaketime.self, ["-f", "-K", "--state", "0", path])
    #expect(preempted.stdout == "app;__schedule;--; 100000\n", "\(preempted.stdout)")

    // The total is offcputime's over the same spans.
    let off = try runTool(Offcputime.self, ["-f", path])
    let sum: (String) -> Int = { $0.split(separator: "\n").compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }.reduce(0, +) }
    #expect(sum(off.stdout) == sum(folded.stdout) && sum(off.stdout) == 500000)
}

@Test func offwaketimeSaysWhatTheRecordingLacks() throws {
    let wakeup = try runTool(Offwaketime.self, ["-f", try offwakeRecording(wakingEvent: "sched_wakeup")])
    #expect(!wakeup.failed && wakeup.stderr.contains { $0.contains("has waker stacks at sched:sched_wakeup only") }, "\(wakeup.stderr)")
    #expect(wakeup.stdout.hasSuffix(";__wake_up_common;pipe_write;[unknown];sh 250000\n"), "\(wakeup.stdout)")

    let s = SyntheticRecording()
    s.add("sched_switch", ["ts": ns(0.1), "pid": 1, "tid": 1, "next_tid": 2])
    s.add("offcpu_stack", ["ts": ns(0.1), "pid": 1, "tid": 1, "comm": "a", "kstack": le([1]), "ustack": le([]), "state": 1])
    let none = try runTool(Offwaketime.self, [try s.write()])
    #expect(none.failed && none.stderr.last?.contains("has no sched:sched_waking table with the wakers' stacks; record it with `bpfrec record --families proc,sched,stacks --offcpu-stacks all --stack-events sched:sched_waking`") == true, "\(none.stderr)")
    let badList = try runTool(Offwaketime.self, ["-p", "12,x", try offwakeRecording()])
    #expect(badList.failed && badList.stderr.last?.contains("argument -p/--pid: must be an integer") == true, "\(badList.stderr)")
    let both = try runTool(Offwaketime.self, ["-p", "1", "-u", try offwakeRecording()])
    #expect(both.failed && both.stderr.last?.contains("argument -u/--user-threads-only: not allowed with argument -p/--pid") == true, "\(both.stderr)")
}

@Test func offwaketimeJSONCarriesTheWakerAndValidates() throws {
    let schema = try #require(JSONOutputSchemaTests.schema, "schemas/output.schema.json does not parse")
    let out = try runTool(Offwaketime.self, ["--json", "-m", "200000", try offwakeRecording()])
    let records = out.stdout.split(separator: "\n").map(String.init)
    #expect(records.count == 2, "\(out.stdout)")
    for line in records {
        let value = try JSONValue.parse(line)
        #expect(schema.violation(of: value) == nil, "\(line)")
    }
    #expect(records.last?.contains("\"waker\":{\"labels\":{\"pid\":50,\"tid\":50,\"comm\":\"sh\"},\"kernel\":[\"__wake_up_common\",\"pipe_write\"],\"user\":[\"[unknown]\"]}") == true, "\(records.last ?? "")")
}
