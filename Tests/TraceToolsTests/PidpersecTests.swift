import TraceReport
import TraceTestSupport
import Testing
@testable import TraceTools

@Test func pidpersecCountsForksInEachWholeSecond() throws {
    let s = SyntheticRecording()
    s.duration = 4_500_000_000
    for t in [0.2, 0.4, 1.1, 1.2, 1.3, 3.5, 4.2] {
        s.add("process_fork", ["ts": ns(t), "pid": 10, "tid": 10, "comm": "bash", "child_pid": 11, "child_tid": 11])
    }
    let out = try runTool(Pidpersec.self, [try s.write()])
    #expect(!out.failed)
    // Printed as each second ends; the last half second is not printed, as Ctrl-C would cut it.
    #expect(out.stdout == """
    Tracing... Ctrl-C to end.
    22:06:41: PIDs/sec: 2
    22:06:42: PIDs/sec: 3
    22:06:43: PIDs/sec: 0
    22:06:44: PIDs/sec: 1

    """)
    #expect(out.stderr == ["bpfan pidpersec: 1 forks in the last 0.5 s, less than a whole second, are not printed (the live tool prints each second when it ends)"])
}
