import TraceReport
import TraceTestSupport
import Testing
@testable import TraceTools

/// Second 0: three reads (one on a bad fd), a write, an fsync, two successful openat and a
/// failed one, a mknodat. Second 1: pread64, two pwrite64, fdatasync, creat, an exec.
/// Second 2: nothing. 3.2 (in the last, partial interval): a read.
func vfsRecording(exec: Bool = true) throws -> String {
    let s = SyntheticRecording()
    s.duration = 3_500_000_000
    func call(_ t: Double, _ id: Int64, ret: Int64 = 0) {
        s.add("syscall", ["ts": ns(t), "pid": 5, "tid": 5, "id": .int(id), "ret": .int(ret), "duration": 1000])
    }
    call(0.1, 0, ret: 10); call(0.2, 0, ret: 0); call(0.25, 0, ret: -9); call(0.3, 1, ret: 4); call(0.4, 74)
    call(0.5, 257, ret: 3); call(0.6, 257, ret: 4); call(0.7, 257, ret: -2); call(0.8, 259)
    call(1.1, 17, ret: 8); call(1.2, 18, ret: 8); call(1.3, 18, ret: 8); call(1.4, 75); call(1.6, 85, ret: 5)
    call(3.2, 0, ret: 1)
    if exec { s.add("process_exec", ["ts": ns(1.5), "pid": 6, "tid": 6, "comm": "ls", "filename": "/bin/ls"]) }
    return try s.write()
}

@Test func vfsstatCountsTheSyscallsThatReachEachVFSCall() throws {
    let out = try runTool(Vfsstat.self, [try vfsRecording()])
    #expect(!out.failed)
    #expect(out.stdout == """
    TIME         READ/s  WRITE/s  FSYNC/s   OPEN/s CREATE/s
    22:06:41:         2        1        1        2        1
    22:06:42:         1        2        1        2        0
    22:06:43:         0        0        0        0        0

    """)
    #expect(out.stderr == ["bpfan vfsstat: the last 0.5 s, less than an interval, are not printed (the live tool prints each interval when it ends)"])
}

@Test func vfsstatIntervalsDivideByTheirLength() throws {
    let out = try runTool(Vfsstat.self, [try vfsRecording(), "2"])
    #expect(out.stdout == """
    TIME         READ/s  WRITE/s  FSYNC/s   OPEN/s CREATE/s
    22:06:42:         1        1        1        2        0

    """)
    #expect(out.stderr == ["bpfan vfsstat: the last 1.5 s, less than an interval, are not printed (the live tool prints each interval when it ends)"])
    let once = try runTool(Vfsstat.self, [try vfsRecording(), "1", "1"])
    #expect(once.stdout.components(separatedBy: "\n").count == 3)
    let noExec = try runTool(Vfsstat.self, [try vfsRecording(exec: false)])
    #expect(noExec.stderr.first?.contains("no process_exec table") == true)
    #expect(noExec.stdout.contains("22:06:42:         1        2        1        1        0"))
}
