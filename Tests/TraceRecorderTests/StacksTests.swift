import Foundation
import Glibc
import Testing
import TraceFormat

/// The cpu-clock sampler catches a thread spinning on a CPU with its user stack; a thread that
/// sleeps gets an off-CPU stack (kernel frames) at each switch-out.
extension RecorderTests {
    @Test func samplesAndOffCPUStacks() throws {
        if Harness.skipped("samplesAndOffCPUStacks") { return }
        let path = Harness.tempPath("stacks")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", "stacks", "--stack-freq", "99", "--flush-interval", "200"])
        #expect(rec.waitReady())
        let tid = Int64(gettidNow())
        // Spin for 1 s on a CPU, then sleep 20 times.
        let cpu0 = HostClock.threadCPU()
        let end = Date().addingTimeInterval(1)
        var x: UInt64 = 0
        while Date() < end { for i in 0..<10_000 { x &+= UInt64(i) &* 2654435761 } }
        #expect(x != 1)
        let cpuSeconds = HostClock.threadCPU() - cpu0
        for _ in 0..<20 { usleep(10_000) }
        usleep(300_000)
        let (status, err) = rec.stop()
        #expect(status == 0, "\(err)")

        let file = try TraceFile(path: path)
        let samples = try Rows(file, "cpu_sample")
        let mine = samples.rows(where: "tid", is: tid)
        // 99 Hz of the CPU time the thread got (other load shares the CPUs); slack for jitter.
        #expect(Double(mine.count) >= cpuSeconds * 99 * 0.6, "\(mine.count) samples for \(cpuSeconds) s on CPU")
        #expect(Double(mine.count) <= cpuSeconds * 99 * 1.4 + 3, "\(mine.count) samples for \(cpuSeconds) s on CPU")
        #expect(mine.filter { samples.bytes("ustack", $0).count >= 8 }.count >= mine.count / 2)
        for r in mine { #expect(samples.int("pid", r) == Int64(getpid())) }

        let off = try Rows(file, "offcpu_stack")
        let sleeps = off.rows(where: "tid", is: tid)
        #expect(sleeps.count >= 20, "\(sleeps.count) off-CPU stacks")
        for r in sleeps {
            let k = off.bytes("kstack", r)
            #expect(k.count >= 16 && k.count % 8 == 0)
            if k.count >= 8 {
                let ip = k.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                #expect(ip >= 0xffff_8000_0000_0000, "kernel address \(String(ip, radix: 16))")
            }
            #expect(off.int("state", r) & 0xff != 0)
        }
        #expect(try Rows(file, "lost_events").count == 0)
    }
}

enum HostClock {
    /// CPU time of the calling thread, in seconds.
    static func threadCPU() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
