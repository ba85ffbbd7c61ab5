import Foundation
import Glibc
import Testing
import TraceFormat
import TraceRecorder
import TraceTestSupport

/// `bpfrec record --ring` under a syscall storm and `kill -9`, and `--rotate` on a full disk
/// (the short variants; Tests/Validation/ring_kill.sh is the 60 s, 16 MiB, 10-kill one).
extension RecorderTests {
    private static func monotonicNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    @Test func ringUnderASyscallStormKeepsTheNewestAndSurvivesKill9() throws {
        let path = Harness.tempPath("ring")
        defer { unlink(path) }
        let ring = 1 << 20
        let storm = try SpawnedProcess(["/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=1000000000"], out: "/dev/null", err: "/dev/null")
        defer {
            kill(storm.pid, SIGKILL)
            storm.wait(timeout: 10)
        }
        let run = try RecorderRun(path: path, arguments: ["--families", "syscalls", "--ring", "1M", "--flush-interval", "100"])
        #expect(run.waitReady())
        // Sample the size while the ring fills and wraps, and read the ring while it is being
        // written (readable at every moment), until it has dropped chunks for a second or so.
        var maxSize = 0, maxAllocated = 0, reads = 0, unreadable: [String] = []
        var newestSeen: Int64 = 0
        var wrappedAt: Date?
        let start = Date()
        while Date().timeIntervalSince(start) < 30 {
            var st = stat()
            if stat(path, &st) == 0 {
                maxSize = max(maxSize, Int(st.st_size))
                maxAllocated = max(maxAllocated, Int(st.st_blocks) * 512)
            }
            if reads * 200 < Int(Date().timeIntervalSince(start) * 1000) {
                reads += 1
                // Opened and indexed while the writer runs. (Its chunks are not decoded here: a
                // chunk the writer recycles while a reader decodes it reads as damaged; the
                // kill -9 states below are what the ring promises to keep whole.)
                let f: TraceFile
                do { f = try TraceFile(path: path) } catch {
                    unreadable.append("\(error)")
                    continue
                }
                newestSeen = max(newestSeen, RecordingSummary(f).lastTime ?? 0)
                if wrappedAt == nil, (f.ring?.droppedChunks ?? 0) > 0 { wrappedAt = Date() }
            }
            if let w = wrappedAt, Date().timeIntervalSince(w) > 1 { break }
            usleep(10_000)
        }
        let killedAt = Self.monotonicNs()
        let (status, err) = run.stop(signal: SIGKILL)
        #expect(status == SIGKILL || status == 9 || status == 128 + 9, "\(err)")
        #expect(wrappedAt != nil && reads > 5 && unreadable.isEmpty, "wrapped: \(wrappedAt != nil), \(reads) reads, unreadable: \(unreadable)")
        let file = try TraceFile(path: path)
        let r = try #require(file.ring, "not a ring file")
        let problems = file.verify()
        #expect(problems.count <= 1 && problems.allSatisfy { $0.message.contains("newest chunk is torn") }, "\(problems)")
        #expect(!file.hasFooter && r.droppedChunks > 0 && r.liveBytes <= ring, "\(r)")
        // Never larger than header + ring + the permanent region it ends with.
        let permanent = file.fileSize - r.permanentStart
        #expect(permanent < 256 << 10 && maxSize <= r.permanentStart + permanent && maxAllocated <= file.fileSize + 64 << 10,
                "max size \(maxSize), allocated \(maxAllocated), file \(file.fileSize)")
        // It covers the newest data: everything a reader saw before the kill is still there or
        // newer, and the last event is recent (chunks still being encoded die with the process:
        // a debug build on a busy machine lags by a second or two).
        let last = try #require(RecordingSummary(file).lastTime)
        #expect(last >= newestSeen, "newest event \(last) older than one read before the kill (\(newestSeen))")
        #expect(killedAt - last < 5_000_000_000, "newest event \(Double(killedAt - last) / 1e9) s before the kill")
        #expect(r.droppedLastTime < last && file.firstCoveredTime == r.droppedLastTime + 1)
        #expect(file.rowCount(ofTable: "process_snapshot") > 0 && file.metadataNames.contains(MetadataName.recording))
        if let bpfan = Harness.builtBinary("bpfan") {
            let info = try runBinary(bpfan, ["info", path])
            #expect(info.status == 0 && info.stdout.contains("ring:       1.0 MiB (--ring)") && info.stdout.contains("dropped the oldest")
                    && info.stdout.contains("covered:    complete from"), "\(info.stdout)")
        }
    }

    @Test func rotateOnAFullDiskStopsWithEveryFinishedFileWhole() throws {
        let dir = "/tmp/bpfrec-test-\(getpid())-full"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { rmdir(dir) }
        guard mount("tmpfs", dir, "tmpfs", 0, "size=5m") == 0 else {
            Issue.record("cannot mount a 5 MiB tmpfs at \(dir): \(String(cString: strerror(errno)))")
            return
        }
        defer { umount2(dir, Int32(MNT_DETACH)) }
        let (status, err) = try recordToEnd("\(dir)/run.trc", ["--families", "syscalls", "--rotate", "1M", "--flush-interval", "100", "--",
                                                          "/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=1000000000"])
        #expect(status == 1 && err.contains("No space left on device") && err.contains("closed and whole"), "\(err)")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".trc") }.sorted()
        #expect(names.count >= 3 && names.first == "run.0001.trc", "\(names)")
        for name in names.dropLast() {
            let f = try TraceFile(path: "\(dir)/\(name)")
            #expect(f.hasFooter && f.verify().isEmpty, "\(name): \(f.verify())")
            #expect(f.rowCount(ofTable: "syscall") > 0 && f.rowCount(ofTable: "process_snapshot") > 0)
        }
        // The one being written when the disk filled ends at its last whole block.
        let lastName = try #require(names.last)
        let lastFile = try TraceFile(path: "\(dir)/\(lastName)")
        #expect(lastFile.verify().allSatisfy { $0.message.hasPrefix("no footer") }, "\(lastFile.verify())")
        let set = try TraceFile(paths: names.map { "\(dir)/\($0)" })
        #expect(set.missingParts.isEmpty && set.rowCount(ofTable: "process_snapshot") == lastFile.rowCount(ofTable: "process_snapshot"))
        for name in names { unlink("\(dir)/\(name)") }
    }
}

extension RecorderCommandLineTests {
    @Test func ringAndRotateValuesNameThemselves() throws {
        let path = Harness.tempPath("badring")
        func refused(_ args: [String]) throws -> String {
            let r = try runBinary(Harness.binary!, ["record", "-o", path] + args)
            #expect(r.status == 64, "\(args): \(r.status) \(r.stderr)")
            return r.stderr
        }
        #expect(try refused(["--ring", "4K"]).contains("--ring 4K: too small"))
        #expect(try refused(["--ring", "lots"]) == "bpfrec: error: --ring lots: expected a size such as 500M, 2G or 1048576 (bytes)\n")
        #expect(try refused(["--rotate", "10m"]) == "bpfrec: error: --rotate 10m: ambiguous; write 10M for MiB or 10min for minutes\n")
        #expect(try refused(["--rotate", "0.1s"]) == "bpfrec: error: --rotate 0.1s: too short; at least 1 s per file\n")
        #expect(try refused(["--rotate", "soon"]).hasPrefix("bpfrec: error: --rotate soon: expected a size such as 100M or a duration"))
        #expect(try refused(["--ring", "16M", "--rotate", "1h"]) == "bpfrec: error: --ring and --rotate: give one way of bounding the recording\n")
        #expect(try refused(["--max-size", "1G", "--ring", "16M"]).contains("--max-size and --ring"))
        #expect(access(path, F_OK) != 0)
        #expect(try RecorderOptions.parseRotation("10min") == (nil, 600) && RecorderOptions.parseRotation("1h") == (nil, 3600))
        #expect(try RecorderOptions.parseRotation("100M") == (100 << 20, nil))
    }
}
