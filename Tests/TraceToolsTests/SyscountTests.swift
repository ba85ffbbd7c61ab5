import TraceReport
import TraceTestSupport
import Testing
@testable import TraceTools

/// pid 100 "app": 3 reads (1 us each) at 0.1-0.3 s, 2 failed openat (ENOENT, 5 us) at 0.4 and
/// 1.4 s. pid 200 "db": 1 write (2 ms) at 1.5 s, 2 getpid (100 ns) and one unknown syscall 999.
func syscallRecording() throws -> String {
    let s = SyntheticRecording()
    s.syscallNames = ["0": "read", "1": "write", "2": "open", "15": "rt_sigreturn", "39": "getpid", "257": "openat"]
    s.add("process_snapshot", ["ts": .int(SyntheticRecording.t0), "pid": 100, "tid": 100, "ppid": 1, "comm": "app"])
    s.add("process_snapshot", ["ts": .int(SyntheticRecording.t0), "pid": 200, "tid": 200, "ppid": 1, "comm": "db"])
    s.add("process_snapshot", ["ts": .int(SyntheticRecording.t0), "pid": 200, "tid": 201, "ppid": 1, "comm": "db-worker"])
    func call(_ t: Double, _ pid: Int64, _ id: Int64, _ ret: Int64, _ dur: Int64, tid: Int64? = nil) {
        s.add("syscall", ["ts": ns(t), "pid": .int(pid), "tid": .int(tid ?? pid), "id": .int(id), "ret": .int(ret), "duration": .int(dur)])
    }
    for t in [0.1, 0.2, 0.3] { call(t, 100, 0, 10, 1000) }
    call(0.4, 100, 257, -2, 5000)
    call(1.4, 100, 257, -2, 5000)
    call(1.5, 200, 1, 5, 2_000_000)
    call(1.6, 200, 39, 200, 100, tid: 201)
    call(1.7, 200, 39, 200, 100, tid: 201)
    call(1.8, 200, 999, 0, 100)
    call(1.9, 200, 15, 0, 100)  // never counted by the live syscount: its sys_exit has id -1
    return try s.write()
}

@Test func syscountBySyscall() throws {
    let out = try runTool(Syscount.self, [try syscallRecording()])
    #expect(out.stdout == """
    Tracing syscalls, printing top 10... Ctrl+C to quit.
    [22:06:45]
    SYSCALL                   COUNT
    read                          3
    getpid                        2
    openat                        2
    write                         1
    [unknown: 999]                1


    """)
}

@Test func syscountLatencyAndProcess() throws {
    let path = try syscallRecording()
    #expect(try runTool(Syscount.self, ["-L", "-T", "3", path]).stdout == """
    Tracing syscalls, printing top 3... Ctrl+C to quit.
    [22:06:45]
    SYSCALL                   COUNT        TIME (us)
    write                         1         2000.000
    openat                        2           10.000
    read                          3            3.000


    """)
    #expect(try runTool(Syscount.self, ["-P", "-Lm", path]).stdout == """
    Tracing syscalls, printing top 10... Ctrl+C to quit.
    [22:06:45]
    PID    COMM               COUNT        TIME (ms)
    200    db                     4            2.000
    100    app                    5            0.013


    """)
}

@Test func syscountFiltersAndIntervals() throws {
    let path = try syscallRecording()
    let failed = try runTool(Syscount.self, ["-x", path]).stdout
    #expect(failed.hasSuffix("SYSCALL                   COUNT\nopenat                        2\n\n"))
    #expect(try runTool(Syscount.self, ["-e", "ENOENT", path]).stdout == failed)
    #expect(try runTool(Syscount.self, ["-e", "13", path]).stdout == "Tracing syscalls, printing top 10... Ctrl+C to quit.\n")
    #expect(try runTool(Syscount.self, ["-p", "200", "-T", "2", path]).stdout.hasSuffix("getpid                        2\nwrite                         1\n\n"))
    let intervals = try runTool(Syscount.self, ["-i", "1", path]).stdout
    #expect(intervals == """
    Tracing syscalls, printing top 10... Ctrl+C to quit.
    [22:06:41]
    SYSCALL                   COUNT
    read                          3
    openat                        1

    [22:06:42]
    SYSCALL                   COUNT
    getpid                        2
    write                         1
    openat                        1
    [unknown: 999]                1


    """)
    #expect(try runTool(Syscount.self, ["-d", "1", path]).stdout.contains("[22:06:41]\nSYSCALL                   COUNT\nread                          3\nopenat                        1\n"))
    #expect(try runTool(Syscount.self, ["-l", path]).stdout == "  0: read\n  1: write\n  2: open\n 15: rt_sigreturn\n 39: getpid\n257: openat\n")
    #expect(throws: (any Error).self) { _ = try Syscount.parse(["-T", "0", path]) }
    #expect(throws: (any Error).self) { _ = try Syscount.parse(["-e", "EBOGUS", path]) }
    #expect(throws: (any Error).self) { _ = try Syscount.parse(["-p", "abc", path]) }
}

/// Unpaired rows (a sys_exit whose sys_enter the recording did not see: a call in flight at the
/// start, a fork child's first return) count like the live syscount, which counts at sys_exit;
/// with -L the live tool has no start time for them and skips them; syscount.bt counts at
/// sys_enter and never sees them.
@Test func syscountCountsUnpairedExitsExceptForLatency() throws {
    let s = SyntheticRecording()
    s.syscallNames = ["0": "read", "56": "clone", "61": "wait4"]
    s.add("process_snapshot", ["ts": .int(SyntheticRecording.t0), "pid": 100, "tid": 100, "ppid": 1, "comm": "app"])
    s.add("syscall", ["ts": ns(0.05), "pid": 100, "tid": 100, "id": 61, "ret": 0, "duration": 0, "unpaired": 1])
    s.add("syscall", ["ts": ns(0.1), "pid": 100, "tid": 100, "id": 0, "ret": 1, "duration": 1000])
    s.add("syscall", ["ts": ns(0.2), "pid": 100, "tid": 100, "id": 56, "ret": 101, "duration": 50_000])
    s.add("syscall", ["ts": ns(0.25), "pid": 101, "tid": 101, "id": 56, "ret": 0, "duration": 0, "unpaired": 1])
    let path = try s.write()
    #expect(try runTool(Syscount.self, [path]).stdout == """
    Tracing syscalls, printing top 10... Ctrl+C to quit.
    [22:06:45]
    SYSCALL                   COUNT
    clone                         2
    read                          1
    wait4                         1


    """)
    #expect(try runTool(Syscount.self, ["-p", "100", path]).stdout.hasSuffix("""
    read                          1
    clone                         1
    wait4                         1


    """))
    #expect(try runTool(Syscount.self, ["-L", path]).stdout == """
    Tracing syscalls, printing top 10... Ctrl+C to quit.
    [22:06:45]
    SYSCALL                   COUNT        TIME (us)
    clone                         1           50.000
    read                          1            1.000


    """)
    let bt = try runTool(SyscountBt.self, [path]).stdout
    #expect(bt.contains("@syscall[0]: 1\n@syscall[56]: 1\n"), "\(bt)")
    #expect(!bt.contains("@syscall[61]"), "\(bt)")
}
