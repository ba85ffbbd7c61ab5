import TraceReport
import Foundation
import Testing
@testable import TraceTools

/// The scheduler and TCP tools' --json output is JSON Lines (a header naming the tool, then
/// one record per event, row, histogram or stack) with the numbers of the text output.
@Test func schedAndTcpToolsPrintValidJSON() throws {
    let sched = try schedRecording(), cpu = try cpuRecording(), tcp = try tcpRecording(), retrans = try retransRecording()
    let offcpu = try offcpuRecording(), accept = try acceptRecording()
    let runs: [(any RecordingTool.Type, [String])] = [
        (Runqlat.self, ["-P", sched, "1"]), (RunqlatBt.self, [sched]), (Runqslower.self, ["-P", sched, "1"]), (Cpudist.self, ["-O", "-L", cpu]),
        (Offcputime.self, [offcpu]), (Tcplife.self, [tcp]), (TcplifeBt.self, [tcp]), (Tcpstates.self, [tcp]),
        (Tcpconnect.self, ["-s", tcp]), (Tcpconnect.self, ["-c", tcp]), (Tcpaccept.self, [accept]), (Tcpretrans.self, [retrans]),
        (Tcpretrans.self, ["-c", retrans]),
    ]
    for (tool, args) in runs {
        #expect(try jsonRecords(tool, args).count > 1, "\(tool.toolName) \(args) printed no record beyond its header")
    }
    // Same numbers as the text: tcplife's spans (the text's MS), runqlat's per-tid buckets.
    let life = try jsonRecords(Tcplife.self, [tcp]).dropFirst()
    #expect(life.map { ($0["span_ns"] as? Int).map { $0 / 1000 } } == [1_260_100, 1_260_100, 1_001_000, 161])
    let hists = try jsonRecords(Runqlat.self, ["-L", sched]).filter { $0["type"] as? String == "histogram" }
    #expect(hists.map { ($0["buckets"] as? [[String: Any]])?.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } } == [2, 2])
}
