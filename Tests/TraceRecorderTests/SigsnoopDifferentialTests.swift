import Foundation
import Glibc
import Testing
import TraceTestSupport

/// bpfan sigsnoop against libbpf-tools sigsnoop on one run: both read signal:signal_generate
/// (the live tool a classic tracepoint program, bpfrec the generic one), in the sender's
/// syscall context where no hit is skipped, so the rows of this test's own signals must be the
/// same: PID, COMM, SIG, TPID and RESULT exactly (TIME is the wall clock second of each side).
extension RecorderTests {
    @Test(.enabled(if: builtBinary("bpfan") != nil && access("/usr/sbin/sigsnoop", X_OK) == 0, "needs libbpf-tools' sigsnoop and the bpfan binary"))
    func sigsnoopMatchesTheLiveToolOnOneRun() throws {
        if access("/sys/kernel/tracing/events/header_page", R_OK) != 0 { _ = mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nil) }
        let bpfan = try #require(builtBinary("bpfan"))
        let dir = Harness.tempPath("sigsnoop-diff")
        mkdir(dir, 0o755)
        defer { _ = try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/run.trc"
        let rec = try RecorderRun(path: path, arguments: ["--families", "signal,proc", "--flush-interval", "200"])
        #expect(rec.waitReady())
        let live = try SpawnedProcess(["/usr/sbin/sigsnoop"], out: dir + "/live", err: dir + "/live.err")
        // A marker child: SIGCONT to it until the live tool prints a row for it (attached).
        let marker = spawn("/bin/sleep", ["sleep", "60"])
        try #require(marker.rc == 0)
        let deadline = Date().addingTimeInterval(60)
        while !live.output.contains(" \(marker.pid) ") && Date() < deadline && live.isRunning {
            kill(marker.pid, SIGCONT)
            usleep(50_000)
        }
        try #require(live.output.contains(" \(marker.pid) "), "sigsnoop did not attach: \(live.errors)")

        // The workload: SIGCONT twice, SIGWINCH (ignored by sleep, still generated), SIGKILL.
        let child = spawn("/bin/sleep", ["sleep", "60"])
        try #require(child.rc == 0)
        usleep(50_000)
        kill(child.pid, SIGCONT)
        kill(child.pid, SIGCONT)
        kill(child.pid, SIGWINCH)
        kill(child.pid, SIGKILL)
        _ = waitStatus(child.pid)
        kill(marker.pid, SIGKILL)
        _ = waitStatus(marker.pid)
        usleep(300_000)
        #expect(live.interrupt() == 0, "\(live.errors)")
        let (st, err) = rec.stop()
        #expect(st == 0, "\(err)")

        let offline = try runBinary(bpfan, ["sigsnoop", path])
        #expect(offline.status == 0, "\(offline.stderr)")
        // Rows to the child, without the TIME column: PID COMM SIG TPID RESULT.
        func rowsToChild(_ text: String) -> [[String]] {
            text.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
                .filter { $0.count == 6 && $0[4] == "\(child.pid)" }.map { Array($0.dropFirst()) }
        }
        let expected: [[String]] = [SIGCONT, SIGCONT, SIGWINCH, SIGKILL].map { ["\(getpid())", "\($0)", "0"] }
        let liveRows = rowsToChild(live.output), ourRows = rowsToChild(offline.stdout)
        #expect(liveRows.map { [$0[0], $0[2], $0[4]] } == expected, "live: \(live.output)")
        #expect(ourRows == liveRows, "live:\n\(live.output)\nbpfan:\n\(offline.stdout)")
    }
}
