import TraceReport
import TraceTestSupport
import Testing
import TraceFormat
@testable import TraceTools

/// cpu-clock samples at `rate` Hz on two CPUs, each on its timer's grid (first sample + n
/// periods) with a few hundred microseconds of jitter:
/// - cpu0 from 0.1 s: n 0-3 the idle task (swapper/0), n 4-9 spin (pid 100, tid 101) in user
///   mode (user stack spin_loop ← main, no kernel stack), n 10-11 spin in getpid (kernel
///   __x64_sys_getpid ← do_syscall_64, the same user stack);
/// - cpu1 from 1.5 s: n 0-2 spin's second thread (tid 102) in user mode, n 3 kworker/1:0
///   (pid 200) interrupted inside a BPF program called from do_syscall_64.
/// The BPF program is named only by the `kallsyms_bpf` metadata (`bpfSymbols: false` leaves
/// it out, as in recordings made before bpfrec kept it).
func profileRecording(rate: Int = 49, bpfSymbols: Bool = true) throws -> String {
    let s = SyntheticRecording()
    s.stackFrequency = rate
    s.duration = 3_000_000_000
    s.metadata[MetadataName.kernelSymbols] = Array("""
    ffffffff81000000 T _stext
    ffffffff81100000 T native_safe_halt
    ffffffff81100100 T default_idle
    ffffffff81200000 T __x64_sys_getpid
    ffffffff81200100 T do_syscall_64
    ffffffff81300000 T _etext

    """.utf8)
    if bpfSymbols {
        s.metadata[MetadataName.bpfSymbols] = Array("ffffffffc0001000 t bpf_prog_0123456789abcdef_cpu_sample\t[bpf]\n".utf8)
    }
    s.add("process_maps", ["ts": ns(0.05), "pid": 100, "start": 0x400000, "end": 0x500000, "offset": 0,
                           "path": "/usr/bin/spin", "build_id": .bytes([0xaa, 0xbb])])
    s.metadata[MetadataName.elfSymbolsPrefix + "aabb"] = Array("""
    # bpfrec elf_symbols 1
    path /usr/bin/spin
    build_id aabb
    load 0 400000 100000
    sym 401000 100 spin_loop
    sym 402000 40 main

    """.utf8)
    let period = Double(1_000_000_000 / rate) / 1e9
    let idle: [UInt64] = [0xffff_ffff_8110_0010, 0xffff_ffff_8110_0110]
    let getpid: [UInt64] = [0xffff_ffff_8120_0010, 0xffff_ffff_8120_0110]
    let inBPF: [UInt64] = [0xffff_ffff_c000_1010, 0xffff_ffff_8120_0110]
    let user: [UInt64] = [0x401010, 0x402010]
    func sample(_ cpu: Int64, _ start: Double, _ n: Int, pid: Int64, tid: Int64, comm: String, k: [UInt64], u: [UInt64]) {
        let jitter = n % 2 == 0 ? 0.0003 : -0.0002
        s.add("cpu_sample", ["ts": ns(start + Double(n) * period + jitter), "cpu": .int(cpu), "pid": .int(pid), "tid": .int(tid),
                             "comm": .string(comm), "kstack": le(k), "ustack": le(u), "runq_len": 1])
    }
    for n in 0..<12 {
        switch n {
        case 0..<4: sample(0, 0.1, n, pid: 0, tid: 0, comm: "swapper/0", k: idle, u: [])
        case 4..<10: sample(0, 0.1, n, pid: 100, tid: 101, comm: "spin", k: [], u: user)
        default: sample(0, 0.1, n, pid: 100, tid: 101, comm: "spin", k: getpid, u: user)
        }
    }
    for n in 0..<3 { sample(1, 1.5, n, pid: 100, tid: 102, comm: "spin", k: [], u: user) }
    sample(1, 1.5, 3, pid: 200, tid: 200, comm: "kworker/1:0", k: inBPF, u: [])
    return try s.write()
}

@Test func profileCountsStacksPerProcessLeastFrequentFirst() throws {
    let out = try runTool(Profile.self, [try profileRecording()])
    #expect(out.stderr.isEmpty && !out.failed, "\(out.stderr)")
    // Threads of one process share a key (bcc keys by tgid); the idle task is left out; a
    // kernel stack starts with the sampled IP twice, as profile.py inserts it.
    #expect(out.stdout == """
    Sampling at 49 Hertz of all threads by user + kernel stack... Hit Ctrl-C to end.

        bpf_prog_0123456789abcdef_cpu_sample
        bpf_prog_0123456789abcdef_cpu_sample
        do_syscall_64
        -                kworker/1:0 (200)
            1

        __x64_sys_getpid
        __x64_sys_getpid
        do_syscall_64
        spin_loop
        main
        -                spin (100)
            2

        spin_loop
        main
        -                spin (100)
            9


    """)
}

@Test func profileFoldedAndDelimited() throws {
    let path = try profileRecording()
    #expect(try runTool(Profile.self, ["-f", path]).stdout == """
    kworker/1:0;do_syscall_64;bpf_prog_0123456789abcdef_cpu_sample;bpf_prog_0123456789abcdef_cpu_sample 1
    spin;main;spin_loop;do_syscall_64;__x64_sys_getpid;__x64_sys_getpid 2
    spin;main;spin_loop 9

    """)
    // The delimiter only between two non-empty halves (bcc: both stack ids valid).
    #expect(try runTool(Profile.self, ["-f", "-d", path]).stdout == """
    kworker/1:0;do_syscall_64;bpf_prog_0123456789abcdef_cpu_sample;bpf_prog_0123456789abcdef_cpu_sample 1
    spin;main;spin_loop;-;do_syscall_64;__x64_sys_getpid;__x64_sys_getpid 2
    spin;main;spin_loop 9

    """)
    #expect(try runTool(Profile.self, ["-d", "-p", "100", path]).stdout.contains("""
            do_syscall_64
            --
            spin_loop
        """))
}

@Test func profileIdleCPUKernelOnlyAndAnnotations() throws {
    let out = try runTool(Profile.self, ["-I", "-C", "0", "-K", "-a", try profileRecording()])
    #expect(out.stdout == """
    Sampling at 49 Hertz of all threads by kernel stack on CPU#0... Hit Ctrl-C to end.

        __x64_sys_getpid_[k]
        __x64_sys_getpid_[k]
        do_syscall_64_[k]
        -                spin (100)
            2

        native_safe_halt_[k]
        native_safe_halt_[k]
        default_idle_[k]
        -                swapper/0 (0)
            4

        -                spin (100)
            6


    """)
}

@Test func profilePidTidUserOnlyAndDuration() throws {
    let path = try profileRecording()
    #expect(try runTool(Profile.self, ["-p", "100", "-U", path]).stdout == """
    Sampling at 49 Hertz of PID [100] by user stack... Hit Ctrl-C to end.

        spin_loop
        main
        -                spin (100)
            11


    """)
    #expect(try runTool(Profile.self, ["-L", "102,200", "-f", path]).stdout == """
    kworker/1:0;do_syscall_64;bpf_prog_0123456789abcdef_cpu_sample;bpf_prog_0123456789abcdef_cpu_sample 1
    spin;main;spin_loop 3

    """)
    #expect(try runTool(Profile.self, ["-L", "102,200", path]).stdout.hasPrefix("Sampling at 49 Hertz of TID [102, 200] by user + kernel stack... Hit Ctrl-C to end.\n\n"))
    // The first second: cpu1's samples (from 1.5 s) are after it.
    let first = try runTool(Profile.self, ["-f", path, "1"])
    #expect(first.stdout == "spin;main;spin_loop;do_syscall_64;__x64_sys_getpid;__x64_sys_getpid 2\nspin;main;spin_loop 6\n")
    #expect(try runTool(Profile.self, [path, "1"]).stdout.hasPrefix("Sampling at 49 Hertz of all threads by user + kernel stack for 1 secs.\n\n"))
}

@Test func profileTakesSamplesDownToADivisorOfTheRecordedRate() throws {
    let path = try profileRecording()
    // One in 7 of each CPU's grid: cpu0 n 0 (idle, left out) and 7 (spin), cpu1 n 0 (spin).
    let out = try runTool(Profile.self, ["-F", "7", "-f", path])
    #expect(out.stdout == "spin;main;spin_loop 2\n")
    #expect(out.stderr == ["bpfan profile: note: \(path) was sampled at 49 Hz per CPU; -F 7 keeps one sample in 7 of each CPU (those a multiple of 1/7 s after its first sample)"])
    #expect(try runTool(Profile.self, ["-F", "7", path]).stdout.hasPrefix("Sampling at 7 Hertz of all threads"))
    #expect(try runTool(Profile.self, ["-F", "49", "-f", path]).stdout == (try runTool(Profile.self, ["-f", path])).stdout)
    let refused = try runTool(Profile.self, ["-F", "99", path])
    #expect(refused.failed && refused.stdout.isEmpty)
    #expect(refused.stderr == ["bpfan profile: -F 99: \(path) was sampled at 49 Hz per CPU; -F must be 49 or divide it (1, 7, 49), or record with `bpfrec record --stack-freq 99`"])
    // Another recorded rate, no -F: all its samples, the rate in the header, a note.
    let fast = try profileRecording(rate: 98)
    let all = try runTool(Profile.self, [fast])
    #expect(all.stdout.hasPrefix("Sampling at 98 Hertz of all threads"))
    #expect(all.stderr == ["bpfan profile: note: \(fast) was sampled at 98 Hz per CPU (profile's default is 49 Hz); all of its samples are counted"])
    #expect(try runTool(Profile.self, ["-F", "49", "-f", fast]).stdout == "spin;main;spin_loop;do_syscall_64;__x64_sys_getpid;__x64_sys_getpid 1\nspin;main;spin_loop 5\n")
}

@Test func profileNamesBPFFramesOnlyFromTheRecordedBPFSymbols() throws {
    let old = try runTool(Profile.self, ["-f", "-L", "200", try profileRecording(bpfSymbols: false)])
    #expect(old.stdout == "kworker/1:0;do_syscall_64;[unknown];[unknown] 1\n")
}

@Test func profileRefusesBadFlagsInOneLine() throws {
    let path = try profileRecording()
    for (args, message) in [
        (["-p", "100", "-L", "101"], "argument -L/--tid: not allowed with argument -p/--pid"),
        (["-U", "-K"], "argument -K/--kernel-stacks-only: not allowed with argument -U/--user-stacks-only"),
        (["-p", "x1"], "argument -p/--pid: must be an integer"),
        (["--tid=-3"], "argument -L/--tid: must be positive"),
        (["--frequency=-2"], "argument -F/--frequency: must be positive"),
        (["--stack-storage-size", "0"], "argument --stack-storage-size: must be nonzero"),
        (["-C", "2"], "-C 2: the recording host had 2 CPUs (0-1)"),
        (["-c", "1000000"], "-c/--count: \(path) was sampled by time, at 49 Hz per CPU (cpu-clock); use -F 49 or a divisor of it"),
        (["--cgroupmap", "/sys/fs/bpf/m"], "--cgroupmap: a recording holds no cgroup membership of its samples"),
    ] {
        let out = try runTool(Profile.self, args + [path])
        #expect(out.failed && out.stdout.isEmpty && out.stderr == ["bpfan profile: \(message)"], "\(args): \(out.stderr)")
    }
}

@Test func profileJSONRecords() throws {
    let json = try runTool(Profile.self, ["--json", "-U", "-p", "100", try profileRecording()])
    #expect(json.stdout.split(separator: "\n").dropFirst() == [#"{"type":"stack","labels":{"pid":100,"comm":"spin"},"kernel":null,"user":["spin_loop","main"],"value":11,"unit":"count"}"#])
}

/// A sample in anonymous code that the process's perf map names: profile prints the JIT name
/// and its flame graph draws that frame as JIT, the file-backed caller as user.
@Test func profileNamesJITFramesFromThePerfMap() throws {
    let s = SyntheticRecording()
    s.stackFrequency = 49
    s.duration = 1_000_000_000
    s.add("process_maps", ["ts": ns(0.05), "pid": 100, "start": 0x400000, "end": 0x500000, "offset": 0,
                           "path": "/usr/bin/node", "build_id": .bytes([0xaa, 0xbb])])
    s.metadata[MetadataName.elfSymbolsPrefix + "aabb"] = Array("load 0 400000 100000\nsym 402000 40 main\n".utf8)
    s.metadata[MetadataName.perfMapPrefix + "100"] = Array("7f0000001000 100 LazyCompile:*loop app.js:3\n".utf8)
    for n in 0..<3 {
        s.add("cpu_sample", ["ts": ns(0.1 + Double(n) * 0.02), "cpu": 0, "pid": 100, "tid": 100, "comm": .string("node"),
                             "kstack": le([]), "ustack": le([0x7f00_0000_1010, 0x402010]), "runq_len": 1])
    }
    let path = try s.write()
    #expect(try runTool(Profile.self, ["-f", path]).stdout == "node;main;LazyCompile:*loop app.js:3 3\n")
    let doc = try SVGDocument(try runTool(Profile.self, ["--svg", "-", path]).stdout)
    #expect(doc.frames.first { $0.name == "LazyCompile:*loop app.js:3" }?.kind == "jit")
    #expect(doc.frames.first { $0.name == "main" }?.kind == "user")
}
