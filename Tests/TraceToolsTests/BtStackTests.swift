import Testing
import TraceFormat
import TraceTestSupport
import TraceTools

/// kstack over a recording: the stack taken at the event, as bpftrace prints it (map keys with
/// frames indented 4 spaces, printf("%s") with 8), and a clear refusal where none was taken.
@Suite struct BtStackTests {
    @Test func kstackOfSamplesPrintsAsBpftrace() throws {
        let s = SyntheticRecording()
        s.stackFrequency = 10
        s.metadata["kallsyms"] = Array("ffffffff81000000 T do_syscall_64\nffffffff81000100 T entry_SYSCALL_64\n".utf8)
        func addresses(_ a: [UInt64]) -> ColumnValue { .bytes(a.flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }) }
        for i in 0..<3 {
            s.add("cpu_sample", ["ts": ns(0.1 + Double(i) * 0.1), "cpu": 0, "pid": 70, "tid": 70, "comm": "spin",
                                 "kstack": addresses([0xffff_ffff_8100_0010, 0xffff_ffff_8100_0105, 0xdead])])
        }
        let path = try s.write()
        let r = try runTool(Bt.self, ["-e", "profile:hz:10 { @[kstack] = count(); @two[kstack(2)] = count(); } profile:hz:10 /elapsed < 150000000/ { printf(\"%s|\\n\", kstack(1)); }", path])
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        #expect(r.stdout == """
        Attaching 2 probes...

                do_syscall_64+16
        |


        @[
            do_syscall_64+16
            entry_SYSCALL_64+5
            0xdead
        ]: 3
        @two[
            do_syscall_64+16
            entry_SYSCALL_64+5
        ]: 3

        """)
    }

    @Test func kstackWithoutRecordedStacksIsRefused() throws {
        let r = try runTool(Bt.self, ["-e", "t:signal:signal_generate { @[kstack] = count(); }", try tracepointToolsRecording()])
        #expect(r.failed)
        #expect(r.stderr == ["bpfan bt: program:1:30: kstack: signal:signal_generate was recorded without stacks (record it with bpfrec record --stack-events signal:signal_generate --stack kernel)"], "\(r.stderr)")
    }
}

/// ustack over the bundled off-CPU sample (python3 recorded with --families stacks): each
/// sample's user stack, named from the process maps and ELF symbols the recorder kept, as
/// profile -U names them.
@Suite struct BtUserStackTests {
    static let sample = BtOrderIndependenceTests.samples[1]

    @Test func ustackOfSamplesIsNamedFromTheRecording() throws {
        let r = try runTool(Bt.self, ["-e", "profile:hz:49 { @[ustack] = count(); @n = count(); }", Self.sample])
        #expect(r.stderr == ["bpfan bt: note: recorded for PID 8099 and descendants only: other processes' events are not in it"], "\(r.stderr)")
        #expect(r.stdout.contains("\n@n: 15\n"), "\(r.stdout)")
        let counts = r.stdout.split(separator: "\n").compactMap { $0.hasPrefix("]: ") ? Int($0.dropFirst(3)) : nil }
        #expect(counts.reduce(0, +) == 15)
        // Innermost frames first, 4 spaces in a key, as bpftrace prints them; the names are
        // profile -U's for the same samples.
        #expect(r.stdout.contains("@[\n    _PyEval_EvalFrameDefault+"), "\(r.stdout)")
        let profile = try runTool(Profile.self, ["-U", Self.sample])
        for name in ["_PyEval_EvalFrameDefault", "_PyObject_GenericGetAttrWithDict"] {
            #expect(profile.stdout.contains(name) && r.stdout.contains("    \(name)+"))
        }
        let limited = try runTool(Bt.self, ["-e", "profile:hz:49 { @[ustack(1)] = count(); }", Self.sample])
        #expect(!limited.stdout.contains("+\n    "), "one frame per key: \(limited.stdout)")
    }

    @Test func ustackWithoutRecordedUserStacksIsRefused() throws {
        let r = try runTool(Bt.self, ["-e", "t:sched:sched_switch { @[ustack] = count(); }", Self.sample])
        #expect(r.failed && r.stderr.last?.contains("ustack: sched:sched_switch was recorded without user stacks") == true, "\(r.stderr)")
    }
}

extension BtUserStackTests {
    /// A recording without process maps or kallsyms (the synthetic samples of BtProfileTests)
    /// cannot name frames: the stacks print as addresses, and stderr says why.
    @Test func unnamedFramesAreSaid() throws {
        let r = try runTool(Bt.self, ["-e", "profile:hz:10 { @u[ustack] = count(); @k[kstack] = count(); }", try BtProfileTests.samples()])
        #expect(r.stderr.contains("bpfan bt: ustack: this recording has no process maps (bpfrec record --families stacks keeps them); user frames print as addresses"), "\(r.stderr)")
        #expect(r.stderr.contains("bpfan bt: this recording has no kernel symbols (kallsyms): kstack and ksym() print kernel addresses in hex"), "\(r.stderr)")
    }
}
