import Foundation
import Glibc
import Testing
import TraceTestSupport

/// The shipped capable.bt against live bpftrace 0.17 on one run. bpftrace's own capable.bt
/// cannot run here (its kprobe does not attach), so the live side is the tracepoint the
/// script's kprobe is served by, printing what the script prints: uid, pid, comm and the
/// capability of every check. The workload, under a comm of its own (a copy of chown), gives a
/// file to uid 65534 as root: CAP_CHOWN at least. Its process's lines are compared exactly, in
/// order: both read the same tracepoint in the checking task. They include the checks the exec
/// makes before the kernel renames the task (seen: one CAP_SYS_ADMIN under the spawning
/// thread's comm), which a comm taken at the execve's entry would have misnamed.
extension RecorderTests {
    @Test(.enabled(if: builtBinary("bpfan") != nil && access("/usr/bin/bpftrace", X_OK) == 0 && access("/usr/bin/chown", X_OK) == 0,
                   "needs bpftrace, chown and the bpfan binary built next to the tests"))
    func capableBtMatchesLiveBpftrace() throws {
        if access("/sys/kernel/tracing/events/header_page", R_OK) != 0 { _ = mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nil) }
        try #require(access("/sys/kernel/tracing/events/capability/cap_capable/format", R_OK) == 0, "this kernel has no capability:cap_capable tracepoint (6.13+)")
        let bpfan = try #require(builtBinary("bpfan"))
        let dir = Harness.tempPath("bt-capable")
        mkdir(dir, 0o755)
        defer { if ProcessInfo.processInfo.environment["BPFREC_KEEP"] == nil { _ = try? FileManager.default.removeItem(atPath: dir) } }
        let name = "btcap\(getpid() % 100000)"
        let chown = dir + "/" + name, file = dir + "/owned"
        try FileManager.default.copyItem(atPath: "/usr/bin/chown", toPath: chown)
        chmod(chown, 0o755)
        #expect(FileManager.default.createFile(atPath: file, contents: Data()))

        let program = #"tracepoint:capability:cap_capable { printf("%d %d %s %d\n", uid, pid, comm, args->cap); }"#
        let live = try Self.startLiveBpftrace(["capable": program], dir: dir)
        let path = dir + "/run.trc"
        let rec = try RecorderRun(path: path, arguments: ["--families", "proc", "-e", "capability:cap_capable", "--flush-interval", "200"])
        #expect(rec.waitReady())
        let child = spawn(chown, [chown, "65534", file])
        try #require(child.rc == 0)
        #expect(waitStatus(child.pid) == 0)
        Self.stopLive(live, rec)

        let offline = try runBinary(bpfan, ["capable.bt", path])
        #expect(offline.status == 0, "\(offline.stderr)")
        #expect(offline.stderr.contains("AUDIT column"), "the approximation is said: \(offline.stderr)")
        let lines = offline.stdout.split(separator: "\n").map(String.init)
        #expect(lines.prefix(3) == ["Attaching 3 probes...", "Tracing cap_capable syscalls... Hit Ctrl-C to end.",
                                    "TIME      UID    PID    COMM             CAP  NAME                 AUDIT"], "\(lines.prefix(3))")
        // "HH:MM:SS  UID PID COMM CAP NAME": the live program's four fields, and the name.
        let ours = lines.map { $0.split(separator: " ").map(String.init) }.filter { $0.count >= 6 && $0[2] == "\(child.pid)" }
        let theirs = live["capable"]!.output.split(separator: "\n").map(String.init).filter { $0.split(separator: " ").dropFirst().first == "\(child.pid)" }
        #expect(!theirs.isEmpty, "live bpftrace saw no check by \(name): \(live["capable"]!.output.suffix(2000))")
        #expect(ours.map { $0.dropFirst().prefix(4).joined(separator: " ") } == theirs, "bpfan capable.bt \(ours) / live \(theirs)")
        #expect(ours.contains { $0.count == 6 && $0[3] == name && $0[4] == "0" && $0[5] == "CAP_CHOWN" }, "no CAP_CHOWN check of \(name): \(ours)")
        #expect(ours.first?[3] != name, "no check before the exec's rename: \(ours.prefix(2))")
    }
}
