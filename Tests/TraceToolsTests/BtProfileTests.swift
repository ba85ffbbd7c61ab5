import Testing
import TraceTestSupport
import TraceTools

/// `profile:hz:N` over recorded CPU samples: every sample is one hit, with the sampled task as
/// the current one, at the recorded rate only.
@Suite struct BtProfileTests {
    /// 10 Hz on 2 CPUs for 1 s: CPU 0 runs "spin" (pid 70) 7 ticks then is idle 3, CPU 1 runs
    /// "cc" (pid 80, thread 81) all 10.
    static func samples(commandLine: [String] = ["bpfrec", "record", "--stack-freq", "10"]) throws -> String {
        let s = SyntheticRecording()
        s.stackFrequency = 10
        s.commandLine = commandLine
        for i in 0..<10 {
            let t = 0.05 + Double(i) * 0.1
            s.add("cpu_sample", ["ts": ns(t), "cpu": 0, "pid": .int(i < 7 ? 70 : 0), "tid": .int(i < 7 ? 70 : 0), "comm": .string(i < 7 ? "spin" : "swapper/0")])
            s.add("cpu_sample", ["ts": ns(t + 0.01), "cpu": 1, "pid": 80, "tid": 81, "comm": "cc"])
        }
        return try s.write()
    }

    @Test func samplesAreHitsOfTheRecordedRate() throws {
        let path = try Self.samples()
        let r = try runTool(Bt.self, ["-e", "profile:hz:10 { @[cpu, comm, pid, tid] = count(); } profile:hz:10 /pid == 0/ { @idle = count(); }", path])
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        #expect(r.stdout == """
        Attaching 2 probes...


        @[0, swapper/0, 0, 0]: 3
        @[0, spin, 70, 70]: 7
        @[1, cc, 80, 81]: 10
        @idle: 3

        """)
        // A period names the same rate: 100 ms is 10 Hz.
        let ms = try runTool(Bt.self, ["-e", "profile:ms:100 { @ = count(); }", path])
        #expect(ms.stdout.hasSuffix("\n@: 20\n"), "\(ms.stdout)")
        // cpuwalk.bt's lhist of CPUs, at this recording's rate.
        let walk = try runTool(Bt.self, ["-e", "profile:hz:10 /pid/ { @cpu = lhist(cpu, 0, 1000, 1); }", path])
        #expect(walk.stdout.contains("@cpu: \n[0, 1)                 7 |"), "\(walk.stdout)")
    }

    @Test(arguments: [
        ("profile:hz:99 { @ = count(); }", "program:1:1: profile:hz:99: this recording's CPUs were sampled at 10 Hz; use profile:hz:10 (record another rate with bpfrec record --stack-freq N)"),
        ("profile:hz:0 { @ = count(); }", "program:1:1: profile:hz:0: a profile probe is profile:hz:N, profile:s:N, profile:ms:N or profile:us:N"),
        ("profile:hz:10 { @ = args->x; }", nil),
    ])
    func otherRatesAreRefused(program: String, message: String?) throws {
        let r = try runTool(Bt.self, ["-e", program, try Self.samples()])
        #expect(r.failed)
        if let message { #expect(r.stderr == ["bpfan bt: \(message)"]) } else { #expect(r.stderr.first?.contains("a profile probe has no args") == true, "\(r.stderr)") }
    }

    @Test func recordingsWithoutSamplesOrWithPIDSay() throws {
        let s = SyntheticRecording()
        s.add("syscall", ["ts": ns(0.1), "pid": 1, "tid": 1, "id": 0, "ret": 0])
        let none = try runTool(Bt.self, ["-e", "profile:hz:49 { @ = count(); }", try s.write()])
        #expect(none.failed && none.stderr == ["bpfan bt: program:1:1: profile:hz:49: this recording has no CPU samples (record them with bpfrec record --families stacks)"])
        let some = try runTool(Bt.self, ["-e", "profile:hz:10 { @ = count(); }", try Self.samples(commandLine: ["bpfrec", "record", "--stack-freq", "10", "-p", "80"])])
        #expect(some.stderr == ["bpfan bt: note: recorded for PID 80 and descendants only: other processes' events are not in it"])
    }
}
