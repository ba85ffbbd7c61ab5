import Foundation
import Glibc
import Testing
import TraceTestSupport

/// `bpfan bt` against live bpftrace 0.17 on one run: the same program, given this process's
/// pid as $1, runs live beside `bpfrec record -e` and then over the recording; the map
/// entries of this process's own signals and opens must be the same lines. Both read every
/// hit of the same classic tracepoints in syscall context, and neither lost any (checked),
/// so no tolerance applies: the comparison is exact.
extension RecorderTests {
    @Test(.enabled(if: builtBinary("bpfan") != nil && access("/usr/bin/bpftrace", X_OK) == 0, "needs bpftrace and the bpfan binary built next to the tests"))
    func btMatchesLiveBpftraceOnOneRun() throws {
        if access("/sys/kernel/tracing/events/header_page", R_OK) != 0 { _ = mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nil) }
        let bpfan = try #require(builtBinary("bpfan"))
        let dir = Harness.tempPath("bt-diff")
        mkdir(dir, 0o755)
        defer { _ = try? FileManager.default.removeItem(atPath: dir) }
        let marker = dir + "/marker", file = dir + "/opened"
        let program = """
        t:signal:signal_generate /pid == $1/ { @sig[args->sig, args->pid] = count(); }
        t:signal:signal_generate /pid == $1 && args->sig == 18/ { @ks[kstack] = count(); }
        t:syscalls:sys_enter_openat /pid == $1/ {
          @open[str(args->filename)] = count();
          if (str(args->filename) == "\(marker)") { printf("ready\\n"); }
        }
        """
        let path = dir + "/run.trc"
        let rec = try RecorderRun(path: path, arguments: ["--families", "syscalls,proc", "-e", "signal:signal_generate",
                                                          "--stack-events", "signal:signal_generate", "--stack", "kernel",
                                                          "-e", "syscalls:sys_enter_openat:filename=str", "--flush-interval", "200"])
        #expect(rec.waitReady())
        let live = try SpawnedProcess(["/usr/bin/bpftrace", "-e", program, "\(getpid())"], out: dir + "/live", err: dir + "/live.err")
        // Open the marker until bpftrace has printed that it saw it: its probes are attached.
        let deadline = Date().addingTimeInterval(60)
        while !live.output.contains("ready\n") && Date() < deadline && live.isRunning {
            let fd = open(marker, O_CREAT | O_RDWR, 0o600)
            if fd >= 0 { close(fd) }
            usleep(50_000)
        }
        try #require(live.output.contains("ready\n"), "bpftrace did not attach: \(live.errors)")

        let child = spawn("/bin/sleep", ["sleep", "30"])
        try #require(child.rc == 0)
        for _ in 0..<3 { kill(child.pid, SIGCONT) }
        kill(child.pid, SIGKILL)
        _ = waitStatus(child.pid)
        for _ in 0..<4 {
            let fd = open(file, O_CREAT | O_RDWR, 0o600)
            if fd >= 0 { close(fd) }
        }
        usleep(300_000)
        #expect(live.interrupt() == 0, "\(live.errors)")
        let (st, err) = rec.stop()
        #expect(st == 0, "\(err)")

        let offline = try runBinary(bpfan, ["bt", "-e", program, path, "\(getpid())"])
        #expect(offline.status == 0, "\(offline.stderr)")
        #expect(!offline.stderr.contains("lost"), "\(offline.stderr)")
        func mine(_ text: String) -> [String] {
            text.split(separator: "\n").map(String.init).filter { $0.contains(", \(child.pid)]") || $0.contains("[\(file)]") }
        }
        let expected = ["@open[\(file)]: 4", "@sig[9, \(child.pid)]: 1", "@sig[18, \(child.pid)]: 3"].sorted()
        #expect(mine(live.output).sorted() == expected, "live: \(live.output)")
        #expect(mine(offline.stdout).sorted() == expected, "bpfan bt: \(offline.stdout)")
        // The whole output has bpftrace's shape: the banner, the marker lines, the maps.
        #expect(offline.stdout.hasPrefix("Attaching 3 probes...\n"))
        #expect(live.output.hasPrefix("Attaching 3 probes...\n"))
        // kstack: the stack the recorder took at each SIGCONT, symbolized as bpftrace prints
        // it live (both are classic tracepoint programs: the same frames, from
        // __traceiter_signal_generate down to the syscall entry).
        func stacks(_ text: String) -> String? {
            guard let a = text.range(of: "@ks[\n"), let b = text.range(of: "]: 3\n", range: a.upperBound..<text.endIndex) else { return nil }
            return String(text[a.lowerBound..<b.upperBound])
        }
        let liveStack = try #require(stacks(live.output), "live: \(live.output)")
        #expect(liveStack.contains("    __x64_sys_kill+"))
        #expect(stacks(offline.stdout) == liveStack, "bpfan bt: \(offline.stdout)")
    }
}
