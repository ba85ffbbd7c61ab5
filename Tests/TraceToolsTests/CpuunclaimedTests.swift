import TraceReport
import TraceTestSupport
import Testing
@testable import TraceTools

/// Two CPUs sampled together at 99 Hz. Groups: 0.1 (cpu0 length 2, cpu1 idle: one CPU idle
/// while a thread waits), 0.2 (both running one), 0.3 (cpu0 length 3, cpu1 idle: one could
/// have run), 1.5 (both idle; it closes the 0.3 group, in the second interval, and is itself
/// never closed). `skew` moves cpu1's 0.2 sample 5 ms late: the same group, but spread over
/// more than half the trigger.
func unclaimedRecording(skew: Bool = false) throws -> String {
    let s = SyntheticRecording()
    s.duration = 2_500_000_000
    s.stackFrequency = 99
    func sample(_ t: Double, cpu: Int64, _ len: Int64) {
        s.add("cpu_sample", ["ts": ns(t), "cpu": .int(cpu), "pid": .int(len == 0 ? 0 : 70 + cpu), "runq_len": .int(len)])
    }
    sample(0.1, cpu: 0, 2); sample(0.100001, cpu: 1, 0)
    sample(0.2, cpu: 0, 1); sample(skew ? 0.205 : 0.200002, cpu: 1, 1)
    sample(0.3, cpu: 0, 3); sample(0.3000005, cpu: 1, 0)
    sample(1.5, cpu: 0, 0); sample(1.5, cpu: 1, 0)
    return try s.write()
}

@Test func cpuunclaimedGroupsSamplesAcrossCPUs() throws {
    let out = try runTool(Cpuunclaimed.self, [try unclaimedRecording()])
    #expect(out.stderr.isEmpty && !out.failed)
    // First interval: the empty group before the first sample (2 idle), 0.1 (1 running, 1 idle,
    // 1 unclaimed), 0.2 (2 running): 3 of 6 running, 1 of 6 unclaimed. Second: the 0.3 group.
    #expect(out.stdout == """
    Sampling run queues... Output every 1 seconds. Hit Ctrl-C to end.
    %CPU  50.00%, unclaimed idle 16.67%
    %CPU  50.00%, unclaimed idle 50.00%
    %CPU   0.00%, unclaimed idle 0.00%

    """)
    let t = try runTool(Cpuunclaimed.self, ["-T", try unclaimedRecording(), "2"])
    #expect(t.stdout == """
    Sampling run queues... Output every 2 seconds. Hit Ctrl-C to end.
    22:06:42 %CPU  50.00%, unclaimed idle 25.00%
    22:06:42 %CPU   0.00%, unclaimed idle 0.00%

    """)
}

@Test func cpuunclaimedCSVDumpsEachClosedGroup() throws {
    let path = try unclaimedRecording()
    #expect(try runTool(Cpuunclaimed.self, ["-j", path]).stdout == """
    TIMESTAMP_ns,CPU0,CPU1
    1000100000000,2,0
    1000200000000,1,1
    1000300000000,3,0

    """)
    #expect(try runTool(Cpuunclaimed.self, ["-J", path]).stdout == """
    TIMESTAMP_ns,CPU0,CPU1,OFFSET_ns_CPU0,OFFSET_ns_CPU1
    1000100000000,2,0,0,1000
    1000200000000,1,1,0,2000
    1000300000000,3,0,0,500

    """)
    let interval = try runTool(Cpuunclaimed.self, ["-j", path, "1"])
    #expect(interval.failed && interval.stderr.last == "bpfan cpuunclaimed: ERROR: cannot use interval with either -j or -J. Exiting.")
}

@Test func cpuunclaimedStopsOnSkewedSamples() throws {
    let out = try runTool(Cpuunclaimed.self, [try unclaimedRecording(skew: true)])
    #expect(out.failed)
    #expect(out.stderr.last == "bpfan cpuunclaimed: ERROR: CPU samples arrived at skewed offsets (CPUs may have powered down when idle), spanning 5000000 ns (expected < 4040404 ns). Debug with -J, and see the man page. As output may begin to be unreliable, exiting.")
}

@Test func perCPUReportsNeedTheHostsCPUCount() throws {
    // Without host metadata the CPU count is unknown: no guess, a clear error.
    let s = SyntheticRecording()
    s.stackFrequency = 99
    s.writesHost = false
    s.add("cpu_sample", ["ts": ns(0.1), "cpu": 0, "pid": 1, "runq_len": 2])
    let path = try s.write()
    for out in [try runTool(Cpuunclaimed.self, [path]), try runTool(Runqlen.self, ["-C", path])] {
        #expect(out.failed && out.stderr.last?.hasSuffix("has no host metadata giving the number of CPUs, which this report needs") == true, "\(out.stderr)")
    }
    // The system-wide histogram needs no CPU count.
    #expect(!(try runTool(Runqlen.self, [path])).failed)
}
