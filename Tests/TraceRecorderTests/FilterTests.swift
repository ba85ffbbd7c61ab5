import Foundation
import Glibc
import Testing
import TraceFormat

/// -p PID records that process and its descendants (those alive at the start and those it
/// forks after), and nothing else (for the process-context families).
extension RecorderTests {
    @Test func pidFilterFollowsDescendantsOnly() throws {
        // The target waits, then forks a marked child and exits with a known code.
        let target = spawn("/bin/sh", ["sh", "-c", "sleep 3; /bin/true marker-\(getpid()); exit 5"])
        #expect(target.rc == 0)
        let path = Harness.tempPath("pid")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", "proc,syscalls", "-p", String(target.pid), "--flush-interval", "200"])
        #expect(rec.waitReady())
        // Unrelated activity meanwhile: must not be recorded.
        let other = spawn("/bin/true", ["true", "unrelated-\(getpid())"])
        _ = waitStatus(other.pid)
        let status = waitStatus(target.pid)
        #expect(status == 5 << 8)
        usleep(300_000)
        let (st, err) = rec.stop()
        #expect(st == 0, "\(err)")

        let file = try TraceFile(path: path)
        let execs = try Rows(file, "process_exec")
        let argvs = (0..<execs.count).map { String(decoding: execs.bytes("argv", $0), as: UTF8.self) }
        #expect(argvs.contains("/bin/true\u{0}marker-\(getpid())\u{0}"), "\(argvs)") // sh passes the path as argv[0]
        #expect(!argvs.contains { $0.contains("unrelated-") })
        let forks = try Rows(file, "process_fork")
        // Its children: those forked while recording, and the `sleep` already running at the
        // start (followed from /proc).
        let snapshot = try Rows(file, "process_snapshot")
        let before = (0..<snapshot.count).filter { snapshot.int("ppid", $0) == Int64(target.pid) }.map { snapshot.int("pid", $0) }
        #expect(before.count == 1, "the sleep: \(before)")
        let family = Set([Int64(target.pid)] + before + (0..<forks.count).map { forks.int("child_pid", $0) })
        for r in 0..<forks.count { #expect(forks.int("pid", r) == Int64(target.pid)) }
        let calls = try Rows(file, "syscall")
        #expect(calls.count > 0)
        for r in 0..<calls.count { #expect(family.contains(calls.int("pid", r)), "syscall of pid \(calls.int("pid", r))") }
        let exits = try Rows(file, "process_exit")
        let targetExit = exits.rows(where: "pid", is: Int64(target.pid))
        #expect(targetExit.count == 1 && exits.int("exit_code", targetExit[0]) == 5 << 8)
    }
}
