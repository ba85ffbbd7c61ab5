import Foundation
import Glibc
import Testing
import TraceTestSupport

/// slabratetop against live bpftrace 0.17 on one run. The live libbpf-tools slabratetop cannot
/// run here (its kprobe on kmem_cache_alloc does not attach), so the live side counts the
/// tracepoint bpfan's slabratetop reads: allocations and bytes_alloc by cache name, for the
/// workload's process. The workload, a copy of bash under a name of its own, waits on a FIFO
/// until both tracers are attached, then opens a file 300 times (a filp, its LSM blob and a
/// names_cache buffer each) and exits. Both read the same tracepoint in the allocating task,
/// so every cache's count and bytes must be equal, not near.
extension RecorderTests {
    @Test(.enabled(if: builtBinary("bpfan") != nil && access("/usr/bin/bpftrace", X_OK) == 0,
                   "needs bpftrace and the bpfan binary built next to the tests"))
    func slabratetopMatchesLiveBpftrace() throws {
        if access("/sys/kernel/tracing/events/header_page", R_OK) != 0 { _ = mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nil) }
        let bpfan = try #require(builtBinary("bpfan"))
        let dir = Harness.tempPath("slabratetop")
        mkdir(dir, 0o755)
        defer { if ProcessInfo.processInfo.environment["BPFREC_KEEP"] == nil { _ = try? FileManager.default.removeItem(atPath: dir) } }
        let bash = dir + "/slab\(getpid() % 100000)"
        try FileManager.default.copyItem(atPath: "/bin/bash", toPath: bash)
        chmod(bash, 0o755)
        let go = dir + "/go"
        mkfifo(go, 0o600)
        let script = "read x < \(go); for ((i = 0; i < 300; i++)); do : < /etc/hostname; done"
        let workload = try SpawnedProcess([bash, "-c", script], out: "/dev/null", err: dir + "/workload.err")
        let deadline = Date().addingTimeInterval(10)
        // Blocked in the FIFO's openat (257) until the test opens it for writing.
        while Date() < deadline, !(readWhole("/proc/\(workload.pid)/syscall")?.hasPrefix("257 ") ?? false) { usleep(10_000) }

        let program = "tracepoint:kmem:kmem_cache_alloc /pid == \(workload.pid)/ { @c[str(args->name)] = count(); @b[str(args->name)] = sum(args->bytes_alloc); }"
        let live = try Self.startLiveBpftrace(["slab": program], dir: dir)
        let path = dir + "/run.trc"
        let rec = try RecorderRun(path: path, arguments: ["--families", "proc", "-e", "kmem:kmem_cache_alloc", "--flush-interval", "200"])
        #expect(rec.waitReady())
        let fd = open(go, O_WRONLY)
        _ = write(fd, "go\n", 3)
        close(fd)
        #expect(workload.wait(timeout: 30) == 0, "\(workload.errors)")
        Self.stopLive(live, rec)

        // One report over the whole recording, every cache.
        let offline = try runBinary(bpfan, ["slabratetop", "-C", "-r", "10240", "-p", "\(workload.pid)", path, "100000"])
        #expect(offline.status == 0, "\(offline.stderr)")
        let lines = offline.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count > 3 && lines[0].contains(" loadavg: ") && lines[1].isEmpty && lines[2] == "CACHE                            ALLOCS      BYTES", "\(lines.prefix(3))")
        var ours: [String: (count: Int, bytes: Int)] = [:]
        for line in lines.dropFirst(3) where !line.isEmpty {
            let f = line.split(separator: " ")
            try #require(f.count == 3, "\(line)")
            ours[String(f[0])] = (Int(f[1])!, Int(f[2])!)
        }
        // bpftrace prints `@c[names_cache]: 300` and `@b[names_cache]: 1228800`.
        var theirs: [String: (count: Int, bytes: Int)] = [:]
        for line in live["slab"]!.output.split(separator: "\n") where line.hasPrefix("@") {
            guard let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]"), let value = Int(line[line.index(close, offsetBy: 3)...]) else { continue }
            let name = String(line[line.index(after: open)..<close])
            var v = theirs[name] ?? (0, 0)
            if line.hasPrefix("@c[") { v.count = value } else { v.bytes = value }
            theirs[name] = v
        }
        #expect((theirs["filp"]?.count ?? 0) >= 300, "live bpftrace saw no file opens: \(live["slab"]!.output.suffix(2000))")
        #expect(ours.keys.sorted() == theirs.keys.sorted(), "caches: bpfan \(ours.keys.sorted()) / live \(theirs.keys.sorted())")
        for (name, v) in theirs {
            #expect(ours[name]?.count == v.count && ours[name]?.bytes == v.bytes, "\(name): bpfan \(String(describing: ours[name])) / live \(v)")
        }
        // The rows are sorted by bytes, as the live tool's default.
        let sizes = lines.dropFirst(3).filter { !$0.isEmpty }.map { Int($0.split(separator: " ")[2])! }
        #expect(sizes == sizes.sorted(by: >), "\(sizes)")
    }
}
