import TraceReport
import Foundation
import Testing

/// The bundled real recording (samples/mixed.trc) against what its workload is known to have
/// done (samples/make-samples.sh): no root needed, real kernel data.
@Suite struct SampleRecordingTests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples/mixed.trc").path

    func lines(_ args: [String]) throws -> [Substring] {
        let r = try runBpfan(args + [Self.sample])
        #expect(r.status == 0, "\(args): \(r.stderr)")
        return r.stdout.split(separator: "\n")
    }

    @Test func theSampleIsSound() throws {
        let r = try runBpfan(["check", Self.sample])
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func execsnoopSeesTheTenTrueCallsAndTheFailedExec() throws {
        let rows = try lines(["execsnoop", "-x"])
        for i in 1...10 {
            #expect(rows.filter { $0.hasPrefix("true ") && $0.hasSuffix("/bin/true sample-arg-\(i) ") }.count == 1, "sample-arg-\(i)")
        }
        #expect(rows.contains { $0.contains(" -2 /nonexistent/binary") }, "the ENOENT exec")
    }

    @Test func exitsnoopSeesTheShellExitCodes() throws {
        let sh = try lines(["exitsnoop"]).filter { $0.hasPrefix("sh ") && $0.contains(" 0.00 ") }
        // sh -c "exit i % 4" for i in 1...10: codes 1 2 3 0 1 2 3 0 1 2.
        let codes = sh.map { $0.hasSuffix(" 0") ? "0" : String($0.split(separator: " ").last!) }
        #expect(codes == ["1", "2", "3", "0", "1", "2", "3", "0", "1", "2"], "\(sh)")
    }

    @Test func opensnoopSeesTwentyFailedOpens() throws {
        let failed = try lines(["opensnoop", "-x"]).filter { $0.contains("/missing-") }
        #expect(failed.count == 20)
        #expect(failed.allSatisfy { $0.contains(" -1   2 ") }, "ENOENT is errno 2")
    }

    @Test func tcplifeSeesTheLoopbackExchange() throws {
        let rows = try lines(["tcplife"]).dropFirst()
        // 1 MiB one way, 64 KiB back: one row per end, TX/RX in KB.
        #expect(rows.contains { $0.contains("127.0.0.1") && $0.contains(" 64.00  1024.00 ") })
        #expect(rows.contains { $0.contains("127.0.0.1") && $0.contains(" 1024.00 64.00 ") })
    }
}
