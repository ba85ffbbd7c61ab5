import TraceReport
import Testing
@testable import TraceTools

/// schedRecording plus, at 2.0, the idle task (in since 1.4) giving way to app, which runs
/// 250 us until child preempts it. On-CPU spans (prev still runnable): child 0.200005 →
/// 1.300002 (1099997 us), idle 1.4 → 2.0 (600000 us), app 2.0 → 2.00025 (250 us).
/// Off-CPU spans (switch-out → switch-in): app 1099997 and 698498 us, child 1500 and 600250 us,
/// idle 1299963 us.
func cpuRecording() throws -> String {
    try schedRecording { s in
        s.add("sched_switch", ["ts": ns(2.0), "pid": 0, "tid": 0, "prev_comm": "swapper/0", "prev_state": 0,
                               "next_pid": 100, "next_tid": 101, "next_comm": "app"])
        s.add("sched_switch", ["ts": ns(2.00025), "pid": 100, "tid": 101, "prev_comm": "app", "prev_state": 0, "preempt": 1,
                               "next_pid": 200, "next_tid": 201, "next_comm": "child"])
    }
}

@Test func cpudistOnCPUMilliseconds() throws {
    let out = try runTool(Cpudist.self, ["-m", try cpuRecording()])
    #expect(out.stderr.isEmpty && !out.failed)
    #expect(out.stdout == """
    Tracing on-CPU time... Hit Ctrl-C to end.

         msecs               : count    distribution
             0 -> 1          : 1        |****************************************|
             2 -> 3          : 0        |                                        |
             4 -> 7          : 0        |                                        |
             8 -> 15         : 0        |                                        |
            16 -> 31         : 0        |                                        |
            32 -> 63         : 0        |                                        |
            64 -> 127        : 0        |                                        |
           128 -> 255        : 0        |                                        |
           256 -> 511        : 0        |                                        |
           512 -> 1023       : 1        |****************************************|
          1024 -> 2047       : 1        |****************************************|

    """)
}

@Test func cpudistOffCPUPerProcess() throws {
    let out = try runTool(Cpudist.self, ["-O", "-P", "-m", try cpuRecording()])
    #expect(out.stdout == """
    Tracing off-CPU time... Hit Ctrl-C to end.


    pid = 0 swapper/0
         msecs               : count    distribution
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

    pid = 100 app
         msecs               : count    distribution
             0 -> 1          : 0        |                                        |
             2 -> 3          : 0        |                                        |
             4 -> 7          : 0        |                                        |
             8 -> 15         : 0        |                                        |
            16 -> 31         : 0        |                                        |
            32 -> 63         : 0        |                                        |
            64 -> 127        : 0        |                                        |
           128 -> 255        : 0        |                                        |
           256 -> 511        : 0        |                                        |
           512 -> 1023       : 1        |****************************************|
          1024 -> 2047       : 1        |****************************************|

    pid = 200 child
         msecs               : count    distribution
             0 -> 1          : 1        |****************************************|
             2 -> 3          : 0        |                                        |
             4 -> 7          : 0        |                                        |
             8 -> 15         : 0        |                                        |
            16 -> 31         : 0        |                                        |
            32 -> 63         : 0        |                                        |
            64 -> 127        : 0        |                                        |
           128 -> 255        : 0        |                                        |
           256 -> 511        : 0        |                                        |
           512 -> 1023       : 1        |****************************************|

    """)
}

@Test func cpudistPidFilterBothLabelsAndIntervals() throws {
    let path = try cpuRecording()
    let app = try runTool(Cpudist.self, ["-p", "100", "-P", "-L", path])
    #expect(app.stdout == """
    Tracing on-CPU time... Hit Ctrl-C to end.


    pid = 100 app

    tid = 100 app
         usecs               : count    distribution
             0 -> 1          : 0        |                                        |
             2 -> 3          : 0        |                                        |
             4 -> 7          : 0        |                                        |
             8 -> 15         : 0        |                                        |
            16 -> 31         : 0        |                                        |
            32 -> 63         : 0        |                                        |
            64 -> 127        : 0        |                                        |
           128 -> 255        : 1        |****************************************|

    """)
    // 1 s intervals, 3 of them: the 1099997 us span ends in the second, the others in the third.
    let iv = try runTool(Cpudist.self, ["-mT", path, "1", "3"])
    let blocks = iv.stdout.components(separatedBy: "\n\n")
    #expect(blocks[1] == "22:06:41")
    #expect(blocks[2].hasPrefix("22:06:42\n     msecs") && blocks[2].contains("1024 -> 2047       : 1 ") && !blocks[2].contains("512 -> 1023       : 1 "))
    #expect(blocks[3].hasPrefix("22:06:43\n     msecs") && blocks[3].contains("0 -> 1          : 1 ") && blocks[3].contains("512 -> 1023       : 1 "))
    #expect(blocks.count == 4)
    let cg = try runTool(Cpudist.self, ["-c", "/sys/fs/cgroup/x", path])
    #expect(cg.failed && cg.stderr == ["bpfan cpudist: -c: recordings carry no cgroup membership; cannot filter by cgroup"])
}
