import Foundation
import Glibc
import Testing
import TraceFormat
import TraceTestSupport

/// `bpfrec record -e`: any tracepoint, recorded generically into a table named after it, with
/// its format's fields as columns (dynamic strings included), and refused clearly when asked
/// for something the kernel does not have.
extension RecorderTests {
    /// tracefs, which -e reads the formats from; a fresh boot leaves it unmounted.
    func mountTracefs() {
        if access("/sys/kernel/tracing/events/header_page", R_OK) != 0 {
            _ = mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nil)
        }
    }

    @Test func genericTracepointsRecordTheirFields() throws {
        mountTracefs()
        let path = Harness.tempPath("generic")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", "none", "-e", "signal:signal_gen*", "-e", "sched:sched_process_exec",
                                                          "--flush-interval", "200"])
        #expect(rec.waitReady())
        // A child that sleeps gets five SIGCONT (harmless to a running process), then SIGKILL;
        // then an exec of /bin/true.
        let child = spawn("/bin/sleep", ["sleep", "30"])
        try #require(child.rc == 0)
        usleep(100_000)
        for _ in 0..<5 { kill(child.pid, SIGCONT) }
        kill(child.pid, SIGKILL)
        _ = waitStatus(child.pid)
        let t = spawn("/bin/true", ["true"])
        _ = waitStatus(t.pid)
        usleep(300_000)
        let (st, err) = rec.stop()
        #expect(st == 0, "\(err)")

        let file = try TraceFile(path: path)
        let signals = try Rows(file, "signal:signal_generate")
        // The target's pid is the format's `pid` field, stored as arg_pid (pid is the sender's).
        let toChild = signals.rows(where: "arg_pid", is: Int64(child.pid))
        #expect(toChild.map { signals.int("sig", $0) } == Array(repeating: Int64(SIGCONT), count: 5) + [Int64(SIGKILL)])
        for r in toChild {
            #expect(signals.string("comm", r) == "sleep")
            #expect(signals.int("pid", r) == Int64(getpid()))
            #expect(signals.int("entry_cut", r) == 0)
        }
        // SIGCHLD when the child died, sent in the dying child's context to its parent: the
        // thread that spawned it (signal_generate's pid is the target task's, a thread id).
        let me = Int64(gettidNow())
        let chld = signals.rows(where: "arg_pid", is: me).filter { signals.int("sig", $0) == Int64(SIGCHLD) }
        #expect(chld.contains { signals.int("pid", $0) == Int64(child.pid) }, "\(signals.rows(where: "arg_pid", is: me).map { (signals.int("sig", $0), signals.int("pid", $0)) }) child \(child.pid)")
        // __data_loc char[] filename, read from the entry's dynamic part.
        let execs = try Rows(file, "sched:sched_process_exec")
        let mine = execs.rows(where: "arg_pid", is: Int64(t.pid))
        #expect(mine.count == 1)
        if let r = mine.first {
            #expect(execs.string("filename", r) == "/bin/true")
            #expect(execs.int("tid", r) == Int64(t.pid))
        }
        // The format texts travel with the recording.
        let formats = try #require(try file.metadata(named: MetadataName.tracepointFormats, as: [String: String].self))
        #expect(formats.keys.sorted() == ["sched:sched_process_exec", "signal:signal_generate"])
        #expect(formats["signal:signal_generate"]?.contains("field:int sig;") == true)
    }

    @Test(arguments: [
        (["-e", "irq:no_such_event"], "-e irq:no_such_event: no such tracepoint on this kernel"),
        (["-e", "nosuch*:*"], "-e nosuch*:*: matches no tracepoint of this kernel"),
        (["-e", "irq"], "-e irq: expected SUBSYS:EVENT"),
        (["-e", "syscalls:sys_enter_openat:filename=int"], "the only field option is FIELD=str"),
        (["-e", "syscalls:sys_enter_openat:flags=str"], "'flags' is int, not a pointer"),
        (["-e", "syscalls:sys_enter_openat:nope=str"], "no field 'nope'"),
        (["--families", "tracepoints"], "--families: tracepoints records the tracepoints named by -e"),
        (["--families", "none"], "nothing to record"),
    ])
    func genericCaptureRefusesClearly(arguments: [String], message: String) throws {
        mountTracefs()
        let path = Harness.tempPath("generic-bad")
        unlink(path)
        let r = try runBinary(Harness.binary!, ["record", "-o", path, "-d", "1"] + arguments)
        #expect(r.status != 0)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(access(path, F_OK) != 0, "a refused recording leaves no file")
    }
}

extension RecorderTests {
    /// A generic event's lost records are counted under its own name: recorded + lost covers
    /// every call of a known syscall storm into a 1 MiB ring left undrained.
    @Test func genericOverflowIsCountedPerEvent() throws {
        mountTracefs()
        let path = Harness.tempPath("generic-overflow")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", "none", "-e", "syscalls:sys_enter_getppid", "--ring-size", "1", "--debug-stall-drain", "1500"])
        #expect(rec.waitReady())
        let calls = 100_000
        for _ in 0..<calls { _ = getppid() }
        usleep(1_700_000)
        let (status, err) = rec.stop()
        #expect(status == 0, "\(err)")
        let file = try TraceFile(path: path)
        let lost = try Rows(file, "lost_events")
        var total: Int64 = 0
        for r in 0..<lost.count {
            #expect(lost.string("family", r) == "syscalls:sys_enter_getppid")
            #expect(lost.string("reason", r) == "ringbuf_full")
            total += lost.int("lost", r)
        }
        let rows = try Rows(file, "syscalls:sys_enter_getppid")
        let mine = rows.rows(where: "tid", is: Int64(gettidNow())).count
        #expect(total > 0 && mine < calls)
        #expect(Int64(mine) + total >= Int64(calls), "recorded \(mine) + lost \(total) < \(calls)")
    }
}

extension RecorderTests {
    /// `-e EVENT:field=str` reads the string a pointer field points to, at the event: a user
    /// path of an openat, into filename_str beside the pointer itself.
    @Test func pointerFieldsReadAsStrings() throws {
        mountTracefs()
        let path = Harness.tempPath("generic-str")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", "none", "-e", "syscalls:sys_enter_openat:filename=str", "--flush-interval", "200"])
        #expect(rec.waitReady())
        let marker = "/nonexistent-generic-str-\(getpid())/" + String(repeating: "p", count: 300)
        _ = open(marker, O_RDONLY)
        usleep(300_000)
        let (st, err) = rec.stop()
        #expect(st == 0, "\(err)")
        let rows = try Rows(try TraceFile(path: path), "syscalls:sys_enter_openat")
        let mine = rows.rows(where: "tid", is: Int64(gettidNow())).filter { rows.string("filename_str", $0).hasPrefix("/nonexistent-generic-str-") }
        try #require(mine.count == 1)
        // 255 bytes and the NUL: the stated cap.
        #expect(rows.string("filename_str", mine[0]) == String(marker.utf8.prefix(255))!)
        #expect(rows.int("filename", mine[0]) != 0)
    }
}
