import Foundation
import Testing
import TraceAnalysis
import TraceFormat
import TraceReport
import TraceSchema
import TraceTestSupport
@testable import TraceTools

/// The edges that used to look like answers (issue 16): each says what happened on stderr, and
/// where nothing at all is covered the tool fails. They are checked once, in RecordingTool's
/// shared path, so every tool behaves alike; biolatency and a few others stand for all.

@Test func fromAfterTheEndIsAnErrorNotABanner() throws {
    let path = try blockRecording()   // 5 s
    let out = try runTool(Biolatency.self, ["--from", "100", path])
    #expect(out.failed)
    #expect(out.stdout.isEmpty)
    #expect(out.stderr == ["bpfan biolatency: --from 100: 100.000 s from the start, at or after the recording's end (5.000 s); nothing to analyse"])
    // Every tool goes through the same check.
    let snoop = try runTool(Opensnoop.self, ["--from", "5", path])
    #expect(snoop.failed && snoop.stderr.last?.contains("nothing to analyse") == true)
    let json = try runTool(Biolatency.self, ["--json", "--from", "100", path])
    #expect(json.failed && json.stdout.isEmpty)
}

@Test func toBeforeTheStartIsAnError() throws {
    let path = try blockRecording()   // starts 22:06:40 UTC
    let out = try runTool(Biolatency.self, ["--to", "2026-11-29T22:00:00Z", path])
    #expect(out.failed && out.stdout.isEmpty)
    #expect(out.stderr == ["bpfan biolatency: --to 2026-11-29T22:00:00Z: at or before the recording's start; nothing to analyse"])
}

@Test func toAfterTheEndIsANoteAndTheSpanEndsThere() throws {
    let path = try blockRecording()
    let out = try runTool(Biolatency.self, ["--to", "100", path, "1"])
    #expect(!out.failed)
    #expect(out.stderr.first == "bpfan biolatency: note: --to 100: 100.000 s from the start, after the recording's end (5.000 s); the analysed span ends there")
    // The one-second intervals of the recording's 5 s, not a hundred.
    let whole = try runTool(Biolatency.self, [path, "1"])
    #expect(whole.stdout == out.stdout)
}

@Test func intervalsLongerThanTheSpanAreFlagged() throws {
    let path = try blockRecording()   // 5 s
    let out = try runTool(Biolatency.self, [path, "10", "5"])
    #expect(!out.failed)
    #expect(out.stderr == ["bpfan biolatency: note: the analysed span is 5.000 s: 1 of the 5 intervals asked for; the last interval covers 5.000 s of 10 s (partial)"])
    // The same histogram the live tool printed at Ctrl-C, still printed.
    #expect(out.stdout.contains("usecs               : count    distribution"))
    // A partial last interval alone.
    let cut = try runTool(Biolatency.self, [path, "2"])
    #expect(cut.stderr == ["bpfan biolatency: note: the analysed span is 5.000 s: the last interval covers 1.000 s of 2 s (partial)"])
    // Whole intervals: no note.
    let whole = try runTool(Biolatency.self, [path, "1", "3"])
    #expect(whole.stderr.isEmpty)
    // Tools whose interval is a flag share it (funccount -i, -d).
    let windowed = try runTool(Biolatency.self, ["--from", "1", "--to", "2.5", path, "1"])
    #expect(windowed.stderr == ["bpfan biolatency: note: the analysed span is 1.500 s: the last interval covers 0.500 s of 1 s (partial)"])
}

@Test func aRecordingLimitedToAProcessSaysSo() throws {
    let s = SyntheticRecording()
    s.commandLine = ["bpfrec", "record", "-o", "x.trc", "-p", "8099", "--families", "block"]
    s.add("block_rq_issue", ["ts": ns(1), "rq": .int(1)])
    s.add("block_rq_complete", ["ts": ns(1.001), "rq": .int(1)])
    let out = try runTool(Biolatency.self, [try s.write()])
    #expect(!out.failed)
    #expect(out.stderr == ["bpfan biolatency: note: recorded for PID 8099 and descendants only: other processes' events are not in it"])
    // A system-wide recording has no note.
    let all = try runTool(Biolatency.self, [try blockRecording()])
    #expect(all.stderr.isEmpty)
}

@Test func recordingScopeNamesTheCommandAndTheCgroup() {
    var info = RecordingInfo(tool: "bpfrec", version: "t", commandLine: ["bpfrec", "record", "-o", "f", "--", "make", "-p7"], families: [],
                             startTime: 0, pids: [4242], command: ["make", "-p7"])
    #expect(info.scope == "`make -p7` (PID 4242) and descendants")
    // With -p as well: the command's pid is named with the command.
    info.pids = [17, 4242]
    info.commandPid = 4242
    #expect(info.scope == "`make -p7` (PID 4242), PID 17 and descendants")
    #expect(RecordingInfo.shellWords(["sh", "-c", "exit 3", "it's", ""]) == "sh -c 'exit 3' 'it'\\''s' ''")
    info.pids = nil
    info.command = nil
    // Older recordings: from the command line, up to `--`.
    #expect(info.selectedPids.isEmpty && info.scope == nil)
    info.commandLine = ["bpfrec", "record", "-p", "12", "--pid=13", "-p14", "--cgroup", "/sys/fs/cgroup/a", "-o", "f"]
    #expect(info.selectedPids == [12, 13, 14])
    #expect(info.scope == "PIDs 12, 13, 14 and descendants, in cgroup /sys/fs/cgroup/a")
}

/// The recorder's order: table definitions, then metadata, then chunks. A file cut after the
/// table definitions has tables and nothing else.
private func cutRecording(keepChunks: Bool) throws -> String {
    let path = scratchFile("cut.trc")
    let w = try TraceWriter(path: path, overwrite: true)
    let issue = try w.defineTable(EventTables.named("block_rq_issue")!)
    let complete = try w.defineTable(EventTables.named("block_rq_complete")!)
    let tablesEnd = w.bytesWritten
    if keepChunks {
        for (id, name, t) in [(issue, "block_rq_issue", Int64(1_000_000_000)), (complete, "block_rq_complete", 1_000_050_000)] {
            let schema = EventTables.named(name)!
            var b = TableBuffer(tableID: id, schema: schema)
            b.append(row: schema.columns.map { c in c.name == "ts" ? .int(t) : c.name == "rq" ? .int(7) : (c.type.isInteger ? .int(0) : .bytes([])) })
            try w.flush(&b)
        }
        try w.close()
        return path
    }
    try w.writeMetadata(name: MetadataName.host, json: HostInfo(hostname: "h", kernelRelease: "6.18.0", machine: "x86_64", cpuCount: 2, pageSize: 4096))
    try w.close()
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    try bytes.prefix(tablesEnd).write(to: URL(fileURLWithPath: path))
    return path
}

@Test func aTruncatedFileWithNothingLeftIsAnError() throws {
    let path = try cutRecording(keepChunks: false)
    let out = try runTool(Biolatency.self, [path])
    #expect(out.failed && out.stdout.isEmpty)
    #expect(out.stderr.count == 1)
    #expect(out.stderr[0].hasPrefix("bpfan biolatency: \(path): no events survive and the recording's metadata is gone (the file ends at "))
    #expect(out.stderr[0].hasSuffix(", cut short); nothing to analyse"))
}

@Test func lostMetadataWithSurvivingEventsIsANote() throws {
    let path = try cutRecording(keepChunks: true)
    let out = try runTool(Biolatency.self, [path])
    #expect(!out.failed)
    #expect(out.stderr.first?.hasPrefix("bpfan biolatency: note: \(path): the recording's metadata is gone: its command line, families and start/stop times are unknown") == true)
    #expect(out.stdout.contains("32 -> 63"))
}

// The built bpfan: a full disk, --version.

private func runBpfanTo(_ output: String, _ arguments: [String]) throws -> (status: Int32, stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try #require(builtBinary("bpfan")))
    p.arguments = arguments
    p.standardOutput = FileHandle(forWritingAtPath: output)
    let err = Pipe()
    p.standardError = err
    try p.run()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: e, as: UTF8.self))
}

@Test(.enabled(if: builtBinary("bpfan") != nil && FileManager.default.fileExists(atPath: "/dev/full"), "needs the built bpfan and /dev/full"))
func aFullDiskIsAnErrorNotExitZero() throws {
    let path = try blockRecording()
    for args in [["biolatency", path], ["biosnoop", path], ["info", path], ["check", path], ["tools"], ["biolatency", "--json", path]] {
        let r = try runBpfanTo("/dev/full", args)
        #expect(r.status == 1, "\(args): \(r.stderr)")
        #expect(r.stderr.contains("cannot write the output: No space left on device"), "\(args): \(r.stderr)")
    }
    // The same commands to /dev/null succeed.
    #expect(try runBpfanTo("/dev/null", ["biolatency", path]).status == 0)
}
