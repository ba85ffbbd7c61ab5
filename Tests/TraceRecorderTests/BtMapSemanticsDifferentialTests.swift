import Foundation
import Glibc
import Testing
import TraceTestSupport

/// BtMapSemanticsCases against the live bpftrace 0.17: each program (BEGIN, END and interval
/// probes only, so no workload is needed) run by bpftrace and by `bpfan bt` over a recording,
/// stdout compared exactly after the "Attaching" line. The pinned outputs are checked too, so
/// a bpftrace upgrade that changes them shows here, not as a silent drift of the unit test.
extension RecorderTests {
    @Test(.enabled(if: builtBinary("bpfan") != nil && access("/usr/bin/bpftrace", X_OK) == 0 && getuid() == 0, "needs root, bpftrace and the bpfan binary built next to the tests"))
    func mapActionsMatchLiveBpftrace() throws {
        let bpfan = try #require(builtBinary("bpfan"))
        let path = Harness.tempPath("bt-map-actions")
        let rec = try RecorderRun(path: path, arguments: ["--families", "proc"])
        defer { rec.remove() }
        try #require(rec.waitReady())
        let stopped = rec.stop()
        try #require(stopped.status == 0, "\(stopped.stderr)")
        func afterAttaching(_ text: String) -> String {
            String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).last ?? "")
        }
        for (program, pinned) in BtMapSemanticsCases.cases {
            let live = try runBinary("/usr/bin/bpftrace", ["-e", program])
            let ours = try runBinary(bpfan, ["bt", "-e", program, path])
            #expect(live.status == 0 && ours.status == 0, "\(program): live \(live.stderr), bpfan \(ours.stderr)")
            #expect(afterAttaching(ours.stdout) == afterAttaching(live.stdout), "\(program)")
            #expect(afterAttaching(live.stdout) == pinned, "\(program): bpftrace now prints this; BtMapSemanticsCases pins another output")
        }
    }
}
