import Foundation
import Glibc
import Testing
import TraceTestSupport

/// bpflist against the host. bcc's bpflist cannot run here (no bcc Python module), so the truth
/// is its own walk, done by the test with bpflist's regular expression: the /proc/PID/fd links
/// `anon_inode:bpf-TYPE` of a live bpftrace, counted by type, before and after a recording made
/// beside it. bpfan bpflist over the recording must print exactly those counts for bpftrace's
/// pid, from the scan at the stop (whole recording) and at the start (--to before the end),
/// and list no BPF object of the recorder's own. A second bpftrace, started while recording,
/// is in the stop scan only.
extension RecorderTests {
    @Test(.enabled(if: builtBinary("bpfan") != nil && access("/usr/bin/bpftrace", X_OK) == 0, "needs bpftrace and the bpfan binary built next to the tests"))
    func bpflistShowsTheHostsBpfObjects() throws {
        if access("/sys/kernel/tracing/events/header_page", R_OK) != 0 { _ = mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nil) }
        let bpfan = try #require(builtBinary("bpfan"))
        let dir = Harness.tempPath("bpflist")
        mkdir(dir, 0o755)
        defer { if ProcessInfo.processInfo.environment["BPFREC_KEEP"] == nil { _ = try? FileManager.default.removeItem(atPath: dir) } }
        let live = try Self.startLiveBpftrace(["holder": "tracepoint:syscalls:sys_enter_getppid { @[comm] = count(); } tracepoint:syscalls:sys_enter_getpid { @n = count(); }"], dir: dir)
        let holder = live["holder"]!.pid
        // find_bpf_fds(): re.match('anon_inode:bpf-([\w-]+)', link), counted per type.
        func walk() -> [String: Int] {
            var counts: [String: Int] = [:]
            for fd in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(holder)/fd")) ?? [] {
                guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(holder)/fd/\(fd)"), link.hasPrefix("anon_inode:bpf-") else { continue }
                counts[String(link.dropFirst(15).prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }), default: 0] += 1
            }
            return counts
        }
        let before = walk()
        let path = dir + "/run.trc"
        let rec = try RecorderRun(path: path, arguments: ["--families", "proc", "--flush-interval", "200"])
        #expect(rec.waitReady())
        let late = try Self.startLiveBpftrace(["late": "tracepoint:syscalls:sys_enter_getppid { @ = count(); }"], dir: dir)
        usleep(500_000)
        Self.stopLive([:], rec)
        kill(late["late"]!.pid, SIGINT)
        _ = late["late"]!.wait(timeout: 30)
        let after = walk()
        kill(holder, SIGINT)
        _ = live["holder"]!.wait(timeout: 30)
        try #require(!before.isEmpty && before == after, "bpftrace's objects changed: \(before) / \(after)")

        func listed(_ args: [String], pid: pid_t = holder) throws -> [String: Int] {
            let r = try runBinary(bpfan, ["bpflist"] + args + [path])
            #expect(r.status == 0, "\(r.stderr)")
            let lines = r.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            #expect(lines.first == ["PID", "COMM", "TYPE", "COUNT"], "\(r.stdout)")
            #expect(!lines.contains { $0.count == 4 && $0[1] == "bpfrec" }, "the recorder's own objects are listed: \(r.stdout)")
            var out: [String: Int] = [:]
            for f in lines where f.count == 4 && f[0] == "\(pid)" {
                #expect(f[1] == "bpftrace", "\(f)")
                out[f[2]] = Int(f[3])
            }
            return out
        }
        #expect(try listed([]) == after, "stop scan")
        #expect(try listed(["--to", "0.3"]) == before, "start scan")
        #expect(try listed([], pid: late["late"]!.pid)["prog"] == 1, "the bpftrace started while recording, at the stop")
        #expect(try listed(["--to", "0.3"], pid: late["late"]!.pid).isEmpty, "the bpftrace started while recording, at the start")
    }
}
