import Foundation
import Glibc
import Testing
import TraceFormat
import TraceTestSupport

/// bpfan profile on a real system-wide recording: a spinner process (a copy of dash under a
/// name of its own, `while :; do :; done`) runs for 2 s beside whatever else the machine does.
/// - profile's count for it must be exactly the recording's cpu_sample rows of that process
///   (the tool against its table);
/// - and about its CPU time (wait4's rusage) × the recorded 49 Hz: a cpu-clock sampler catches
///   a task in proportion to the time it runs, within the sampling's binomial spread and the
///   VM's late timer interrupts (see `profileShareTolerance`);
/// - and no kernel frame of profile's or offcputime's output is `[unknown]`: the recorder's
///   own BPF programs are named from the `kallsyms_bpf` it records (offcputime leaves them out
///   unless --tracer-frames).
extension RecorderTests {
    /// The spinner's samples / (its CPU seconds × 49 Hz) must lie within 1 ± this. Measured on
    /// the 2-vCPU VM beside two other engineers' builds, 13 sessions: 0.981-1.108 (0.98-1.00
    /// when it had a CPU to itself; above 1 under contention, as a sample goes to the task the
    /// timer interrupts while its CPU time leaves out interrupt and steal time). ±25% is
    /// about twice the widest seen; the 0.5 s minimum keeps the count's own spread (±1 per
    /// time slice) below it.
    static let profileShareTolerance = 0.25

    @Test func profileAttributesASpinnersShare() throws {
        guard let bpfan = Harness.builtBinary("bpfan") else {
            Issue.record("bpfan binary not found next to the test bundle (swift build first)")
            return
        }
        let path = Harness.tempPath("profile")
        defer { unlink(path) }
        let tag = String(UInt32.random(in: 0...0xff_ffff), radix: 16)
        let spinner = "/tmp/spin-\(tag)"
        defer { unlink(spinner) }
        try FileManager.default.copyItem(atPath: "/bin/dash", toPath: spinner)
        let rec = try RecorderRun(path: path, arguments: ["--families", "sched,stacks", "--flush-interval", "200", "--symbol-grace", "120"])
        #expect(rec.waitReady(), "recorder did not start")
        let child = spawn(spinner, [spinner, "-c", "while :; do :; done"])
        try #require(child.rc == 0, "posix_spawn \(spinner): \(child.rc)")
        usleep(2_000_000)
        kill(child.pid, SIGKILL)
        var status: Int32 = 0
        var usage = rusage()
        while wait4(child.pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let cpuSeconds = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        usleep(300_000)
        let (st, err) = rec.stop()
        #expect(st == 0, "recorder exit \(st): \(err)")

        // The tool against its table: every sample of the spinner, once.
        let comm = "spin-\(tag)"
        let samples = try Rows(try TraceFile(path: path), "cpu_sample")
        let raw = (0..<samples.count).filter { samples.string("comm", $0) == comm }.count
        let folded = try runBinary(bpfan, ["profile", "-f", path])
        #expect(folded.status == 0, "\(folded.stderr)")
        var counted = 0
        for line in folded.stdout.split(separator: "\n") where line.hasPrefix(comm + ";") || line.hasPrefix(comm + " ") {
            counted += Int(line.split(separator: " ").last ?? "") ?? 0
        }
        #expect(counted == raw, "profile counted \(counted) samples of \(comm), the recording has \(raw)")
        let expected = cpuSeconds * 49
        let ratio = Double(counted) / expected
        print("profile share: \(counted) samples of \(comm) for \(String(format: "%.3f", cpuSeconds)) s of CPU (expected \(String(format: "%.1f", expected)) at 49 Hz): ratio \(String(format: "%.3f", ratio))")
        #expect(cpuSeconds > 0.5, "the spinner ran only \(cpuSeconds) s")
        #expect(abs(ratio - 1) <= Self.profileShareTolerance, "\(counted) samples for \(cpuSeconds) s of CPU at 49 Hz: ratio \(ratio)")

        // -p with the spinner's pid gives the same count in one stack block set.
        let byPid = try runBinary(bpfan, ["profile", "-f", "-p", "\(child.pid)", path])
        let pidCount = byPid.stdout.split(separator: "\n").reduce(0) { $0 + (Int($1.split(separator: " ").last ?? "") ?? 0) }
        #expect(pidCount == raw, "profile -p \(child.pid): \(pidCount) samples, \(raw) recorded")

        // Kernel frames are all named, the recorder's programs included.
        let kernel = try runBinary(bpfan, ["profile", "-f", "-K", "-I", path])
        let unknown = kernel.stdout.split(separator: "\n").filter { $0.contains("[unknown]") }
        #expect(unknown.isEmpty, "\(unknown.count) kernel stacks with [unknown] frames: \(unknown.prefix(3))")
        let off = try runBinary(bpfan, ["offcputime", "-f", "-K", path])
        #expect(off.status == 0 && !off.stdout.isEmpty, "\(off.stderr)")
        #expect(!off.stdout.contains("[unknown]") && !off.stdout.contains("bpf_prog_"), "\(off.stdout.prefix(2000))")
        let kept = try runBinary(bpfan, ["offcputime", "-f", "-K", "--tracer-frames", path])
        let lines = kept.stdout.split(separator: "\n")
        #expect(!lines.isEmpty && lines.allSatisfy { $0.contains("_offcpu_switch_") } && !kept.stdout.contains("[unknown]"), "\(kept.stdout.prefix(2000))")
    }
}
