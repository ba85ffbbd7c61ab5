import TraceReport
import TraceTestSupport
import Foundation
import Testing
import TraceFormat
import TraceSchema

/// Runs the built `bpfan` (beside the test bundle) and returns its exit status and output.
func runBpfan(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    try runBinary(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("bpfan").path, arguments)
}

func scratchFile(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bpfan-tests-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("\(UUID().uuidString)-\(name)").path
}

/// A small recording with known contents: 1,000 syscalls over 1 s, 3 lost events.
func writeSyntheticRecording(_ path: String, close: Bool = true) throws {
    let w = try TraceWriter(path: path, overwrite: true)
    try w.writeMetadata(name: MetadataName.host, json: HostInfo(hostname: "testhost", kernelRelease: "6.18.0", machine: "x86_64", cpuCount: 2, pageSize: 4096))
    let start: Int64 = 5_000_000_000
    try w.writeMetadata(name: MetadataName.clock, json: ClockAnchors(start: .init(monotonic: start, realtime: 1_764_000_000_000_000_000, boottime: start)))
    let syscall = EventTables.named("syscall")!
    let lost = EventTables.named("lost_events")!
    let sid = try w.defineTable(syscall)
    let lid = try w.defineTable(lost)
    for half in 0..<2 {
        var b = TableBuffer(tableID: sid, schema: syscall)
        for i in 0..<500 {
            let ts = start + Int64(half * 500 + i) * 1_000_000
            b.append(row: [.int(ts), .int(Int64(i % 2)), 100, 101, .int(Int64(i % 3)), 0, 2_000, 0])
        }
        try w.flush(&b)
    }
    var l = TableBuffer(tableID: lid, schema: lost)
    l.append(row: [.int(start + 1_000_000_000), 1_000_000_000, 1, "syscalls", "ringbuf_full", 3])
    try w.flush(&l)
    if close { try w.close() }
}

@Suite struct InfoCheckTests {
    @Test func infoDescribesASyntheticRecording() throws {
        let path = scratchFile("a.trc")
        try writeSyntheticRecording(path)
        let r = try runBpfan(["info", path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("testhost, Linux 6.18.0 x86_64, 2 CPUs"))
        #expect(r.stdout.contains("closed cleanly"))
        #expect(r.stdout.contains("(0.999 s)"))
        let syscallLine = r.stdout.split(separator: "\n").first { $0.hasPrefix("syscall ") }
        #expect(syscallLine?.contains(" 1000 ") == true, "\(r.stdout)")
        #expect(r.stdout.contains("lost:       3 events: syscalls ringbuf_full 3"))
        #expect(r.stdout.contains("damage:     none"))
    }

    @Test func checkPassesASoundFileAndFailsATornOne() throws {
        let path = scratchFile("b.trc")
        try writeSyntheticRecording(path)
        let ok = try runBpfan(["check", path])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("sound: 2 tables, 3 chunks, 1001 rows"))

        // The recorder was killed in the middle of writing its last chunk.
        let torn = scratchFile("torn.trc")
        try writeSyntheticRecording(torn, close: false)
        let data = try Data(contentsOf: URL(fileURLWithPath: torn))
        try data.prefix(data.count - 10).write(to: URL(fileURLWithPath: torn))
        let bad = try runBpfan(["check", torn])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("truncated chunk"))
        #expect(bad.stderr.contains("no footer"))
        let info = try runBpfan(["info", torn])
        #expect(info.status == 0)
        #expect(info.stdout.contains("NOT closed cleanly"))
        #expect(info.stdout.split(separator: "\n").contains { $0.hasPrefix("syscall ") && $0.contains(" 1000 ") })
    }

    @Test func badInputGivesOneLineErrors() throws {
        let garbage = scratchFile("garbage.trc")
        try Data("this is not a recording, just some text that is long enough".utf8).write(to: URL(fileURLWithPath: garbage))
        for args in [["info", garbage], ["check", garbage], ["info", "/nonexistent/x.trc"], ["check", "/"]] {
            let r = try runBpfan(args)
            #expect(r.status != 0, "\(args)")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(args): \(r.stderr)")
            #expect(lines.first?.hasPrefix("bpfan: ") == true)
        }
        let r = try runBpfan(["info", garbage])
        #expect(r.stderr.contains("\(garbage): offset 0: not a bpfrec recording"))
    }
}
