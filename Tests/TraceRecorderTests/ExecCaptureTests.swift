import Foundation
import Glibc
import Testing
import TraceFormat

/// process_exec rows come from the proc family's exec tracepoints when proc is recorded alone,
/// and from the syscalls family's raw_syscalls programs when both are (so the per-syscall
/// tracepoints, which cost every syscall a callback, stay unattached). Both must give the same
/// rows: argv, and failed execs with their error.
extension RecorderTests {
    @Test(arguments: ["proc", "proc,syscalls"])
    func execCapturedWithAndWithoutSyscalls(families: String) throws {
        let path = Harness.tempPath("exec")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", families, "--flush-interval", "200"])
        #expect(rec.waitReady())
        let marker = "exec-marker-\(getpid())-\(families.count)"
        let ok = spawn("/bin/true", ["true", marker])
        #expect(ok.rc == 0)
        #expect(waitStatus(ok.pid) == 0)
        let missing = "/nonexistent-\(marker)"
        let failed = spawn(missing, [missing, marker])
        if failed.rc == 0 { _ = waitStatus(failed.pid) }
        usleep(300_000)
        let (st, err) = rec.stop()
        #expect(st == 0, "\(err)")

        let file = try TraceFile(path: path)
        let execs = try Rows(file, "process_exec")
        let mine = (0..<execs.count).filter { String(decoding: execs.bytes("argv", $0), as: UTF8.self).contains(marker) }
        let byFile = Dictionary(grouping: mine) { execs.string("filename", $0) }
        #expect(byFile["/bin/true"]?.count == 1, "\(byFile)")
        if let r = byFile["/bin/true"]?.first {
            #expect(execs.int("ret", r) == 0)
            #expect(String(decoding: execs.bytes("argv", r), as: UTF8.self) == "true\u{0}\(marker)\u{0}")
        }
        #expect(byFile[missing]?.count == 1, "\(byFile)")
        if let r = byFile[missing]?.first { #expect(execs.int("ret", r) == -Int64(ENOENT)) }
    }
}
