import Foundation
import Glibc
import Testing
import TraceFormat

/// Loss is counted, never hidden; a killed recorder leaves a readable prefix; the command
/// refuses clearly. Serialized with the other recorder tests (see RecorderTests).
extension RecorderTests {
    @Test func forcedOverflowIsCounted() throws {
        if Harness.skipped("forcedOverflowIsCounted") { return }
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
        if Harness.skipped("sigkillLeavesReadablePrefix") { return }
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
        if Harness.skipped("refusesToOverwriteWithoutForce") { return }
        let path = Harness.tempPath("exists")
        defer { unlink(path) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data("keep".utf8)))
        let rec = try RecorderRun(path: path, arguments: ["-d", "1", "--families", "sched"])
        let (status, err) = rec.stop(signal: 0)
        #expect(status != 0)
        #expect(err.contains(path) && err.contains("exists"), "\(err)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep")
    }

    @Test func refusesWithoutCapabilities() throws {
        if Harness.skipped("refusesWithoutCapabilities") { return }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            print("refusesWithoutCapabilities: skipped: no setpriv to drop privileges")
            return
        }
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
