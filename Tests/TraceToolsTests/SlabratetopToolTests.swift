import Foundation
import Testing
import TraceTestSupport

/// slabratetop on a recording without kmem:kmem_cache_alloc: nothing is covered, so one line
/// naming the tracepoint and how to record it, and a non-zero exit; the live tool's flag checks.
/// (Its counts against live bpftrace: RecorderTests.slabratetopMatchesLiveBpftrace.)
@Test(.enabled(if: builtBpfan != nil, "needs the bpfan binary built next to the tests (swift build)"))
func slabratetopRefusesARecordingWithoutTheTracepoint() throws {
    let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples/mixed.trc").path
    let r = try runBinary(builtBpfan!, ["slabratetop", "-C", sample])
    #expect(r.status != 0)
    #expect(r.stdout.isEmpty)
    #expect(r.stderr.hasSuffix("bpfan slabratetop: tracepoint kmem:kmem_cache_alloc is not in this recording (record it with bpfrec record -e kmem:kmem_cache_alloc)\n"), "\(r.stderr)")
    for (flags, message) in [(["-p", "0"], "invalid PID: 0"), (["-r", "0"], "invalid rows: 0"), (["-s", "bytes"], "'bytes'")] {
        let bad = try runBinary(builtBpfan!, ["slabratetop"] + flags + [sample])
        #expect(bad.status != 0 && bad.stderr.contains(message), "\(flags): \(bad.stderr)")
    }
}
