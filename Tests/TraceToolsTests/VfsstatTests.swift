import TraceReport
import TraceTestSupport
import Testing
@testable import TraceTools

/// Second 0: three reads (one on a bad fd), a write, an fsync, two successful openat and a
/// failed one, a mknodat. Second 1: pread64, two pwrite64, fdatasync, creat, an exec, and an exec
/// whose path does not resolve (no vfs_open). Second 2: nothing. 3.2 (in the last, partial interval): a read.
func vfsRecording(exec: Bool = true) throws -> String {
    let s = SyntheticRecording()
    s.duration = 3_500_000_000
    // x86_64's numbers of every syscall vfsstat.bt probes (the recorder keeps the host's table).
    s.syscallNames = ["0": "read", "1": "write", "2": "open", "17": "pread64", "18": "pwrite64", "19": "readv", "20": "writev",
                      "59": "execve", "74": "fsync", "75": "fdatasync", "85": "creat", "89": "readlink", "133": "mknod",
                      "257": "openat", "259": "mknodat", "267": "readlinkat", "295": "preadv", "296": "pwritev",
                      "322": "execveat", "327": "preadv2", "328": "pwritev2", "437": "openat2"]
    func call(_ t: Double, _ id: Int64, ret: Int64 = 0) {
        s.add("syscall", ["ts": ns(t), "pid": 5, "tid": 5, "id": .int(id), "ret": .int(ret), "duration": 1000])
    }
    call(0.1, 0, ret: 10); call(0.2, 0, ret: 0); call(0.25, 0, ret: -9); call(0.3, 1, ret: 4); call(0.4, 74)
    call(0.5, 257, ret: 3); call(0.6, 257, ret: 4); call(0.7, 257, ret: -2); call(0.8, 259)
    call(1.1, 17, ret: 8); call(1.2, 18, ret: 8); call(1.3, 18, ret: 8); call(1.4, 75); call(1.6, 85, ret: 5)
    call(3.2, 0, ret: 1)
    if exec {
        // A real recording has both: the syscall row of each execve and its process_exec row.
        call(1.5, 59, ret: 0); call(1.55, 59, ret: -2)
        s.add("process_exec", ["ts": ns(1.5), "pid": 6, "tid": 6, "ret": 0, "comm": "ls", "filename": "/bin/ls"])
        s.add("process_exec", ["ts": ns(1.55), "pid": 6, "tid": 6, "ret": -2, "comm": "sh", "filename": "/usr/local/bin/ls"])
    }
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

/// vfsstat.bt, the script, counts the same calls as vfsstat from the same rows, keyed by the
/// VFS function as the live script's `@[func]`, one map per second.
@Test func vfsstatBtCountsWhatVfsstatCounts() throws {
    let out = try runTool(VfsstatBt.self, [try vfsRecording()])
    #expect(!out.failed, "\(out.stderr)")
    #expect(out.stderr.first?.hasPrefix("bpfan vfsstat.bt: APPROX: each vfs_* call is counted from the syscalls that make it") == true, "\(out.stderr)")
    var seconds: [[String: Int]] = []
    for line in out.stdout.split(separator: "\n") {
        if line.wholeMatch(of: /\d\d:\d\d:\d\d/) != nil { seconds.append([:]); continue }
        if let m = line.wholeMatch(of: /@\[(\w+)\]: (\d+)/), !seconds.isEmpty { seconds[seconds.count - 1][String(m.1)] = Int(m.2)! }
    }
    #expect(out.stdout.hasPrefix("Attaching 25 probes...\nTracing key VFS calls... Hit Ctrl-C to end.\n"), "\(out.stdout)")
    #expect(seconds.prefix(3) == [
        ["vfs_read": 2, "vfs_write": 1, "vfs_fsync": 1, "vfs_open": 2, "vfs_create": 1],
        ["vfs_read": 1, "vfs_write": 2, "vfs_fsync": 1, "vfs_open": 2],
        [:],
    ], "\(out.stdout)")
}
