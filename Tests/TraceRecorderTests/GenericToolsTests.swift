import Foundation
import Glibc
import Testing
import TraceFormat
import TraceTestSupport

/// argdist and trace over a real `bpfrec record -e` recording: the workload's own events,
/// which it knows the count of, come back exactly.
extension RecorderTests {
    @Test(.enabled(if: builtBinary("bpfan") != nil, "needs the bpfan binary built next to the tests (swift build)"))
    func argdistAndTraceCountTheWorkloadsEvents() throws {
        if access("/sys/kernel/tracing/events/header_page", R_OK) != 0 { _ = mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nil) }
        let bpfan = try #require(builtBinary("bpfan"))
        let path = Harness.tempPath("generic-tools")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", "syscalls,proc", "--stack-events", "signal:signal_generate", "--stack", "kernel",
                                                          "-e", "syscalls:sys_enter_openat:filename=str", "--flush-interval", "200"])
        #expect(rec.waitReady())
        // A sleeping child gets 4 SIGCONT and a SIGKILL; this process opens a file of its own 3 times.
        let child = spawn("/bin/sleep", ["sleep", "30"])
        try #require(child.rc == 0)
        usleep(100_000)
        for _ in 0..<4 { kill(child.pid, SIGCONT) }
        let killer = String(decoding: try Data(contentsOf: URL(fileURLWithPath: "/proc/self/task/\(gettidNow())/comm")).prefix { $0 != 10 }, as: UTF8.self)
        kill(child.pid, SIGKILL)
        _ = waitStatus(child.pid)
        let file = "/tmp/bpfrec-generic-tools-\(getpid())"
        for _ in 0..<3 {
            let fd = open(file, O_CREAT | O_RDWR, 0o600)
            if fd >= 0 { close(fd) }
        }
        unlink(file)
        usleep(300_000)
        let (st, err) = rec.stop()
        #expect(st == 0, "\(err)")

        // One interval over the whole recording: signals to the child by number.
        let counts = try runBinary(bpfan, ["argdist", "-i", "3600", "-C", "t:signal:signal_generate():int:args->sig:args->pid == \(child.pid)#to child", path])
        #expect(counts.status == 0, "\(counts.stderr)")
        let rows = counts.stdout.split(separator: "\n").filter { $0.hasPrefix("\t") && !$0.contains("COUNT") }.map(String.init)
        #expect(rows == ["\t1          args->sig = \(SIGKILL)", "\t4          args->sig = \(SIGCONT)"], "\(counts.stdout)")

        // Each of the three opens, with its filename read at capture, by this process.
        let lines = try runBinary(bpfan, ["trace", "-p", "\(getpid())", "t:syscalls:sys_enter_openat (args->filename == \"\(file)\") \"%s\", args->filename", path])
        #expect(lines.status == 0, "\(lines.stderr)")
        let traced = lines.stdout.split(separator: "\n").dropFirst().map(String.init)
        #expect(traced.count == 3, "\(lines.stdout)")
        for l in traced {
            let f = l.split(separator: " ", omittingEmptySubsequences: true)
            #expect(f.first.map(String.init) == "\(getpid())" && f.count >= 5 && f[3] == "sys_enter_openat" && l.hasSuffix(" \(file)"), "\(l)")
        }
        // trace -K: each signal to the child with the kernel stack recorded at it (kill(2)'s path).
        let stacks = try runBinary(bpfan, ["trace", "-K", "t:signal:signal_generate (args->pid == \(child.pid)) \"%d\", args->sig", path])
        #expect(stacks.status == 0, "\(stacks.stderr)")
        let blocks = stacks.stdout.components(separatedBy: "\n\n").filter { $0.contains("signal_generate") }
        #expect(blocks.count == 5, "\(stacks.stdout)")
        for b in blocks { #expect(b.contains("        __x64_sys_kill+0x") && b.contains(" [kernel]\n"), "\(b)") }

        // The sender's comm comes from the process tables: the SIGKILL came from this thread,
        // whose name (a test runner thread's) is not the process's.
        let senders = try runBinary(bpfan, ["argdist", "-i", "3600", "-C", "t:signal:signal_generate():int,char*:args->sig,$COMM:args->pid == \(child.pid) && args->sig == \(SIGKILL)", path])
        #expect(senders.stdout.contains("\t1          args->sig = \(SIGKILL), $COMM = b'\(killer)'"), "\(senders.stdout)")
    }

    /// A sys_exit_X recorded generically with its sys_enter_X pairs by thread: argdist's
    /// `$entry()` reads the enter's arguments and `$latency` the span, for each of the
    /// workload's calls exactly.
    @Test(.enabled(if: builtBinary("bpfan") != nil, "needs the bpfan binary built next to the tests (swift build)"))
    func genericSyscallPairsServeEntryAndLatency() throws {
        if access("/sys/kernel/tracing/events/header_page", R_OK) != 0 { _ = mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nil) }
        let bpfan = try #require(builtBinary("bpfan"))
        let path = Harness.tempPath("generic-pairs")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", "none", "-e", "syscalls:sys_enter_pread64", "-e", "syscalls:sys_exit_pread64",
                                                          "--flush-interval", "200"])
        #expect(rec.waitReady())
        let fd = open("/proc/self/stat", O_RDONLY)
        try #require(fd >= 0)
        var buffer = [UInt8](repeating: 0, count: 512)
        var wall: Int64 = 0
        for size in [100, 100, 100, 200, 200, 200, 200] {
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = pread(fd, &buffer, size, 0)
            wall += Int64(DispatchTime.now().uptimeNanoseconds - t0)
        }
        close(fd)
        usleep(300_000)
        let (st, err) = rec.stop()
        #expect(st == 0, "\(err)")

        let sizes = try runBinary(bpfan, ["argdist", "-i", "3600", "-p", "\(getpid())", "-C", "t:syscalls:sys_exit_pread64():u64:$entry(count)", path])
        #expect(sizes.status == 0, "\(sizes.stderr)")
        let rows = sizes.stdout.split(separator: "\n").filter { $0.hasPrefix("\t") && !$0.contains("COUNT") }.map(String.init)
        #expect(rows == ["\t3          count = 100", "\t4          count = 200"], "\(sizes.stdout)")

        // Each call's latency is inside the wall time the workload measured around it.
        let spans = try runBinary(bpfan, ["argdist", "-i", "3600", "-p", "\(getpid())", "-C", "t:syscalls:sys_exit_pread64():u64:$latency:$entry(count) == 200", path])
        #expect(spans.status == 0, "\(spans.stderr)")
        let latencies = spans.stdout.split(separator: "\n").filter { $0.hasPrefix("\t") && !$0.contains("COUNT") }.compactMap { line -> (Int64, Int64)? in
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count == 4, let n = Int64(f[0].trimmingCharacters(in: .whitespaces)), let v = Int64(f[3]) else { return nil }
            return (n, v)
        }
        #expect(latencies.map(\.0).reduce(0, +) == 4, "\(spans.stdout)")
        #expect(latencies.allSatisfy { $0.1 > 0 } && latencies.map { $0.0 * $0.1 }.reduce(0, +) <= wall, "\(spans.stdout) wall \(wall)")
    }
}
