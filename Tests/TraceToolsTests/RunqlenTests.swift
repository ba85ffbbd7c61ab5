import TraceReport
import TraceTestSupport
import Testing
@testable import TraceTools

/// 99 Hz samples on two CPUs: cpu0 sees cfs_rq lengths 0, 1, 1, 2, 3 (in the first second),
/// cpu1 0, 0, 1, 1, 1 (at 0.15, 0.45, 0.75, 1.05, 1.35). The running task counts in the
/// length, so the queue is length - 1.
func runqRecording(frequency: Int? = 99, commandLine: [String] = ["bpfrec", "record", "--stack-freq", "99"]) throws -> String {
    let s = SyntheticRecording()
    s.duration = 2_000_000_000
    s.stackFrequency = frequency
    s.commandLine = commandLine
    for (i, len) in [0, 1, 1, 2, 3].enumerated() {
        s.add("cpu_sample", ["ts": ns(0.1 + Double(i) * 0.1), "cpu": 0, "pid": .int(len == 0 ? 0 : 50), "runq_len": .int(Int64(len))])
    }
    for (i, len) in [0, 0, 1, 1, 1].enumerated() {
        s.add("cpu_sample", ["ts": ns(0.15 + Double(i) * 0.3), "cpu": 1, "pid": .int(len == 0 ? 0 : 60), "runq_len": .int(Int64(len))])
    }
    return try s.write()
}

@Test func runqlenHistogramOfQueuedTasks() throws {
    let out = try runTool(Runqlen.self, [try runqRecording()])
    #expect(out.stderr.isEmpty && !out.failed)
    #expect(out.stdout == """
    Sampling run queue length... Hit Ctrl-C to end.

         runqlen       : count     distribution
            0          : 8        |****************************************|
            1          : 1        |*****                                   |
            2          : 1        |*****                                   |

    """)
}

@Test func runqlenPerCPUOccupancyAndIntervals() throws {
    let path = try runqRecording()
    let perCPU = try runTool(Runqlen.self, ["-C", path])
    #expect(perCPU.stdout == """
    Sampling run queue length... Hit Ctrl-C to end.

    cpu = 0
         runqlen       : count     distribution
            0          : 3        |****************************************|
            1          : 1        |*************                           |
            2          : 1        |*************                           |
    cpu = 1
         runqlen       : count     distribution
            0          : 5        |****************************************|

    """)
    #expect(try runTool(Runqlen.self, ["-O", path]).stdout == "Sampling run queue length... Hit Ctrl-C to end.\n\nrunqocc: 20.00%\n")
    #expect(try runTool(Runqlen.self, ["-O", "-C", path]).stdout == """
    Sampling run queue length... Hit Ctrl-C to end.

    runqocc, CPU 0    40.00%
    runqocc, CPU 1     0.00%

    """)
    // 1 s intervals with timestamps: cpu0's five samples and cpu1's first three (2 of 8
    // queued), then cpu1's last two.
    #expect(try runTool(Runqlen.self, ["-T", "-O", path, "1"]).stdout == """
    Sampling run queue length... Hit Ctrl-C to end.

    22:06:41
    runqocc: 25.00%

    22:06:42
    runqocc: 0.00%

    """)
}

@Test func runqlenSaysWhatTheRecordingsRateCannotDo() throws {
    let at49 = try runqRecording(frequency: nil, commandLine: ["bpfrec", "record"])
    let note = try runTool(Runqlen.self, [at49])
    #expect(!note.failed && note.stderr == ["bpfan runqlen: note: \(at49) was sampled at 49 Hz per CPU, the live tool at 99 Hz: counts scale with the rate"])
    let wrong = try runTool(Runqlen.self, ["-f", "199", try runqRecording()])
    #expect(wrong.failed && wrong.stderr.last?.contains("was sampled at 99 Hz per CPU; a recording's rate cannot be changed") == true)
    // An older recording names the rate only on its command line.
    let old = try runqRecording(frequency: nil, commandLine: ["bpfrec", "record", "--stack-freq=99"])
    #expect(try runTool(Runqlen.self, ["-f", "99", old]).stderr.isEmpty)
    let someProcesses = try runTool(Runqlen.self, [try runqRecording(commandLine: ["bpfrec", "record", "-p", "42"])])
    #expect(someProcesses.failed && someProcesses.stderr.last?.contains("recorded with -p") == true)
}
