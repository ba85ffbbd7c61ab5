import Foundation
import Testing
import TraceTestSupport

/// oomkill on a recording without oom:mark_victim: nothing is covered, so one line naming the
/// tracepoint and how to record it, and a non-zero exit. (The kill itself: RecorderTests.)
@Test(.enabled(if: builtBpfan != nil, "needs the bpfan binary built next to the tests (swift build)"))
func oomkillRefusesARecordingWithoutTheTracepoint() throws {
    let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples/mixed.trc").path
    let r = try runBinary(builtBpfan!, ["oomkill", sample])
    #expect(r.status != 0)
    #expect(r.stdout.isEmpty)
    #expect(r.stderr == "bpfan oomkill: tracepoint oom:mark_victim is not in this recording (record it with bpfrec record -e oom:mark_victim)\n", "\(r.stderr)")
}
