import Foundation
import Testing
@testable import TraceTools

/// The scheduler and TCP tools' --json output is valid JSON (one document, or one object per
/// line for events) naming the tool, and carries the numbers of the text output.
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
        guard let command = try tool.parseAsRoot(args + ["--json"]) as? any RecordingTool else { continue }
        let out = command.execute()
        #expect(!out.failed, "\(tool.toolName)")
        let lines = out.stdout.split(separator: "\n")
        #expect(!lines.isEmpty, "\(tool.toolName) printed nothing")
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["tool"] as? String == tool.toolName)
        }
    }
    // Same numbers as the text: tcplife's spans, runqlat's per-pid buckets.
    let life = try runTool(Tcplife.self, ["--json", tcp]).stdout.split(separator: "\n").map {
        try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
    #expect(life.map { $0?["span_us"] as? Int } == [1_260_100, 1_260_100, 1_001_000, 161])
    let hist = try JSONSerialization.jsonObject(with: Data(try runTool(Runqlat.self, ["--json", "-L", sched]).stdout.utf8)) as? [String: Any]
    let counts = (hist?["histograms"] as? [[String: Any]])?.map { h in (h["buckets"] as? [[String: Any]])?.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } }
    #expect(counts == [2, 2])
}
