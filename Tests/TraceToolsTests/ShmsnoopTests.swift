import TraceReport
import TraceTestSupport
import TraceFormat
import Testing
@testable import TraceTools

/// postgres (pid 800) creates, attaches and detaches a segment; ipcrm (pid 900) removes it,
/// then fails a shmget (ENOENT) and a shmctl with an unknown command (EINVAL).
func shmRecording() throws -> String {
    let s = SyntheticRecording()
    func call(_ t: Double, _ dur: Int64, pid: Int64, tid: Int64? = nil, comm: String, id: Int64, ret: Int64, args: [UInt64]) {
        var row: [String: ColumnValue] = ["ts": ns(t), "duration": .int(dur), "pid": .int(pid), "tid": .int(tid ?? pid), "id": .int(id), "ret": .int(ret), "comm": .string(comm)]
        for (i, a) in args.enumerated() { row["arg\(i)"] = .u64(a) }
        s.add("syscall_detail", row)
    }
    call(1.0, 5000, pid: 800, comm: "postgres", id: 29, ret: 65538, args: [0x1234, 4096, 0o1600])
    call(1.1, 3000, pid: 800, tid: 801, comm: "postgres", id: 30, ret: 0x7f00_0000_0000, args: [65538, 0, 0o10000])
    call(1.2, 2000, pid: 800, comm: "postgres", id: 67, ret: 0, args: [0x7f00_0000_0000])
    call(1.3, 2000, pid: 900, comm: "ipcrm", id: 31, ret: 0, args: [65538, 0, 0])
    call(1.4, 1000, pid: 900, comm: "ipcrm", id: 29, ret: -2, args: [0x99, 0, 0])
    call(1.5, 1000, pid: 900, comm: "ipcrm", id: 31, ret: -22, args: [65538, 99, 0x7ffd_0000])
    call(1.6, 1000, pid: 900, comm: "ipcrm", id: 62, ret: 0, args: [1, 9])
    return try s.write()
}

@Test func shmsnoopDecodesEachCall() throws {
    let out = try runTool(Shmsnoop.self, [try shmRecording()])
    #expect(out.stderr.isEmpty && !out.failed)
    #expect(out.stdout == """
    PID    COMM                SYS              RET ARGs
    800    postgres         SHMGET            10002 key: 0x1234, size: 4096, shmflg: 0x380 (IPC_CREAT|0600)
    800    postgres          SHMAT     7f0000000000 shmid: 0x10002, shmaddr: 0x0, shmflg: 0x1000 (SHM_RDONLY)
    800    postgres          SHMDT                0 shmaddr: 0x7f0000000000
    900    ipcrm            SHMCTL                0 shmid: 0x10002, cmd: 0 (IPC_RMID), buf: 0x0
    900    ipcrm            SHMGET fffffffffffffffe key: 0x99, size: 0, shmflg: 0x0
    900    ipcrm            SHMCTL ffffffffffffffea shmid: 0x10002, cmd: 99 (0x63), buf: 0x7ffd0000

    """)
}

@Test func shmsnoopTimestampsAndFilters() throws {
    let path = try shmRecording()
    // The clock starts at the first call's return (1.000005), in microseconds.
    let t = try runTool(Shmsnoop.self, ["-T", path])
    #expect(t.stdout.components(separatedBy: "\n").prefix(3) == [
        "TIME(s)       PID    COMM                SYS              RET ARGs",
        "0.000000000   800    postgres         SHMGET            10002 key: 0x1234, size: 4096, shmflg: 0x380 (IPC_CREAT|0600)",
        "0.099998000   800    postgres          SHMAT     7f0000000000 shmid: 0x10002, shmaddr: 0x0, shmflg: 0x1000 (SHM_RDONLY)",
    ])
    let tid = try runTool(Shmsnoop.self, ["-t", "801", path])
    #expect(tid.stdout == """
    TID    COMM                SYS              RET ARGs
    801    postgres          SHMAT     7f0000000000 shmid: 0x10002, shmaddr: 0x0, shmflg: 0x1000 (SHM_RDONLY)

    """)
    #expect(try runTool(Shmsnoop.self, ["-p", "900", path]).stdout.components(separatedBy: "\n").filter { $0.hasPrefix("900 ") }.count == 3)
    #expect(try runTool(Shmsnoop.self, ["-n", "gres", path]).stdout.components(separatedBy: "\n").filter { $0.hasPrefix("800 ") }.count == 3)
    // -d 1: the live tool stops 1 s after it starts, before any of these calls return.
    #expect(try runTool(Shmsnoop.self, ["-d", "1", path]).stdout == "PID    COMM                SYS              RET ARGs\n")
}

@Test func shmsnoopFlagNamesFollowTheLiveFilter() {
    // A flag whose bits an earlier one already took is not named again (Python's lazy filter).
    #expect(Shmsnoop.flags(0o1000 | 0o2000, Shmsnoop.shmgetFlags) == "0x600 (IPC_CREAT|IPC_EXCL)")
    #expect(Shmsnoop.flags(30 << 26, Shmsnoop.shmgetFlags) == "0x78000000 (SHM_HUGE_2MB|SHM_HUGE_1GB)")
    #expect(Shmsnoop.flags(0o7, Shmsnoop.shmatFlags) == "0x7 (07)")
}
