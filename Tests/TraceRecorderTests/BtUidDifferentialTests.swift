import Foundation
import Glibc
import Testing
import TraceTestSupport

/// `uid` in `bpfan bt` (the UidTimeline) against live bpftrace 0.17 on one run. The workload,
/// under a comm of its own, changes uid three ways: a python3 copy that opens files as root,
/// calls setuid(65534) and opens again (a change inside one process, seen by its
/// syscall_detail row); a dd copy started by setpriv as nobody (setresuid before the exec:
/// the fork inherits root, the detail row of setresuid gives 65534); and the dd copy as root.
/// The workload's own map entries and lines are compared exactly: both read the same
/// tracepoints in syscall context, and the uid is the task's real uid in both. bpftrace's own
/// setuids.bt runs live too, beside the shipped `bpfan setuids.bt` over the recording.
extension RecorderTests {
    static let uidPrograms = [
        "count": #"tracepoint:syscalls:sys_enter_openat { @[uid, comm] = count(); }"#,
        "printf": #"tracepoint:syscalls:sys_exit_openat { printf("%s %d %d\n", comm, uid, args->ret >= 0); }"#,
    ]

    @Test(.enabled(if: builtBinary("bpfan") != nil && access("/usr/bin/bpftrace", X_OK) == 0 && access("/usr/bin/setpriv", X_OK) == 0
                   && access("/usr/bin/python3", X_OK) == 0, "needs bpftrace, setpriv, python3 and the bpfan binary built next to the tests"))
    func uidMatchesLiveBpftrace() throws {
        if access("/sys/kernel/tracing/events/header_page", R_OK) != 0 { _ = mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nil) }
        let bpfan = try #require(builtBinary("bpfan"))
        let dir = Harness.tempPath("bt-uid")
        mkdir(dir, 0o755)
        chmod(dir, 0o755)  // nobody runs the dd copy from here
        defer { if ProcessInfo.processInfo.environment["BPFREC_KEEP"] == nil { _ = try? FileManager.default.removeItem(atPath: dir) } }
        let name = "btuid\(getpid() % 100000)"
        let dd = dir + "/" + name, py = dir + "/" + name.replacingOccurrences(of: "btuid", with: "btupy")
        try FileManager.default.copyItem(atPath: "/usr/bin/dd", toPath: dd)
        try FileManager.default.copyItem(atPath: URL(fileURLWithPath: "/usr/bin/python3").resolvingSymlinksInPath().path, toPath: py)
        chmod(dd, 0o755)
        chmod(py, 0o755)
        let pyName = String(py.split(separator: "/").last!)

        var live = try Self.startLiveBpftrace(Self.uidPrograms, dir: dir)
        // bpftrace's setuids.bt, with a BEGIN that says its probes are attached.
        let setuids = try String(contentsOfFile: "/usr/sbin/setuids.bt", encoding: .utf8)
        try setuids.replacingOccurrences(of: "BEGIN\n{\n", with: "BEGIN\n{\n\tprintf(\"ready\\n\");\n").write(toFile: dir + "/setuids.bt", atomically: true, encoding: .utf8)
        if access("/usr/sbin/setuids.bt", R_OK) == 0 {
            live["setuids"] = try SpawnedProcess(["/usr/bin/bpftrace", dir + "/setuids.bt"], out: dir + "/setuids.live", err: dir + "/setuids.err")
        }
        try Self.waitReady(live)
        let path = dir + "/run.trc"
        let rec = try RecorderRun(path: path, arguments: ["--families", "syscalls,proc", "--flush-interval", "200"])
        #expect(rec.waitReady())

        let script = #"import os; open("/etc/passwd").close(); os.setuid(65534); open("/etc/hostname").close(); open("/etc/passwd").close()"#
        for argv in [[py, "-c", script],
                     ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", dd, "if=/etc/passwd", "of=/dev/null", "bs=64", "count=5", "status=none"],
                     [dd, "if=/etc/hostname", "of=/dev/null", "status=none"]] {
            let child = spawn(argv[0], argv)
            try #require(child.rc == 0, "\(argv)")
            #expect(waitStatus(child.pid) == 0, "\(argv)")
        }
        Self.stopLive(live, rec)

        for (key, program) in Self.uidPrograms.sorted(by: { $0.key < $1.key }) {
            let offline = try runBinary(bpfan, ["bt", "-e", program, path])
            #expect(offline.status == 0, "\(key): \(offline.stderr)")
            #expect(!offline.stderr.contains("lost"), "\(key): \(offline.stderr)")
            #expect(!offline.stderr.contains("never gave a uid"), "\(key): \(offline.stderr)")
            let theirs = live[key]!.output.replacingOccurrences(of: "ready\n", with: "")
            for comm in [name, pyName] {
                var l = Self.workloadPart(theirs, comm), o = Self.workloadPart(offline.stdout, comm)
                // bpftrace 0.17 orders map entries of equal counts with an unstable std::sort
                // (seen: 65534 before 0 at 32 each): the entries are compared, not their order.
                if key == "count" { (l, o) = (l.sorted(), o.sorted()) }
                #expect(!l.isEmpty, "\(key): live printed nothing of \(comm): \(theirs.prefix(2000))")
                #expect(o == l, "\(key) \(comm): live \(l) / bpfan bt \(o)")
            }
            // Both uids are in the workload's part, so the comparison saw the change.
            let part = (Self.workloadPart(offline.stdout, name) + Self.workloadPart(offline.stdout, pyName)).joined(separator: "\n")
            #expect(part.contains("65534") && (part.contains("@[0, ") || part.contains(" 0 ")), "\(key): \(part)")
        }
        if let theirs = live["setuids"]?.output.replacingOccurrences(of: "ready\n", with: "") {
            let offline = try runBinary(bpfan, ["setuids.bt", path])
            #expect(offline.status == 0, "\(offline.stderr)")
            // The python copy's setuid(65534) as root, and setpriv's setresuid before its exec.
            let l = Self.workloadPart(theirs, pyName) + Self.workloadPart(theirs, "setpriv")
            let o = Self.workloadPart(offline.stdout, pyName) + Self.workloadPart(offline.stdout, "setpriv")
            #expect(l.contains { $0.contains("setuid    uid=65534 (0)") } && l.contains { $0.contains("setresuid ruid=65534 euid=65534 suid=65534 (0)") }, "\(l)")
            #expect(o == l, "setuids.bt: live \(l) / bpfan \(o)")
        }
    }
}
