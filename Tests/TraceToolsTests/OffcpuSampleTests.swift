import TraceReport
import Foundation
import Testing

/// samples/offcpu.trc: one process tree recorded with the stacks family (-p), carrying its
/// binaries' symbol tables (samples/make-samples.sh): a Python program that naps 50 × 10 ms,
/// waits 20 times on a pipe for a forked child, spins, then a dd that syncs every write.
/// Offline, with no access to those binaries, user frames still get their names.
@Suite struct OffcpuSampleTests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples/offcpu.trc").path

    func folded(_ args: [String] = []) throws -> [(stack: [Substring], us: Int)] {
        let r = try runBpfan(["offcputime", "-f"] + args + [Self.sample])
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout.split(separator: "\n").compactMap { line in
            guard let space = line.lastIndex(of: " "), let us = Int(line[line.index(after: space)...]) else { return nil }
            return (line[..<space].split(separator: ";"), us)
        }
    }

    @Test func pythonsNapsAreNamedInLibcAndTheKernel() throws {
        let naps = try folded().filter { $0.stack.first == "python3" && $0.stack.contains("clock_nanosleep") }
        #expect(naps.allSatisfy { $0.stack.contains("do_nanosleep") }, "kernel frames under the libc one")
        // 50 naps of 10 ms (at least 10 ms each; the stacks can split over several lines).
        let total = naps.reduce(0) { $0 + $1.us }
        #expect(total >= 500_000 && total < 1_500_000, "\(total) us in clock_nanosleep")
    }

    @Test func thePipeWaitsAndTheSyncedWritesAreThere() throws {
        let stacks = try folded()
        let reads = stacks.filter { $0.stack.first == "python3" && $0.stack.contains("anon_pipe_read") }
        #expect(reads.reduce(0) { $0 + $1.us } >= 20 * 5_000 / 2, "20 waits of about 5 ms on the pipe")
        #expect(stacks.contains { $0.stack.first == "dd" && $0.stack.contains("write") && $0.stack.contains("ext4_sync_file") })
    }

    @Test func userStacksOnlyKeepsTheNamedUserFrames() throws {
        let user = try folded(["-U"])
        #expect(user.contains { $0.stack == ["python3", "clock_nanosleep"] }, "\(user.prefix(5))")
        #expect(!user.contains { $0.stack.contains("do_nanosleep") })
    }
}
