import Foundation
import Glibc
import Testing
import TraceTestSupport

/// naptime.bt against live bpftrace 0.17 on one run: bpftrace's own /usr/sbin/naptime.bt
/// (nanosleep only) and our shipped naptime.bt (nanosleep and clock_nanosleep) run live beside
/// `bpfrec record --families syscalls,proc`; then `bpfan bt /usr/sbin/naptime.bt` and
/// `bpfan naptime.bt` run over the recording. The workload, a python3 copy under a name of its
/// own spawned by this process, sleeps with nanosleep(2) (twice, and once with a zero request,
/// which both filter) and clock_nanosleep (relative, as glibc's sleep()), in its main thread, in a new thread and
/// in a forked child. Its lines must be the same: args->rqtp read live at sys_enter and copied
/// into the syscall_detail row by the recorder, and real_parent, which live is this test's
/// spawning thread (a thread of the test process, not its main one), the python main thread
/// for the forked child, and its creator's real_parent for the new thread. TIME is left out:
/// live bpftrace prints the wall clock when its reader gets the event, not the event's time.
extension RecorderTests {
    @Test(.enabled(if: builtBinary("bpfan") != nil && access("/usr/bin/bpftrace", X_OK) == 0 && access("/usr/bin/python3", X_OK) == 0
                   && access("/usr/sbin/naptime.bt", R_OK) == 0, "needs bpftrace and its naptime.bt, python3 and the bpfan binary built next to the tests"))
    func naptimeMatchesLiveBpftrace() throws {
        if access("/sys/kernel/tracing/events/header_page", R_OK) != 0 { _ = mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nil) }
        let bpfan = try #require(builtBinary("bpfan"))
        let dir = Harness.tempPath("bt-nap")
        mkdir(dir, 0o755)
        defer { if ProcessInfo.processInfo.environment["BPFREC_KEEP"] == nil { _ = try? FileManager.default.removeItem(atPath: dir) } }
        let name = "btnap\(getpid() % 100000)"
        let py = dir + "/" + name
        try FileManager.default.copyItem(atPath: URL(fileURLWithPath: "/usr/bin/python3").resolvingSymlinksInPath().path, toPath: py)
        chmod(py, 0o755)

        // Both scripts, with a BEGIN line that says their probes are attached.
        let stock = try String(contentsOfFile: "/usr/sbin/naptime.bt", encoding: .utf8)
        let ours = try runBinary(bpfan, ["naptime.bt", "--source"]).stdout
        var live: [String: SpawnedProcess] = [:]
        for (key, text) in [("stock", stock), ("ours", ours)] {
            let ready = text.replacingOccurrences(of: "BEGIN\n{\n", with: "BEGIN\n{\n\tprintf(\"ready\\n\");\n")
            try #require(ready != text, "\(key): no BEGIN block to mark")
            try ready.write(toFile: dir + "/\(key).bt", atomically: true, encoding: .utf8)
            live[key] = try SpawnedProcess(["/usr/bin/bpftrace", dir + "/\(key).bt"], out: dir + "/\(key).live", err: dir + "/\(key).err")
        }
        try Self.waitReady(live)
        let path = dir + "/run.trc"
        let rec = try RecorderRun(path: path, arguments: ["--families", "syscalls,proc", "--flush-interval", "200"])
        #expect(rec.waitReady())

        let script = """
        import ctypes, os, threading, time
        libc = ctypes.CDLL(None)
        class TS(ctypes.Structure):
            _fields_ = [("s", ctypes.c_long), ("n", ctypes.c_long)]
        for n in (3000000, 12345678, 0):
            libc.syscall(35, ctypes.byref(TS(0, n)), None)
        def nap(n):  # as glibc's sleep() and nanosleep() do (python's time.sleep sleeps to an absolute time)
            libc.clock_nanosleep(0, 0, ctypes.byref(TS(0, n)), None)
        nap(7100000)
        t = threading.Thread(target=nap, args=(4200000,))
        t.start()
        t.join()
        pid = os.fork()
        if pid == 0:
            nap(5300000)
            os._exit(0)
        os.waitpid(pid, 0)
        """
        // This thread's tid (/proc/thread-self is PID/task/TID; Glibc's gettid is not imported).
        let spawner = try #require(Int((try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")).split(separator: "/").last ?? ""))
        let child = spawn(py, [py, "-c", script])
        try #require(child.rc == 0)
        #expect(waitStatus(child.pid) == 0)
        Self.stopLive(live, rec)

        func lines(_ text: String) -> [String] {
            Self.workloadPart(text, name).map { String($0.dropFirst(9)) }
        }
        let offlineStock = try runBinary(bpfan, ["bt", "/usr/sbin/naptime.bt", path])
        let offlineOurs = try runBinary(bpfan, ["naptime.bt", path])
        for (key, offline) in [("stock", offlineStock), ("ours", offlineOurs)] {
            #expect(offline.status == 0, "\(key): \(offline.stderr)")
            #expect(!offline.stderr.contains("lost") && !offline.stderr.contains("never gave a parent"), "\(key): \(offline.stderr)")
            let l = lines(live[key]!.output), o = lines(offline.stdout)
            #expect(o == l, "\(key): live \(l) / bpfan \(o)")
            // The same banner and header, and bpftrace's exit.
            #expect(offline.stdout.hasPrefix(live[key]!.output.replacingOccurrences(of: "ready\n", with: "").prefix { $0 != "\n" } + "\n"), "\(key): \(offline.stdout.prefix(300))")
        }
        // What the workload did is there: nanosleep's two requests in both, and the three
        // clock_nanosleep ones (main thread, new thread, forked child, whose parent is python) in ours.
        let seconds = { (l: [String]) in l.map { String($0.split(separator: " ").last!) } }
        #expect(seconds(lines(live["stock"]!.output)) == ["0.003", "0.012"], "\(live["stock"]!.output)")
        #expect(seconds(lines(live["ours"]!.output)) == ["0.003", "0.012", "0.007", "0.004", "0.005"], "\(live["ours"]!.output)")
        let forked = try #require(lines(offlineOurs.stdout).last)
        #expect(forked.hasPrefix(String(format: "%-6d ", child.pid) + name.padding(toLength: 16, withPad: " ", startingAt: 0) + " "), "\(forked)")
        // The python process's real_parent is the thread that spawned it.
        #expect(lines(offlineOurs.stdout).first?.hasPrefix(String(format: "%-6d ", spawner)) == true, "\(spawner): \(offlineOurs.stdout)")
    }
}
