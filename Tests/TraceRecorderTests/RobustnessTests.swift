import Foundation
import Glibc
import Testing
import TraceFormat

/// Loss is counted, never hidden; a killed recorder leaves a readable prefix; the command
/// refuses clearly. Serialized with the other recorder tests (see RecorderTests).
extension RecorderTests {
    @Test func forcedOverflowIsCounted() throws {
        let path = Harness.tempPath("overflow")
        defer { unlink(path) }
        // A 1 MiB ring left undrained for 1.5 s while this thread makes 100k syscalls.
        let rec = try RecorderRun(path: path, arguments: ["--families", "syscalls", "--ring-size", "1", "--debug-stall-drain", "1500"])
        #expect(rec.waitReady())
        let calls = 100_000
        for _ in 0..<calls { _ = getppid() }
        usleep(1_700_000)
        let (status, err) = rec.stop()
        #expect(status == 0, "\(err)")
        #expect(!err.contains("lost 0 "), "\(err)")

        let file = try TraceFile(path: path)
        let lost = try Rows(file, "lost_events")
        #expect(lost.count > 0)
        var total: Int64 = 0
        for r in 0..<lost.count {
            #expect(lost.string("family", r) == "syscalls")
            #expect(lost.string("reason", r) == "ringbuf_full")
            total += lost.int("lost", r)
        }
        let rows = try Rows(file, "syscall")
        let mine = rows.rows(where: "tid", is: Int64(gettidNow())).filter { rows.int("id", $0) == 110 }.count
        // Every call is either recorded or counted as lost (the counter also holds other
        // processes' losses, hence >=).
        #expect(mine < calls)
        #expect(Int64(mine) + total >= Int64(calls), "recorded \(mine) + lost \(total) < \(calls)")
    }

    @Test func sigkillLeavesReadablePrefix() throws {
        let path = Harness.tempPath("sigkill")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", "syscalls,proc", "--flush-interval", "100"])
        #expect(rec.waitReady())
        let base = "/nonexistent-sigkill-\(getpid())-"
        for i in 0..<10 { _ = access(base + String(i), F_OK) }
        // Wait until the rows are on disk (a few flush intervals; longer on a loaded machine),
        // then kill: what was flushed must survive.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            usleep(100_000)
            if let f = try? TraceFile(path: path), let d = try? Rows(f, "syscall_detail"),
               (0..<d.count).contains(where: { d.string("path", $0) == base + "9" }) { break }
        }
        let (status, _) = rec.stop(signal: SIGKILL)
        #expect(status == SIGKILL)

        let file = try TraceFile(path: path)
        #expect(!file.hasFooter)
        #expect(file.chunks.count > 0)
        let detail = try Rows(file, "syscall_detail")
        let summary = file.tables.values.map { "\($0.name)=\(file.rowCount(ofTable: $0.name))" }.sorted().joined(separator: " ")
        for i in 0..<10 {
            let hits = (0..<detail.count).filter { detail.string("path", $0) == base + String(i) }
            #expect(hits.count == 1, "access #\(i) flushed before the kill is missing; file has \(summary), damage \(file.damage)")
        }
        #expect(try file.metadata(named: MetadataName.host) != nil)
    }

    @Test func refusesToOverwriteWithoutForce() throws {
        let path = Harness.tempPath("exists")
        defer { unlink(path) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data("keep".utf8)))
        let rec = try RecorderRun(path: path, arguments: ["-d", "1", "--families", "sched"])
        let (status, err) = rec.stop(signal: 0)
        #expect(status != 0)
        #expect(err.contains(path) && err.contains("exists"), "\(err)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "needs /usr/bin/setpriv (util-linux) to drop privileges"))
    func refusesWithoutCapabilities() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        p.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", Harness.binary!, "record", "-o", Harness.tempPath("nocap"), "-d", "1"]
        let err = Pipe()
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus != 0)
        #expect(text.contains("missing capability CAP_BPF and CAP_PERFMON"), "\(text)")
    }
}

/// Where a recording goes: always a private file, never half of an old one.
extension RecorderTests {
    @Test func forceReplacesWithAPrivateFile() throws {
        let dir = "/tmp/bpfrec-force-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        mkdir(dir, 0o755)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/run.trc"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("old".utf8), attributes: [.posixPermissions: 0o644]))
        let rec = try RecorderRun(path: path, arguments: ["--force", "-d", "1", "--families", "sched"])
        let (status, err) = rec.stop(signal: 0)
        #expect(status == 0, "\(err)")
        var st = stat()
        #expect(stat(path, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600, "mode \(String(st.st_mode & 0o777, radix: 8)) after --force over a 0644 file")
        let file = try TraceFile(path: path)
        #expect(file.hasFooter && file.damage.isEmpty)
        // Nothing left beside it (the new file is renamed over the old one).
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["run.trc"])
    }

    @Test func outputDirectoryIsRefusedAsADirectory() throws {
        let dir = "/tmp/bpfrec-dir-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        mkdir(dir, 0o755)
        defer { rmdir(dir) }
        for force in [false, true] {
            let rec = try RecorderRun(path: dir, arguments: (force ? ["--force"] : []) + ["-d", "1", "--families", "sched"])
            let (status, err) = rec.stop(signal: 0)
            #expect(status != 0)
            #expect(err.contains("\(dir): is a directory"), "\(err)")
            #expect(!err.contains("exists"), "\(err)")
        }
    }

    /// bpfrec needs neither tracefs nor debugfs, and mounts neither: in a mount namespace of its
    /// own with both unmounted, it records exec (proc then takes its raw_syscalls path) and
    /// leaves the namespace as it found it.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"), "needs unshare (util-linux)"))
    func recordsWithoutTracefsOrDebugfs() throws {
        let path = Harness.tempPath("nomounts")
        defer { unlink(path) }
        let unmount = "umount -l /sys/kernel/debug 2>/dev/null; umount -l /sys/kernel/tracing 2>/dev/null; exec \"$0\" \"$@\""
        let rec = try RecorderRun(path: path, arguments: ["--families", "proc,sched", "--flush-interval", "200"],
                                  launcher: ["/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", unmount])
        #expect(rec.waitReady(), "recorder did not start")
        let marker = "/tmp/bpfrec-nomounts-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let (child, rc) = spawn("/bin/true", ["/bin/true", marker])
        #expect(rc == 0)
        _ = waitStatus(child)
        usleep(300_000)
        let mounts = readWhole("/proc/\(rec.process.processIdentifier)/mountinfo") ?? ""
        let tracing = mounts.split(separator: "\n").filter { $0.contains(" - tracefs ") || $0.contains(" - debugfs ") }
        let (status, err) = rec.stop()
        #expect(status == 0, "\(err)")
        #expect(tracing.isEmpty, "bpfrec's namespace has tracing mounts: \(tracing)")
        let file = try TraceFile(path: path)
        let execs = try Rows(file, "process_exec")
        let found = (0..<execs.count).contains { execs.int("pid", $0) == Int64(child) && execs.bytes("argv", $0).split(separator: 0).map { String(decoding: $0, as: UTF8.self) }.contains(marker) }
        #expect(found, "the exec of /bin/true \(marker) (pid \(child)) is not in process_exec (\(execs.count) rows)")
    }
}
