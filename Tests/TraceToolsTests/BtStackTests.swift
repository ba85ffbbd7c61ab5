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
