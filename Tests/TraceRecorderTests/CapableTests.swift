import Foundation
import Glibc
import Testing
import TraceTestSupport

/// capable against live bpftrace 0.17 on one run. The live libbpf-tools capable cannot run
/// here (its kprobe and kretprobe on cap_capable do not attach), so the live side is the
/// tracepoint bpfan's capable reads, printing what capable prints of each check but AUDIT:
/// uid, pid, tid, comm, cap and the result. The workload, a python3 copy under a name of its own,
/// waits on a FIFO until both are attached, then, as root, reads /proc/PID/stat of a process
/// of uid 65534 (ptrace_may_access in NOAUDIT mode: CAP_SYS_PTRACE through ns_capable_noaudit),
/// lists its /proc/PID/fd (CAP_DAC_READ_SEARCH, audited) and gives a file to uid 65534
/// (CAP_CHOWN, audited). Every check's line must be the live one, in order; the AUDIT column,
/// which the tracepoint lacks, must be what the kernel passes for those three callers.
extension RecorderTests {
    @Test(.enabled(if: builtBinary("bpfan") != nil && access("/usr/bin/bpftrace", X_OK) == 0 && access("/usr/bin/setpriv", X_OK) == 0,
                   "needs bpftrace, setpriv and the bpfan binary built next to the tests"))
    func capableMatchesLiveBpftrace() throws {
        if access("/sys/kernel/tracing/events/header_page", R_OK) != 0 { _ = mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nil) }
        try #require(access("/sys/kernel/tracing/events/capability/cap_capable/format", R_OK) == 0, "this kernel has no capability:cap_capable tracepoint (6.13+)")
        let bpfan = try #require(builtBinary("bpfan"))
        let dir = Harness.tempPath("capable")
        mkdir(dir, 0o755)
        defer { if ProcessInfo.processInfo.environment["BPFREC_KEEP"] == nil { _ = try? FileManager.default.removeItem(atPath: dir) } }
        let other = try SpawnedProcess(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sleep", "30"], out: "/dev/null", err: dir + "/sleep.err")
        defer { kill(other.pid, SIGKILL); _ = other.wait(timeout: 5) }
        let name = "cap\(getpid() % 100000)"
        let python = dir + "/" + name, file = dir + "/owned", go = dir + "/go"
        try FileManager.default.copyItem(atPath: URL(fileURLWithPath: "/usr/bin/python3").resolvingSymlinksInPath().path, toPath: python)
        chmod(python, 0o755)
        #expect(FileManager.default.createFile(atPath: file, contents: Data()))
        mkfifo(go, 0o600)
        usleep(200_000)  // setpriv has exec'd sleep
        let script = "import os; open('\(go)').read(); open('/proc/\(other.pid)/stat').read(); os.listdir('/proc/\(other.pid)/fd'); os.chown('\(file)', 65534, -1)"
        let workload = try SpawnedProcess([python, "-c", script], out: "/dev/null", err: dir + "/workload.err")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, !(readWhole("/proc/\(workload.pid)/syscall")?.hasPrefix("257 ") ?? false) { usleep(10_000) }

        let program = #"tracepoint:capability:cap_capable /pid == "# + "\(workload.pid)" + #"/ { printf("%d %d %d %s %d %s\n", uid, pid, tid, comm, args->cap, args->ret == 0 ? "allow" : "deny"); }"#
        let live = try Self.startLiveBpftrace(["capable": program], dir: dir)
        let path = dir + "/run.trc"
        let rec = try RecorderRun(path: path, arguments: ["--families", "proc", "-p", "\(workload.pid)", "--stack-events", "capability:cap_capable", "--stack", "kernel", "--flush-interval", "200"])
        #expect(rec.waitReady())
        let fd = open(go, O_WRONLY)
        _ = write(fd, "go\n", 3)
        close(fd)
        #expect(workload.wait(timeout: 30) == 0, "\(workload.errors)")
        Self.stopLive(live, rec)

        let offline = try runBinary(bpfan, ["capable", "-x", path])
        #expect(offline.status == 0, "\(offline.stderr)")
        #expect(offline.stderr.contains("read from the function that called the check"), "the inference is said: \(offline.stderr)")
        let lines = offline.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "TIME     UID   PID     TID     COMM             CAP     NAME                 AUDIT   VERDICT INSETID", "\(lines.first ?? "")")
        // "TIME UID PID TID COMM CAP NAME AUDIT VERDICT INSETID"
        let ours = lines.dropFirst().map { $0.split(separator: " ").map(String.init) }.filter { $0.count == 10 && $0[2] == "\(workload.pid)" }
        let theirs = live["capable"]!.output.split(separator: "\n").map(String.init).filter { $0.split(separator: " ").dropFirst().first == "\(workload.pid)" }
        #expect(theirs.count >= 3, "live bpftrace saw too few checks: \(live["capable"]!.output.suffix(2000))")
        #expect(ours.map { ([$0[1], $0[2], $0[3], $0[4], $0[5], $0[8]]).joined(separator: " ") } == theirs, "bpfan capable \(ours) / live \(theirs)")
        func audit(of cap: String) -> [String] { ours.filter { $0[6] == cap && $0[4] == name }.map { $0[7] } }
        #expect(audit(of: "CAP_SYS_PTRACE") == ["0"], "\(ours)")
        #expect(audit(of: "CAP_DAC_READ_SEARCH").first == "1", "\(ours)")
        #expect(audit(of: "CAP_CHOWN") == ["1"], "\(ours)")
        #expect(ours.allSatisfy { $0[9] == "0" }, "no setid caller: \(ours)")

        // -K: after each check, every stack seen so far, each starting at cap_capable's caller.
        let stacks = try runBinary(bpfan, ["capable", "-K", "-p", "\(workload.pid)", path])
        #expect(stacks.status == 0 && stacks.stdout.contains("    capable_wrt_inode_uidgid\n    setattr_prepare\n") && !stacks.stdout.contains("    cap_capable\n")
                && stacks.stdout.contains("    -                \(name) (\(workload.pid))\n"), "\(stacks.stdout.suffix(3000))")
    }
}
