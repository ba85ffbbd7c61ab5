import TraceReport
import Foundation
import Testing
@testable import TraceTools

/// Every tool's --json output is JSON Lines: a header naming the tool, then one record per
/// event, row or histogram, with the same numbers as its text.
@Test func everyToolPrintsValidJSON() throws {
    let block = try blockToolsRecording(), snoop = try snoopRecording(), sys = try syscallRecording(), lat = try blockRecording()
    let runs: [(any RecordingTool.Type, [String])] = [
        (Biolatency.self, ["-D", lat]), (BiolatencyBt.self, [block]), (Syscount.self, ["-L", sys]), (SyscountBt.self, [sys]),
        (Opensnoop.self, [snoop]), (OpensnoopBt.self, [snoop]), (Execsnoop.self, ["-x", snoop]), (ExecsnoopBt.self, [snoop]),
        (Exitsnoop.self, [snoop]), (Killsnoop.self, [snoop]), (KillsnoopBt.self, [snoop]), (Statsnoop.self, [snoop]),
        (StatsnoopBt.self, [snoop]), (Bitesize.self, [block]), (BitesizeBt.self, [block]), (Biosnoop.self, [block]),
        (Biotop.self, [block, "1", "2"]), (Biopattern.self, [block]),
    ]
    for (tool, args) in runs {
        let records = try jsonRecords(tool, args)
        #expect(records.count > 1, "\(tool.toolName) printed no record beyond its header")
    }
    // Numbers agree with the text: opensnoop's rows, syscount's counts.
    let events = try jsonRecords(Opensnoop.self, [snoop]).filter { $0["type"] as? String == "event" }
    #expect(events.count == 4)
    #expect(events.allSatisfy { $0["time_ns"] is Int && $0["path"] is String })
    let read = try jsonRecords(Syscount.self, [sys]).first { $0["syscall"] as? String == "read" }
    #expect(read?["count"] as? Int == 3)
}

/// The records of a tool's --json output, after checking that it is JSON Lines with a header
/// naming the tool first.
func jsonRecords(_ tool: any RecordingTool.Type, _ args: [String]) throws -> [[String: Any]] {
    guard let command = try tool.parseAsRoot(args + ["--json"]) as? any RecordingTool else { return [] }
    let out = command.execute()
    #expect(!out.failed, "\(tool.toolName): \(out.stderr)")
    let records = try out.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
    #expect(records.first?["type"] as? String == "header" && records.first?["tool"] as? String == tool.toolName, "\(tool.toolName): \(out.stdout.prefix(200))")
    return records
}

@Test func windowsApplyToSnoops() throws {
    let snoop = try snoopRecording()
    // Opens entered at 0.5, 0.6, 1.2 and 4.8 s; kills at 3.0-3.2 s.
    #expect(try runTool(Opensnoop.self, ["--from", "1", "--to", "4", snoop]).stdout == "PID    COMM              FD ERR PATH\n200    python3           -1   2 relative.txt\n")
    #expect(try runTool(Killsnoop.self, ["--from", "22:06:43.15", snoop]).stdout.split(separator: "\n").count == 2)
    // Relative times count from --from, as if the live tool had been started then.
    #expect(try runTool(Execsnoop.self, ["-t", "--from", "2", snoop]).stdout.split(separator: "\n")[1].hasPrefix("0.500   echo "))
    #expect(try runTool(ExecsnoopBt.self, ["--from", "2", snoop]).stdout.split(separator: "\n")[2].hasPrefix("500        702 "))
    let bad = try runTool(Opensnoop.self, ["--from", "3", "--to", "2", snoop])
    #expect(bad.failed && bad.stderr == ["bpfan opensnoop: --to (2) is not after --from (3)"])
}
