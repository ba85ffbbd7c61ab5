import Foundation
import Glibc
import Testing
import TraceFormat
import TraceTestSupport
@testable import TraceRecorder

/// The recorder's /proc/loadavg poll (the load_average table): a read at the start, one a
/// second, one at the stop; each row is what the file said at some moment of the recording.
extension RecorderTests {
    struct LoadLine: Equatable {
        var averages: [Int64]
        var lastPid: Int64
        init(_ text: String) throws {
            let f = text.split(separator: " ")
            try #require(f.count == 5, "/proc/loadavg: \(text)")
            averages = try f[0..<3].map { a in try #require(Int64(a.replacingOccurrences(of: ".", with: ""))) }
            lastPid = try #require(Int64(f[4].trimmingCharacters(in: .whitespacesAndNewlines)))
        }
    }

    @Test func loadAveragesAreReadOnceASecond() throws {
        // The test reads /proc/loadavg itself every 10 ms meanwhile: whatever the kernel's
        // 5 s updates did during the run (a slow start under load may span two), every value
        // the recorder read is one of these.
        let polled = Harness.tempPath("loadavg-polled")
        defer { unlink(polled) }
        _ = FileManager.default.createFile(atPath: polled, contents: nil)
        let poller = Process()
        poller.executableURL = URL(fileURLWithPath: "/bin/sh")
        poller.arguments = ["-c", "while :; do cat /proc/loadavg; sleep 0.01; done"]
        poller.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: polled))
        try poller.run()
        defer { if poller.isRunning { poller.terminate() } }
        usleep(50_000)
        let before = try LoadLine(String(contentsOfFile: "/proc/loadavg", encoding: .utf8))
        let path = Harness.tempPath("load-average")
        let rec = try RecorderRun(path: path, arguments: ["--families", "proc"])
        defer { rec.remove() }
        try #require(rec.waitReady())
        usleep(3_300_000)
        let stopped = rec.stop()
        try #require(stopped.status == 0, "\(stopped.stderr)")
        let after = try LoadLine(String(contentsOfFile: "/proc/loadavg", encoding: .utf8))
        usleep(50_000)
        poller.terminate()
        poller.waitUntilExit()
        let polledLines = try String(contentsOfFile: polled, encoding: .utf8).split(separator: "\n").compactMap { try? LoadLine(String($0)).averages }
        #expect(polledLines.count > 10, "the test's own reads: \(polledLines.count) in 3.3 s")
        let seen = Set(polledLines).union([before.averages, after.averages])

        let rows = try Rows(TraceFile(path: path), "load_average")
        // Start, about three once-a-second reads, stop: the drain loop's 1 s checks may slip by
        // a drain interval, so one read more or less.
        #expect((4...6).contains(rows.count), "\(rows.count) reads in 3.3 s")
        let ts = (0..<rows.count).map { rows.int("ts", $0) }
        #expect(ts == ts.sorted())
        // Each read before the stop's comes at least a period after the one before it.
        for i in 1..<max(1, rows.count - 1) {
            #expect(ts[i] - ts[i - 1] >= 1_000_000_000, "reads \(i - 1) and \(i) \(ts[i] - ts[i - 1]) ns apart")
        }
        // Each read shows averages the file showed during the run, and the last PID created
        // lies between those before and after.
        for r in 0..<rows.count {
            let averages = ["load1", "load5", "load15"].map { rows.int($0, r) }
            #expect(seen.contains(averages), "read \(r): \(averages), the file showed \(seen.sorted { $0.lexicographicallyPrecedes($1) })")
            #expect((before.lastPid...after.lastPid).contains(rows.int("last_pid", r)), "read \(r): last pid \(rows.int("last_pid", r))")
            #expect(rows.int("runnable", r) >= 1 && rows.int("threads", r) >= rows.int("runnable", r))
        }
    }
}

/// /proc/loadavg's line to the load_average row: exact for what the kernel prints, nothing for
/// anything else (no row is better than a guessed one).
@Suite struct LoadAverageParseTests {
    @Test func parsesTheKernelsLine() {
        #expect(LoadAveragePoll.parse("0.08 0.03 0.01 1/170 12345\n") == [8, 3, 1, 1, 170, 12345])
        #expect(LoadAveragePoll.parse("12.34 105.00 0.10 33/4096 4194304") == [1234, 10500, 10, 33, 4096, 4_194_304])
    }

    @Test(arguments: ["", "0.08 0.03 0.01 1/170", "0.8 0.03 0.01 1/170 1", "a.bc 0.03 0.01 1/170 1", "0.08 0.03 0.01 1-170 1",
                      "0.08 0.03 0.01 1/170 1 extra", "0.08 0.03 0.01 1/170 99999999999", "-1.00 0.03 0.01 1/170 1"])
    func refusesAnythingElse(_ line: String) {
        #expect(LoadAveragePoll.parse(line) == nil, "\(line)")
    }
}
