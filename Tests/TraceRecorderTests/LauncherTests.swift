import Foundation
import Glibc
import Testing
import TraceFormat
import TraceRecorder
import TraceTestSupport

/// `bpfrec record -o F -- CMD`: records while CMD runs, only CMD and its descendants, stops
/// when it exits and returns its status; -p follows descendants without `proc` being named; the
/// file goes to the sudo user or --owner; --max-size stops cleanly.
extension RecorderTests {
    /// Runs `bpfrec record -o path ARGS` to its end (with `environment` added to ours).
    func recordToEnd(_ path: String, _ args: [String], environment: [String: String] = [:]) throws -> (status: Int32, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Harness.binary!)
        p.arguments = ["record", "-o", path] + args
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: e, as: UTF8.self))
    }

    @Test func launcherRecordsTheCommandAndItsChildrenAndReturnsItsStatus() throws {
        let path = Harness.tempPath("launch")
        defer { unlink(path) }
        let marker = "launch-\(getpid())"
        // Only syscalls named: the children are followed all the same (proc comes with -p).
        let (status, err) = try recordToEnd(path, ["--families", "syscalls", "--flush-interval", "100", "--",
                                              "/bin/sh", "-c", "/bin/true \(marker); /bin/true \(marker); exit 7"])
        #expect(status == 7, "\(err)")
        let lines = err.split(separator: "\n").map(String.init)
        let ready = try #require(lines.first { $0.hasPrefix("bpfrec: recording ") }, "\(err)")
        #expect(ready.contains("while `/bin/sh -c '/bin/true \(marker); /bin/true \(marker); exit 7'` (PID "), "\(ready)")
        #expect(ready.hasSuffix("it and its descendants only; Ctrl-C stops it and the recording"), "\(ready)")
        #expect(ready.contains("proc("), "proc is recorded with the command's filter: \(ready)")
        #expect(lines.last?.contains("`/bin/sh -c '/bin/true \(marker); /bin/true \(marker); exit 7'` exited with status 7") == true, "\(err)")

        let file = try TraceFile(path: path)
        #expect(file.hasFooter && file.damage.isEmpty)
        let info = try #require(try file.metadata(named: MetadataName.recording, as: RecordingInfo.self))
        let shPid = try #require(info.pids?.first)
        #expect(info.command == ["/bin/sh", "-c", "/bin/true \(marker); /bin/true \(marker); exit 7"])
        #expect(info.families.contains("proc") && info.families.contains("syscalls"))
        // The command's exec is recorded (it was held until the probes were attached), then
        // its two children's.
        let execs = try Rows(file, "process_exec")
        let execPids = (0..<execs.count).map { execs.int("pid", $0) }
        #expect(execPids.first == Int64(shPid), "\(execPids)")
        let forks = try Rows(file, "process_fork")
        let children = (0..<forks.count).filter { forks.int("pid", $0) == Int64(shPid) }.map { forks.int("child_pid", $0) }
        #expect(children.count == 2, "\(children)")
        let calls = try Rows(file, "syscall")
        let callers = Set((0..<calls.count).map { calls.int("pid", $0) })
        for c in children { #expect(callers.contains(c), "no syscall of child \(c) recorded: \(callers)") }
        #expect(callers.isSubset(of: Set([Int64(shPid)] + children)), "\(callers)")
        let exits = try Rows(file, "process_exit")
        let shExit = exits.rows(where: "pid", is: Int64(shPid))
        #expect(shExit.count == 1 && exits.int("exit_code", shExit[0]) == 7 << 8)
    }

    @Test func launcherReturns128PlusTheSignal() throws {
        let path = Harness.tempPath("launch-kill")
        defer { unlink(path) }
        let (status, err) = try recordToEnd(path, ["--families", "proc", "--", "/bin/sh", "-c", "kill -KILL $$"])
        #expect(status == 128 + 9, "\(err)")
        #expect(err.contains("killed by signal 9 (Killed)"), "\(err)")
        let file = try TraceFile(path: path)
        #expect(file.hasFooter)
        #expect(try file.metadata(named: MetadataName.recording, as: RecordingInfo.self)?.stopReason == "the command exited")
    }

    @Test func launcherStopsTheCommandAtTheDuration() throws {
        let path = Harness.tempPath("launch-d")
        defer { unlink(path) }
        let start = Date()
        let (status, err) = try recordToEnd(path, ["--families", "proc", "-d", "1", "--", "/bin/sleep", "30"])
        #expect(Date().timeIntervalSince(start) < 15, "\(err)")
        #expect(status == 128 + SIGTERM, "\(err)")
        #expect(err.contains("`/bin/sleep 30` killed by signal 15"), "\(err)")
        let info = try #require(try TraceFile(path: path).metadata(named: MetadataName.recording, as: RecordingInfo.self))
        #expect(info.stopReason == "the command exited after -d ended")
    }

    /// The bug of issue 16: `-p PID --families syscalls` recorded only the target's syscalls,
    /// none of its children's (the fork program that follows them is proc's). Children alive
    /// before the start are followed too (from /proc, after the probes are attached).
    @Test func pidFilterWithoutProcStillFollowsDescendants() throws {
        let target = spawn("/bin/sh", ["sh", "-c", "/bin/sleep 5 & /bin/sleep 3; /bin/true child-\(getpid()); wait; exit 0"])
        #expect(target.rc == 0)
        let path = Harness.tempPath("pid-noproc")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", "syscalls", "-p", String(target.pid), "--flush-interval", "200"])
        #expect(rec.waitReady())
        #expect(waitStatus(target.pid) == 0)
        usleep(300_000)
        let (st, err) = rec.stop()
        #expect(st == 0, "\(err)")
        let file = try TraceFile(path: path)
        let snapshot = try Rows(file, "process_snapshot")
        let before = Set((0..<snapshot.count).filter { snapshot.int("ppid", $0) == Int64(target.pid) }.map { snapshot.int("pid", $0) })
        #expect(before.count == 2, "the two sleeps were forked before the recording: \(before)")
        let forks = try Rows(file, "process_fork")
        let after = (0..<forks.count).filter { forks.int("pid", $0) == Int64(target.pid) }.map { forks.int("child_pid", $0) }
        #expect(after.count == 1, "/bin/true, forked while recording: \(after)")
        let calls = try Rows(file, "syscall")
        let callers = Set((0..<calls.count).map { calls.int("pid", $0) })
        for c in before.union(after) { #expect(callers.contains(c), "no syscall of child \(c): \(callers)") }
        #expect(callers.isSubset(of: before.union(after).union([Int64(target.pid)])), "\(callers)")
    }

    @Test func recordingUnderSudoGoesToTheSudoUser() throws {
        let path = Harness.tempPath("owner-sudo")
        defer { unlink(path) }
        let (status, err) = try recordToEnd(path, ["--families", "proc", "--", "/bin/true"], environment: ["SUDO_UID": "65534", "SUDO_GID": "65534"])
        #expect(status == 0, "\(err)")
        var st = stat()
        #expect(stat(path, &st) == 0)
        #expect(st.st_uid == 65534 && st.st_gid == 65534)
        #expect(st.st_mode & 0o777 == 0o600)
        let name = String(cString: getpwuid(65534).pointee.pw_name)
        #expect(err.contains("(mode 0600, owner \(name): the sudo user)"), "\(err)")
    }

    @Test func ownerOptionGivesTheFileAway() throws {
        let path = Harness.tempPath("owner-opt")
        defer { unlink(path) }
        let (status, err) = try recordToEnd(path, ["--families", "proc", "--owner", "65534:0", "--", "/bin/true"], environment: ["SUDO_UID": "1"])
        #expect(status == 0, "\(err)")
        var st = stat()
        #expect(stat(path, &st) == 0 && st.st_uid == 65534 && st.st_gid == 0 && st.st_mode & 0o777 == 0o600)
        #expect(err.contains(": --owner)"), "\(err)")
        // No SUDO_UID, no --owner: root's, and the line says so.
        let rootPath = Harness.tempPath("owner-root")
        defer { unlink(rootPath) }
        let r = try recordToEnd(rootPath, ["--families", "proc", "--", "/bin/true"], environment: ["SUDO_UID": ""])
        #expect(r.status == 0 && r.stderr.contains("(mode 0600, owner root)"), "\(r.stderr)")
        // An unknown user is refused before anything is recorded.
        let badPath = Harness.tempPath("owner-bad")
        defer { unlink(badPath) }
        let bad = try recordToEnd(badPath, ["--owner", "no-such-user-\(getpid())", "--", "/bin/true"])
        #expect(bad.status == 64 && bad.stderr.contains("--owner no-such-user-\(getpid()): no user 'no-such-user-\(getpid())' on this host"), "\(bad.stderr)")
    }

    @Test func maxSizeStopsCleanlyAtTheLimit() throws {
        let path = Harness.tempPath("maxsize")
        defer { unlink(path) }
        // A syscall storm far longer than 1 MiB of recording (about 2 M syscall rows).
        let (status, err) = try recordToEnd(path, ["--families", "syscalls", "--max-size", "1M", "--flush-interval", "100", "--",
                                              "/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=100000000"])
        #expect(status == 128 + SIGTERM, "dd was stopped with the recording: \(err)")
        #expect(err.contains("; stopped: --max-size 1.0 MiB reached"), "\(err)")
        var st = stat()
        #expect(stat(path, &st) == 0)
        #expect(st.st_size <= 1 << 20, "\(st.st_size) bytes")
        #expect(st.st_size > 1 << 19, "\(st.st_size) bytes: the limit should be nearly used")
        let file = try TraceFile(path: path)
        #expect(file.hasFooter && file.verify().isEmpty)
        let info = try #require(try file.metadata(named: MetadataName.recording, as: RecordingInfo.self))
        #expect(info.stopReason?.hasPrefix("--max-size 1.0 MiB reached") == true)
        #expect(file.rowCount(ofTable: "syscall") > 100_000)
    }
}

extension RecorderTests {
    /// On a terminal (a pty from script(1)) the live line is redrawn in place each second; in a
    /// pipe (every other test here) it is never written.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a pty"))
    func statusLineOnATerminalOnly() throws {
        let path = Harness.tempPath("status")
        defer { unlink(path) }
        let r = try runBinary("/usr/bin/script", ["-qfec", "\(Harness.binary!) record -o \(path) --families proc -d 2.5", "/dev/null"])
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout.contains("\r\u{1b}[Kbpfrec: 1.0 s, "), "\(r.stdout)")
        #expect(r.stdout.contains("\r\u{1b}[Kbpfrec: 2.0 s, "), "\(r.stdout)")
        // Erased before the end line.
        #expect(r.stdout.contains("\r\u{1b}[Kbpfrec: ") && r.stdout.contains(" events in "), "\(r.stdout)")
        let pipedPath = Harness.tempPath("status-pipe")
        defer { unlink(pipedPath) }
        let piped = try recordToEnd(pipedPath, ["--families", "proc", "-d", "1.5", "--status"])
        #expect(piped.status == 0 && !piped.stderr.contains("\u{1b}[K"), "\(piped.stderr)")
        #expect(piped.stderr.contains("--status: stderr is not a terminal"))
    }
}

@Test func statusLineText() {
    let line = StatusLine(seconds: 12.04, events: 1_234_567, eventsPerSecond: 102_345.4, bytes: 1_363_149, lost: 3, lostPerSecond: 0.4)
    #expect(line.text == "bpfrec: 12.0 s, 1234567 events (102345/s), 1.3 MiB (1.1 B/event), lost 3 (0/s)")
    #expect(StatusLine(seconds: 1, events: 0, eventsPerSecond: 0, bytes: 100, lost: 0, lostPerSecond: 0).text
        == "bpfrec: 1.0 s, 0 events (0/s), 100 bytes (- B/event), lost 0 (0/s)")
    // A ring counts what it dropped in the bytes (the cost per event) and says how much.
    #expect(StatusLine(seconds: 60, events: 40_000_000, eventsPerSecond: 700_000, bytes: 41_943_040, lost: 0, lostPerSecond: 0,
                       ringDroppedBytes: 25_165_824).text
        == "bpfrec: 60.0 s, 40000000 events (700000/s), 40.0 MiB (1.0 B/event), ring dropped 24.0 MiB, lost 0 (0/s)")
    #expect(StatusLine(seconds: 60, events: 40_000_000, eventsPerSecond: 700_000, bytes: 41_943_040, lost: 0, lostPerSecond: 0, files: 3).text
        == "bpfrec: 60.0 s, 40000000 events (700000/s), 40.0 MiB in 3 files (1.0 B/event), lost 0 (0/s)")
}

/// What needs the built bpfrec but no privilege.
@Suite(.enabled(if: Harness.binary != nil, "bpfrec binary not found next to the test bundle (swift build first)"))
struct RecorderCommandLineTests {
    @Test func version() throws {
        for flag in ["--version", "-V"] {
            let r = try runBinary(Harness.binary!, [flag])
            #expect(r.status == 0 && r.stderr.isEmpty)
            #expect(r.stdout == ToolkitVersion.line(program: "bpfrec") + "\n")
        }
    }

    @Test func anUnknownCommandIsRefusedBeforeRecording() throws {
        let path = Harness.tempPath("nocmd")
        let r = try runBinary(Harness.binary!, ["record", "-o", path, "--", "no-such-command-\(getpid())"])
        #expect(r.status == 127)
        #expect(r.stderr == "bpfrec: error: -- no-such-command-\(getpid()): command not found in PATH\n")
        #expect(access(path, F_OK) != 0)
    }

    @Test func badSizesAndFlagsNameThemselves() throws {
        let path = Harness.tempPath("badsize")
        let r = try runBinary(Harness.binary!, ["record", "-o", path, "--max-size", "12Q"])
        #expect(r.status == 64 && r.stderr == "bpfrec: error: --max-size 12Q: expected a size such as 500M, 2G or 1048576 (bytes)\n")
        let small = try runBinary(Harness.binary!, ["record", "-o", path, "--max-size", "4K"])
        #expect(small.status == 64 && small.stderr.contains("--max-size 4K: too small"))
        let a = try runBinary(Harness.binary!, ["record", "-o", path, "-a"])
        #expect(a.status != 0 && a.stderr.contains("-a: records every process while a command runs"))
        #expect(access(path, F_OK) != 0)
    }
}
