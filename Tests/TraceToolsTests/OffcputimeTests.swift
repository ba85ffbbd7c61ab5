import TraceReport
import TraceTestSupport
import Testing
import TraceFormat
@testable import TraceTools

func le(_ addrs: [UInt64]) -> ColumnValue {
    .bytes(addrs.flatMap { a in (0..<8).map { UInt8(truncatingIfNeeded: a >> (8 * UInt64($0))) } })
}

/// One CPU: app (101, pid 100) blocks in nanosleep (stack S1) at 0.1, 0.2 and 0.4 and is back at
/// 0.1005, 0.2003 and 1.5 (500 + 300 + 1100000 us); it is preempted at 0.3 (no stack row) and
/// back at 0.30002 (20 us, stackless). kworker/0:1 (201, no user stack) blocks at 0.30002 (S2,
/// state 2) and is back at 1.0 (699980 us). The idle task's spans (0.1005 → 0.2, 0.2003 → 0.4)
/// are stackless too.
func offcpuRecording(symbols: Bool = true, stackDelay: Double = 0, userSymbols: Bool = false) throws -> String {
    let s = SyntheticRecording()
    if userSymbols {
        // app (pid 100) maps its binary (build-id aabb) at 0x400000; the file's executable
        // segment is loaded at vaddr 0x400000 from offset 0.
        s.add("process_maps", ["ts": ns(0.05), "pid": 100, "start": 0x400000, "end": 0x500000, "offset": 0,
                               "path": "/usr/bin/app", "build_id": .bytes([0xaa, 0xbb])])
        s.metadata[MetadataName.elfSymbolsPrefix + "aabb"] = Array("""
        # bpfrec elf_symbols 1
        path /usr/bin/app
        build_id aabb
        load 0 400000 100000
        sym 400f00 80 _start
        sym 401000 100 wait_for_work
        sym 402000 40 main

        """.utf8)
    }
    if symbols {
        s.metadata[MetadataName.kernelSymbols] = Array("""
        ffffffff81000000 T _stext
        ffffffff81100000 T schedule
        ffffffff81100400 T schedule_timeout
        ffffffff81200000 T do_nanosleep
        ffffffff81300000 t ext4_sync_file\t[ext4]

        """.utf8)
    }
    let s1k: [UInt64] = [0xffff_ffff_8110_0010, 0xffff_ffff_8120_0020], s1u: [UInt64] = [0x401000, 0x402000]
    let s2k: [UInt64] = [0xffff_ffff_8110_0000, 0xffff_ffff_8110_0404]
    let idle: (Int64, Int64, String) = (0, 0, "swapper/0"), app: (Int64, Int64, String) = (101, 100, "app"), kw: (Int64, Int64, String) = (201, 200, "kworker/0:1")
    func sw(_ t: Double, _ prev: (Int64, Int64, String), _ state: Int64, _ next: (Int64, Int64, String), stack: ([UInt64], [UInt64])? = nil) {
        if let stack {
            s.add("offcpu_stack", ["ts": ns(t + stackDelay), "pid": .int(prev.1), "tid": .int(prev.0), "comm": .string(prev.2), "kstack": le(stack.0), "ustack": le(stack.1), "state": .int(state)])
        }
        s.add("sched_switch", ["ts": ns(t), "pid": .int(prev.1), "tid": .int(prev.0), "prev_comm": .string(prev.2), "prev_state": .int(state),
                               "preempt": .int(state == 0 ? 1 : 0), "next_pid": .int(next.1), "next_tid": .int(next.0), "next_comm": .string(next.2)])
    }
    sw(0.1, app, 1, idle, stack: (s1k, s1u))
    sw(0.1005, idle, 0, app)
    sw(0.2, app, 1, idle, stack: (s1k, s1u))
    sw(0.2003, idle, 0, app)
    sw(0.3, app, 0, kw)
    sw(0.30002, kw, 2, app, stack: (s2k, []))
    sw(0.4, app, 1, idle, stack: (s1k, s1u))
    sw(1.0, idle, 0, kw)
    sw(1.5, kw, 1, app, stack: (s2k, []))
    return try s.write()
}

let stacklessWarning = "bpfan offcputime: 3 off-CPU spans (299220 us) have no recorded stack (the task was runnable when switched out: preempted, yielding or idle) and are not shown"

@Test func offcputimeStacksSortedByTotal() throws {
    let out = try runTool(Offcputime.self, [try offcpuRecording()])
    #expect(out.stderr == [stacklessWarning] && !out.failed)
    #expect(out.stdout == """
    Tracing off-CPU time (us) of all threads by user + kernel stack... Hit Ctrl-C to end.

        schedule
        schedule_timeout
        -                kworker/0:1 (201)
            699980

        schedule
        do_nanosleep
        [unknown]
        [unknown]
        -                app (101)
            1100800


    """)
}

@Test func offcputimeFoldedDelimitedAndStackSelection() throws {
    let path = try offcpuRecording()
    #expect(try runTool(Offcputime.self, ["-f", path]).stdout == """
    kworker/0:1;schedule_timeout;schedule 699980
    app;[unknown];[unknown];do_nanosleep;schedule 1100800

    """)
    #expect(try runTool(Offcputime.self, ["-f", "-d", path]).stdout.hasSuffix("app;[unknown];[unknown];-;do_nanosleep;schedule 1100800\n"))
    let kernelOnly = try runTool(Offcputime.self, ["-K", "-p", "100", path])
    #expect(kernelOnly.stdout == """
    Tracing off-CPU time (us) of PID 100 by kernel stack... Hit Ctrl-C to end.

        schedule
        do_nanosleep
        -                app (101)
            1100800


    """)
    let userOnly = try runTool(Offcputime.self, ["-U", "-d", "-k", path])
    #expect(userOnly.failed && userOnly.stderr.last == "bpfan offcputime: ERROR: Displaying user stacks for kernel threads doesn't make sense.")
    let user = try runTool(Offcputime.self, ["-U", "-f", path])
    #expect(user.stdout == "kworker/0:1 699980\napp;[unknown];[unknown] 1100800\n")
}

@Test func offcputimeThreadStateAndTimeFilters() throws {
    let path = try offcpuRecording()
    func folded(_ args: [String]) throws -> String { try runTool(Offcputime.self, ["-f"] + args + [path]).stdout }
    #expect(try folded(["-u"]) == "app;[unknown];[unknown];do_nanosleep;schedule 1100800\n")
    #expect(try folded(["-k"]) == "kworker/0:1;schedule_timeout;schedule 699980\n")
    #expect(try folded(["-t", "201"]) == "kworker/0:1;schedule_timeout;schedule 699980\n")
    #expect(try folded(["--state", "2"]) == "kworker/0:1;schedule_timeout;schedule 699980\n")
    // libbpf-tools compares the whole __state: 3 is neither 1 nor 2 (bcc's bitmask would take
    // both), and the states there were are named.
    let three = try runTool(Offcputime.self, ["-f", "--state", "3", path])
    #expect(three.stdout == "" && three.stderr == ["bpfan offcputime: --state 3: no switch-out had a __state of exactly 3; the states seen (switch-outs): 0 (4), 1 (4), 2 (1)"], "\(three.stderr)")
    // Each span is filtered alone: only app's 1100000 us span is at least 700000 us.
    #expect(try folded(["-m", "700000"]) == "app;[unknown];[unknown];do_nanosleep;schedule 1100000\n")
    #expect(try folded(["-M", "1000"]) == "app;[unknown];[unknown];do_nanosleep;schedule 800\n")
    // The first second only: app's last span and kworker's end after it.
    let first = try runTool(Offcputime.self, ["-f", path, "1"])
    #expect(first.stdout == "app;[unknown];[unknown];do_nanosleep;schedule 800\n")
    let header = try runTool(Offcputime.self, [path, "1"])
    #expect(header.stdout.hasPrefix("Tracing off-CPU time (us) of all threads by user + kernel stack for 1 secs.\n\n"))
    let both = try runTool(Offcputime.self, ["-p", "100", "-t", "101", path])
    #expect(both.failed && both.stderr.last == "bpfan offcputime: argument -t/--tid: not allowed with argument -p/--pid")
}

@Test func offcputimeWithoutKallsymsAndJSON() throws {
    let out = try runTool(Offcputime.self, ["-f", "-k", try offcpuRecording(symbols: false)])
    #expect(out.stdout == "kworker/0:1;[unknown];[unknown] 699980\n")
    #expect(out.stderr.first?.hasSuffix("has no kallsyms metadata; kernel frames print as [unknown]") == true)
    let json = try runTool(Offcputime.self, ["--json", "-k", try offcpuRecording()])
    #expect(json.stdout.split(separator: "\n").dropFirst() == [#"{"type":"stack","labels":{"pid":200,"tid":201,"comm":"kworker/0:1"},"kernel":["schedule","schedule_timeout"],"user":[],"value":699980,"unit":"us"}"#])
}

/// bpfrec takes the stack in a second program on the same tracepoint: its row is stamped a few
/// microseconds before or after the sched_switch row, and must still join it.
@Test func offcputimeJoinsStacksStampedApartFromTheirSwitch() throws {
    let expected = try runTool(Offcputime.self, ["-f", try offcpuRecording()]).stdout
    for delay in [0.000003, -0.000002] {
        let out = try runTool(Offcputime.self, ["-f", try offcpuRecording(stackDelay: delay)])
        #expect(out.stdout == expected)
        #expect(out.stderr == [stacklessWarning])
        #expect(try runTool(Offcputime.self, ["-f", "-u", try offcpuRecording(stackDelay: delay)]).stdout == "app;[unknown];[unknown];do_nanosleep;schedule 1100800\n")
        #expect(try runTool(Offcputime.self, ["-f", "-k", try offcpuRecording(stackDelay: delay)]).stdout == "kworker/0:1;schedule_timeout;schedule 699980\n")
    }
}

@Test func offcputimeNamesUserFramesFromTheRecordedMapsAndSymbols() throws {
    let out = try runTool(Offcputime.self, [try offcpuRecording(userSymbols: true)])
    #expect(out.stdout.contains("""
        schedule
        do_nanosleep
        wait_for_work
        main
        -                app (101)
            1100800
    """), "\(out.stdout)")
    // An address no symbol covers still prints as bcc prints it.
    #expect(!out.stdout.contains("[unknown]"))
}

/// The stack bpfrec's sched_switch program takes starts with that program and the tracepoint
/// glue that ran it. app (pid 100) blocks at 0.1 and is back at 0.3 (200000 us).
func offcpuTracerFramesRecording(bpfSymbols: Bool) throws -> String {
    let s = SyntheticRecording()
    s.metadata[MetadataName.kernelSymbols] = Array("""
    ffffffff81000000 T _stext
    ffffffff81050000 T bpf_trace_run4
    ffffffff81060000 T __traceiter_sched_switch
    ffffffff81100000 T __schedule
    ffffffff81100400 T schedule
    ffffffff81200000 T do_nanosleep
    ffffffff81300000 T _etext

    """.utf8)
    if bpfSymbols {
        s.metadata[MetadataName.bpfSymbols] = Array("ffffffffc0002000 t bpf_prog_1a2b3c4d5e6f7081_offcpu_switch_btf\t[bpf]\n".utf8)
    }
    let k: [UInt64] = [0xffff_ffff_c000_2040, 0xffff_ffff_8105_0030, 0xffff_ffff_8106_0010, 0xffff_ffff_8110_0100, 0xffff_ffff_8110_0410, 0xffff_ffff_8120_0020]
    s.add("offcpu_stack", ["ts": ns(0.1), "pid": 100, "tid": 101, "comm": "app", "kstack": le(k), "ustack": le([]), "state": 1])
    s.add("sched_switch", ["ts": ns(0.1), "pid": 100, "tid": 101, "prev_comm": "app", "prev_state": 1, "next_pid": 0, "next_tid": 0, "next_comm": "swapper/0"])
    s.add("sched_switch", ["ts": ns(0.3), "pid": 0, "tid": 0, "prev_comm": "swapper/0", "prev_state": 0, "preempt": 1, "next_pid": 100, "next_tid": 101, "next_comm": "app"])
    return try s.write()
}

@Test func offcputimeLeavesOutTheRecordersOwnFramesUnlessAsked() throws {
    let path = try offcpuTracerFramesRecording(bpfSymbols: true)
    #expect(try runTool(Offcputime.self, ["-f", "-p", "100", path]).stdout == "app;do_nanosleep;schedule;__schedule 200000\n")
    // Kept: named from the recording's BPF symbols, as the host named them.
    #expect(try runTool(Offcputime.self, ["-f", "-p", "100", "--tracer-frames", path]).stdout
        == "app;do_nanosleep;schedule;__schedule;__traceiter_sched_switch;bpf_trace_run4;bpf_prog_1a2b3c4d5e6f7081_offcpu_switch_btf 200000\n")
    // A recording made before bpfrec kept them: left out alike; kept, the program is unknown.
    let old = try offcpuTracerFramesRecording(bpfSymbols: false)
    #expect(try runTool(Offcputime.self, ["-f", "-p", "100", old]).stdout == "app;do_nanosleep;schedule;__schedule 200000\n")
    #expect(try runTool(Offcputime.self, ["-f", "-p", "100", "--tracer-frames", old]).stdout
        == "app;do_nanosleep;schedule;__schedule;__traceiter_sched_switch;bpf_trace_run4;[unknown] 200000\n")
}
