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

extension RecorderTests {
    /// argv keeps what both readers of it read live: the first 16 arguments to 1023 bytes
    /// (bpftrace's join()), the next 44 to 127 (libbpf-tools execsnoop --max-args 60), and
    /// counts what it cut; through both capture paths.
    @Test(arguments: ["proc", "proc,syscalls"])
    func longArgumentsAreKeptForTheLongestReader(families: String) throws {
        let path = Harness.tempPath("exec-long")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", families, "--flush-interval", "200"])
        #expect(rec.waitReady())
        let marker = "long-marker-\(getpid())-\(families.count)"
        // 70 arguments (argv[0] first): argv[2] of 1500 bytes (cut to 1023), argv[3] of 1023 (kept
        // whole), argv[20] of 300 (cut to 127), argv[60...63] looked at but not kept, argv[64...]
        // not looked at.
        var args = ["true", marker, String(repeating: "a", count: 1500), String(repeating: "b", count: 1023)]
        while args.count < 70 { args.append(args.count == 20 ? String(repeating: "c", count: 300) : "x\(args.count)") }
        let run = spawn("/bin/true", args)
        #expect(run.rc == 0)
        #expect(waitStatus(run.pid) == 0)
        usleep(300_000)
        let (st, err) = rec.stop()
        #expect(st == 0, "\(err)")

        let execs = try Rows(try TraceFile(path: path), "process_exec")
        let mine = (0..<execs.count).filter { String(decoding: execs.bytes("argv", $0), as: UTF8.self).contains(marker) }
        try #require(mine.count == 1)
        let r = mine[0]
        let kept = execs.bytes("argv", r).split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
        let expected = args.prefix(60).enumerated().map { i, a in String(a.utf8.prefix(i < 16 ? 1023 : 127))! }
        #expect(kept == expected)
        #expect(execs.int("argc", r) == 64)
        // argv[2] and argv[20] cut, argv[60...63] not kept.
        #expect(execs.int("args_cut", r) == 6)
        #expect(execs.int("args_truncated", r) == 1)
    }
}
