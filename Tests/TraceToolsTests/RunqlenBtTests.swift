import Testing
import TraceTestSupport
import TraceTools

/// runqlen.bt over CPU samples taken at 99 Hz: curtask->se.cfs_rq->nr_running is each sample's
/// recorded run-queue length (the running task included, which the script subtracts).
@Test func runqlenBtHistogramsTheSampledQueueLengths() throws {
    let s = SyntheticRecording()
    s.stackFrequency = 99
    s.commandLine = ["bpfrec", "record", "--stack-freq", "99"]
    let lengths: [Int64] = [0, 1, 1, 2, 3, 3, 3]
    for (i, n) in lengths.enumerated() {
        s.add("cpu_sample", ["ts": ns(0.1 + Double(i) / 99), "cpu": .int(Int64(i % 2)), "pid": 70, "tid": 70, "comm": "spin", "runq_len": .int(n)])
    }
    let r = try runTool(RunqlenBt.self, [try s.write()])
    #expect(!r.failed && r.stderr.isEmpty, "\(r.stderr)")
    // max(len - 1, 0): 0 0 0 1 2 2 2.
    let lines = r.stdout.split(separator: "\n").map(String.init)
    #expect(lines.prefix(2) == ["Attaching 2 probes...", "Sampling run queue length at 99 Hertz... Hit Ctrl-C to end."], "\(r.stdout)")
    #expect(lines.filter { $0.hasPrefix("[") }.map { $0.prefix(26) } == ["[0, 1)                 3 |", "[1, 2)                 1 |", "[2, 3)                 3 |"], "\(r.stdout)")
    // Another rate than the recorded one is refused, naming the recorded rate.
    s.stackFrequency = 49
    s.commandLine = ["bpfrec", "record"]
    let other = try runTool(RunqlenBt.self, [try s.write()])
    #expect(other.failed && other.stderr.last?.contains("sampled at 49 Hz; use profile:hz:49") == true, "\(other.stderr)")
}
