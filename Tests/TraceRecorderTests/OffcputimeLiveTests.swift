import Foundation
import Testing
import TraceTestSupport

/// offcputime exact: with `bpfrec record --offcpu-stacks all` every switch-out has its stack,
/// and bpfan offcputime answers what the live libbpf-tools offcputime printed on the same run
/// (Tests/Validation/offcputime-live.py: a 3-thread GIL-contention workload whose busy phase
/// both tracers see whole). Kernel stacks, keyed by comm and tid, as the live tool keys them.
/// Measured over 8 runs (default flags, -m 1000, -M 10000) on the shared 2-CPU VM: totals
/// within 0.03-0.16% of the live tool's and every live key present in bpfan (100% of the live
/// time); with the default `--offcpu-stacks blocked` the same runs gave totals 20-24% low and
/// 73-80% of the live time keyed. The issue's bar is 2% and 95%; the test allows 1% and 99%,
/// about six times the worst measured difference.
/// Part of RecorderTests (serialized): a recorder run beside the other recorder tests would put
/// its programs on their tracepoints (differentialAgainstLiveTools refuses such a run).
extension RecorderTests {
    struct OffcputimeReport: Decodable {
        var live_total_us: Int
        var bpfan_total_us: Int
        var total_diff_pct: Double?
        var live_weight_keyed_in_bpfan_pct: Double?
        /// The heaviest keys each side has and the other lacks: what a failed match is made of.
        var live_only_keys: [UnmatchedKey]
        var bpfan_only_keys: [UnmatchedKey]
        var live_status: Int
        var bpfan_status: Int
        var live_stderr: String
        var bpfan_stderr: [String]
    }

    struct UnmatchedKey: Decodable, CustomStringConvertible {
        var comm: String
        var tid: Int
        var us: Int
        var frames: [String]
        var description: String { "\(comm) (\(tid)) \(us) us: \(frames.isEmpty ? "no kernel frames" : frames.joined(separator: " < "))" }
    }

    func runOffcputimeLive(_ flags: [String]) throws -> OffcputimeReport {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let bpfan = try #require(Harness.builtBinary("bpfan"), "bpfan not built")
        let out = "/tmp/bpfrec-test-\(getpid())-offcputime-live"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [root.appendingPathComponent("Tests/Validation/offcputime-live.py").path, Harness.binary!, bpfan, out,
                       "--record-flag", "--offcpu-stacks", "--record-flag", "all"] + (flags.isEmpty ? [] : ["--"] + flags)
        let stdout = Pipe(), stderr = Pipe()
        p.standardOutput = stdout
        p.standardError = stderr
        try p.run()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "offcputime-live.py: \(err)")
        return try JSONDecoder().decode(OffcputimeReport.self, from: data)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/offcputime"), "needs the live libbpf-tools offcputime (make test-deps)"),
          arguments: [[String](), ["-m", "1000"], ["-M", "10000"]])
    func totalsAndStacksMatchTheLiveTool(_ flags: [String]) throws {
        let r = try runOffcputimeLive(flags)
        #expect(r.live_status == 0 && r.bpfan_status == 0, "live: \(r.live_stderr); bpfan: \(r.bpfan_stderr)")
        #expect(r.live_total_us > 1_000_000, "the live tool saw \(r.live_total_us) us")
        let diff = try #require(r.total_diff_pct), keyed = try #require(r.live_weight_keyed_in_bpfan_pct)
        print("offcputime \(flags.joined(separator: " ")): live \(r.live_total_us) us, bpfan \(r.bpfan_total_us) us (\(diff)%), \(keyed)% of the live time keyed in bpfan")
        #expect(abs(diff) <= 1, "totals: live \(r.live_total_us) us, bpfan \(r.bpfan_total_us) us")
        #expect(keyed >= 99, """
            only \(keyed)% of the live time has its key in bpfan's output; \
            live only: \(r.live_only_keys.map(\.description)); bpfan only: \(r.bpfan_only_keys.map(\.description))
            """)
        #expect(!r.bpfan_stderr.contains { $0.contains("have no recorded stack") }, "\(r.bpfan_stderr)")
    }
}
