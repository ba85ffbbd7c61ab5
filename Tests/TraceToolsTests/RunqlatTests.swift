import TraceReport
import TraceTestSupport
import Testing
@testable import TraceTools

@Test func runqlatDefaultHistogram() throws {
    let out = try runTool(Runqlat.self, [try schedRecording()])
    #expect(out.stderr.isEmpty && !out.failed)
    #expect(out.stdout == """
    Tracing run queue latency... Hit Ctrl-C to end.

         usecs               : count    distribution
             0 -> 1          : 0        |                                        |
             2 -> 3          : 1        |****************************************|
             4 -> 7          : 1        |****************************************|
             8 -> 15         : 0        |                                        |
            16 -> 31         : 0        |                                        |
            32 -> 63         : 1        |****************************************|
            64 -> 127        : 0        |                                        |
           128 -> 255        : 0        |                                        |
           256 -> 511        : 0        |                                        |
           512 -> 1023       : 0        |                                        |
          1024 -> 2047       : 1        |****************************************|

    """)
}

@Test func runqlatPerProcessIntervalsWithTimestamps() throws {
    let path = try schedRecording()
    let out = try runTool(Runqlat.self, ["-PT", path, "1", "2"])
    #expect(out.stdout == """
    Tracing run queue latency... Hit Ctrl-C to end.

    22:06:41

    pid = 100 app
         usecs               : count    distribution
             0 -> 1          : 0        |                                        |
             2 -> 3          : 0        |                                        |
             4 -> 7          : 0        |                                        |
             8 -> 15         : 0        |                                        |
            16 -> 31         : 0        |                                        |
            32 -> 63         : 1        |****************************************|

    pid = 200 child
         usecs               : count    distribution
             0 -> 1          : 0        |                                        |
             2 -> 3          : 0        |                                        |
             4 -> 7          : 1        |****************************************|

    22:06:42

    pid = 100 app
         usecs               : count    distribution
             0 -> 1          : 0        |                                        |
             2 -> 3          : 1        |****************************************|

    pid = 200 child
         usecs               : count    distribution
             0 -> 1          : 0        |                                        |
             2 -> 3          : 0        |                                        |
             4 -> 7          : 0        |                                        |
             8 -> 15         : 0        |                                        |
            16 -> 31         : 0        |                                        |
            32 -> 63         : 0        |                                        |
            64 -> 127        : 0        |                                        |
           128 -> 255        : 0        |                                        |
           256 -> 511        : 0        |                                        |
           512 -> 1023       : 0        |                                        |
          1024 -> 2047       : 1        |****************************************|

    """)
}

@Test func runqlatPerThreadMillisecondsAndPidFilter() throws {
    let path = try schedRecording()
    let out = try runTool(Runqlat.self, ["-L", "-m", path])
    #expect(out.stdout == """
    Tracing run queue latency... Hit Ctrl-C to end.


    tid = 101 app
         msecs               : count    distribution
             0 -> 1          : 2        |****************************************|

    tid = 201 child
         msecs               : count    distribution
             0 -> 1          : 2        |****************************************|

    """)
    let only = try runTool(Runqlat.self, ["-p", "200", "-L", path])
    #expect(only.stdout.contains("tid = 201 child") && !only.stdout.contains("tid = 101"))
    #expect(only.stdout.contains("4 -> 7          : 1 ") && only.stdout.contains("1024 -> 2047       : 1 "))
}

@Test func runqlatWindowJSONAndErrors() throws {
    let path = try schedRecording(lost: [("sched", 4, 1.0)])
    let json = try runTool(Runqlat.self, ["--json", "--from", "1", "-P", path])
    #expect(json.stdout.split(separator: "\n").dropFirst().first == #"{"type":"histogram","unit":"us","labels":{"interval":0,"time_ns":1795990005000000000,"pid":100,"comm":"app"},"buckets":[{"low":0,"high":1,"count":0},{"low":2,"high":3,"count":1}]}"#)
    #expect(json.stderr == ["bpfan runqlat: warning: 4 events lost in this window (sched ringbuf_full 4); counts below are incomplete"])
    let clean = try schedRecording()
    let both = try runTool(Runqlat.self, ["-P", "-L", clean])
    #expect(both.failed && both.stderr == ["bpfan runqlat: pidnss, pids, tids cann't be used together."])
    let pidns = try runTool(Runqlat.self, ["--pidnss", clean])
    #expect(pidns.failed && pidns.stderr.count == 1 && pidns.stderr[0].contains("--pidnss"))
    #expect(throws: (any Error).self) { _ = try Runqlat.parse(["-p", "x", path]) }

    let s = SyntheticRecording()
    s.add("sched_switch", ["ts": ns(0.1)])
    let noWakeups = try runTool(Runqlat.self, [try s.write()])
    #expect(noWakeups.failed && noWakeups.stderr.count == 1)
    #expect(noWakeups.stderr[0].hasSuffix("has no sched_wakeup, sched_wakeup_new tables; record it with `bpfrec record --families sched`"))
}

@Test func runqlatBtCountsIdleAndOnlyVoluntaryRequeues() throws {
    let out = try runTool(RunqlatBt.self, [try schedRecording()])
    #expect(out.stdout == """
    Attaching 5 probes...
    Tracing CPU scheduler... Hit Ctrl-C to end.



    @usecs: 
    [2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
    [4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
    [8, 16)                0 |                                                    |
    [16, 32)               0 |                                                    |
    [32, 64)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
    [64, 128)              0 |                                                    |
    [128, 256)             0 |                                                    |
    [256, 512)             0 |                                                    |
    [512, 1K)              0 |                                                    |
    [1K, 2K)               0 |                                                    |
    [2K, 4K)               0 |                                                    |
    [4K, 8K)               0 |                                                    |
    [8K, 16K)              0 |                                                    |
    [16K, 32K)             0 |                                                    |
    [32K, 64K)             0 |                                                    |
    [64K, 128K)            0 |                                                    |
    [128K, 256K)           0 |                                                    |
    [256K, 512K)           0 |                                                    |
    [512K, 1M)             0 |                                                    |
    [1M, 2M)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|


    """)
}
