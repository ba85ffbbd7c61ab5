import Foundation
import Glibc
import Testing
import TraceTestSupport

/// oomkill over a real OOM kill: a memory cgroup limited to 32 MiB (v1 or v2, whichever the
/// host mounts), a dd of one 256 MiB block in it, killed by the kernel's OOM killer while
/// bpfrec records -e oom:mark_victim. bpfan oomkill must print that one kill: dd, triggered
/// by itself (its allocation), with the host's RAM + swap pages and a loadavg line; and the
/// shipped oomkill.bt (bpftrace 0.17's program, its kprobe and struct fields served by the
/// tracepoint) must print the same line, after its own banner.
extension RecorderTests {
    /// The cgroup's task file, once made and limited; nil (with the reason) where no memory
    /// controller is mounted.
    static func memoryCgroup(_ name: String) -> (dir: String, tasks: String)? {
        let v1 = "/sys/fs/cgroup/memory"
        if access(v1 + "/memory.limit_in_bytes", R_OK) == 0 {
            let dir = v1 + "/" + name
            mkdir(dir, 0o755)
            guard (try? "33554432".write(toFile: dir + "/memory.limit_in_bytes", atomically: false, encoding: .utf8)) != nil else { return nil }
            return (dir, dir + "/tasks")
        }
        let v2 = "/sys/fs/cgroup"
        guard let controllers = try? String(contentsOfFile: v2 + "/cgroup.controllers", encoding: .utf8), controllers.contains("memory") else { return nil }
        try? "+memory".write(toFile: v2 + "/cgroup.subtree_control", atomically: false, encoding: .utf8)
        let dir = v2 + "/" + name
        mkdir(dir, 0o755)
        guard (try? "33554432".write(toFile: dir + "/memory.max", atomically: false, encoding: .utf8)) != nil else { return nil }
        try? "0".write(toFile: dir + "/memory.swap.max", atomically: false, encoding: .utf8)
        return (dir, dir + "/cgroup.procs")
    }

    static var memoryControllerMounted: Bool {
        access("/sys/fs/cgroup/memory/memory.limit_in_bytes", R_OK) == 0
            || ((try? String(contentsOfFile: "/sys/fs/cgroup/cgroup.controllers", encoding: .utf8))?.contains("memory") ?? false)
    }

    @Test(.enabled(if: memoryControllerMounted, "needs a memory cgroup controller (v1 or v2) to contain the OOM kill"))
    func oomkillPrintsTheKernelsKill() throws {
        let bpfan = try #require(Harness.builtBinary("bpfan"), "bpfan not built")
        let name = "bpfrec-test-oom-\(getpid())"
        let cgroup = try #require(Self.memoryCgroup(name), "could not make a memory cgroup limited to 32 MiB")
        defer { rmdir(cgroup.dir) }
        let path = Harness.tempPath("oomkill")
        let rec = try RecorderRun(path: path, arguments: ["--families", "proc", "-e", "oom:mark_victim"])
        defer { rec.remove() }
        try #require(rec.waitReady())
        // The shell joins the cgroup, then becomes dd, whose 256 MiB buffer the cgroup cannot hold.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        child.arguments = ["-c", "echo $$ > \(cgroup.tasks) && exec dd if=/dev/zero of=/dev/null bs=256M count=1 status=none"]
        try child.run()
        child.waitUntilExit()
        let victim = child.processIdentifier
        usleep(1_200_000)  // a load_average read after the kill
        let stopped = rec.stop()
        try #require(stopped.status == 0, "\(stopped.stderr)")
        #expect(child.terminationReason == .uncaughtSignal && child.terminationStatus == SIGKILL, "dd ended with \(child.terminationStatus), not killed")

        let meminfo = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
        func kib(_ key: String) -> Int64 {
            meminfo.split(separator: "\n").first { $0.hasPrefix(key + ":") }.flatMap { Int64($0.split(separator: " ")[1]) } ?? -1
        }
        let pages = (kib("MemTotal") + kib("SwapTotal")) * 1024 / Int64(sysconf(Int32(_SC_PAGESIZE)))
        let out = try runBinary(bpfan, ["oomkill", path])
        #expect(out.status == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "Tracing OOM kills... Ctrl-C to stop.")
        let kills = lines.filter { $0.contains("OOM kill of PID \(victim) (\"dd\")") }
        #expect(kills.count == 1, "\(out.stdout)")
        if let k = kills.first {
            #expect(k.contains(" Triggered by PID \(victim) (\"dd\"), OOM kill of PID \(victim) (\"dd\"), \(pages) pages, loadavg: "), "\(k)")
            #expect(k.range(of: #"loadavg: \d+\.\d\d \d+\.\d\d \d+\.\d\d \d+/\d+ \d+$"#, options: .regularExpression) != nil, "\(k)")
        }
        let script = try runBinary(bpfan, ["oomkill.bt", path])
        #expect(script.status == 0, "\(script.stderr)")
        let scriptLines = script.stdout.split(separator: "\n").map(String.init)
        #expect(scriptLines.prefix(2) == ["Attaching 2 probes...", "Tracing oom_kill_process()... Hit Ctrl-C to end."], "\(script.stdout)")
        #expect(scriptLines.filter { $0.contains("OOM kill of PID") } == lines.filter { $0.contains("OOM kill of PID") }, "oomkill.bt:\n\(script.stdout)\noomkill:\n\(out.stdout)")
    }
}
