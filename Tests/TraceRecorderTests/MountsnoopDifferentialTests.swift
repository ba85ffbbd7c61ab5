import Foundation
import Glibc
import Testing
import TraceTestSupport

/// mountsnoop against the live libbpf-tools 0.26 mountsnoop (which reads the same syscalls'
/// tracepoints) on one run, default and -d. The workload, in a mount namespace of its own,
/// mounts a tmpfs with options on a directory of the test's, remounts it read-only, fails a
/// bind mount of a missing path, unmounts it and fails a second unmount. Its lines (those
/// naming the directory) must be identical but for -d's LAT: the live tool times the call
/// between its own sys_enter_mount and sys_exit_mount programs, bpfrec between its
/// raw_syscalls programs, whose span also holds the other tracers' programs on the call (the
/// live tools' string reads at exit), so that figure differs (seen: 52 and 72 µs live, 99 µs
/// recorded, for one mount) and is checked only to be present.
extension RecorderTests {
    @Test(.enabled(if: builtBinary("bpfan") != nil && access("/usr/sbin/mountsnoop", X_OK) == 0 && access("/usr/bin/stdbuf", X_OK) == 0
                   && access("/usr/bin/unshare", X_OK) == 0 && access("/usr/bin/mount", X_OK) == 0,
                   "needs libbpf-tools' mountsnoop, stdbuf, unshare, mount and the bpfan binary built next to the tests"))
    func mountsnoopMatchesTheLiveTool() throws {
        if access("/sys/kernel/tracing/events/header_page", R_OK) != 0 { _ = mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nil) }
        let bpfan = try #require(builtBinary("bpfan"))
        let dir = Harness.tempPath("mountsnoop")
        mkdir(dir, 0o755)
        defer { if ProcessInfo.processInfo.environment["BPFREC_KEEP"] == nil { _ = try? FileManager.default.removeItem(atPath: dir) } }
        let target = dir + "/mnt", tag = "bpfrec-test-\(getpid())"
        mkdir(target, 0o755)

        var live: [String: SpawnedProcess] = [:]
        for (key, flags) in [("default", [String]()), ("detailed", ["-d"])] {
            live[key] = try SpawnedProcess(["/usr/bin/stdbuf", "-oL", "/usr/sbin/mountsnoop"] + flags, out: dir + "/\(key).live", err: dir + "/\(key).err")
        }
        // Default mode prints its header once attached; -d prints none, so it gets the same wait
        // and a second for its attach, which comes as quickly.
        let deadline = Date().addingTimeInterval(60)
        while !live["default"]!.output.contains("MNT_NS") && live["default"]!.isRunning && Date() < deadline { usleep(100_000) }
        try #require(live["default"]!.output.contains("MNT_NS"), "mountsnoop did not attach: \(live["default"]!.errors)")
        sleep(1)
        try #require(live["detailed"]!.isRunning, "mountsnoop -d: \(live["detailed"]!.errors)")

        let path = dir + "/run.trc"
        let rec = try RecorderRun(path: path, arguments: ["--families", "proc,syscalls", "--flush-interval", "200"])
        #expect(rec.waitReady())
        let workload = """
        mount -t tmpfs -o size=1m,mode=0755,nr_inodes=64 \(tag) \(target) || exit 1
        mount -o remount,ro,noexec \(target) || exit 1
        mount --bind \(dir)/missing \(target) 2>/dev/null
        umount \(target) || exit 1
        umount \(target) 2>/dev/null; exit 0
        """
        let run = try runBinary("/usr/bin/unshare", ["-m", "--propagation", "private", "sh", "-c", workload])
        #expect(run.status == 0, "\(run.stderr)")
        Self.stopLive(live, rec)

        let offline = try runBinary(bpfan, ["mountsnoop", path]), offlineDetailed = try runBinary(bpfan, ["mountsnoop", "-d", path])
        #expect(offline.status == 0 && offlineDetailed.status == 0, "\(offline.stderr) \(offlineDetailed.stderr)")
        func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init).filter { $0.contains(target) } }
        let ours = lines(offline.stdout), theirs = lines(live["default"]!.output)
        #expect(ours == theirs, "bpfan:\n\(ours.joined(separator: "\n"))\nlive:\n\(theirs.joined(separator: "\n"))")
        // The workload's facts: its five calls, in order, with their results.
        #expect(ours.count == 5, "\(ours)")
        #expect(ours.first?.hasSuffix("mount(\"\(tag)\", \"\(target)\", \"tmpfs\", 0x0, \"size=1m,mode=0755,nr_inodes=64\") = 0") == true, "\(ours)")
        #expect(ours.last?.hasSuffix("umount(\"\(target)\", 0x0) = -EINVAL") == true, "\(ours)")
        #expect(ours.contains { $0.hasSuffix(") = -ENOENT") }, "the failed bind mount: \(ours)")

        // -d: each call's block of field lines, LAT set aside (see above).
        func blocks(_ text: String) -> [String] {
            text.components(separatedBy: "\n\n").filter { $0.contains("TARGET: \(target)\n") }
                .map { $0.split(separator: "\n").filter { !$0.hasPrefix("LAT:") }.joined(separator: "\n") }
        }
        let ourBlocks = blocks(offlineDetailed.stdout), theirBlocks = blocks(live["detailed"]!.output)
        #expect(ourBlocks == theirBlocks && ourBlocks.count == 5, "bpfan -d:\n\(ourBlocks.joined(separator: "\n--\n"))\nlive -d:\n\(theirBlocks.joined(separator: "\n--\n"))")
        #expect(offlineDetailed.stdout.components(separatedBy: "\nLAT:    ").count == offlineDetailed.stdout.components(separatedBy: "\nOP:     ").count)
    }
}
