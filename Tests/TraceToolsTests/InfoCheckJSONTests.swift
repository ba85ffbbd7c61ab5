import Foundation
import Testing
import TraceTestSupport

/// `bpfan info --json` and `bpfan check --json`: the facts of the text, as one JSON object.
@Suite(.enabled(if: builtBinary("bpfan") != nil, "needs the built bpfan"))
struct InfoCheckJSONTests {
    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func infoJSON() throws {
        let path = scratchFile("j.trc")
        try writeSyntheticRecording(path)
        let r = try runBpfan(["info", "--json", path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasSuffix("}\n") && r.stdout.filter { $0 == "\n" }.count == 1)
        let o = try object(r.stdout)
        #expect(o["type"] as? String == "info" && o["recording"] as? String == path)
        #expect(o["closed_cleanly"] as? Bool == true)
        #expect((o["host"] as? [String: Any])?["hostname"] as? String == "testhost")
        let tables = try #require(o["tables"] as? [[String: Any]])
        #expect(tables.first { $0["name"] as? String == "syscall" }?["rows"] as? Int == 1000)
        #expect(o["total_rows"] as? Int == 1001)
        let lost = try #require(o["lost"] as? [[String: Any]])
        #expect(lost.count == 1 && lost[0]["lost"] as? Int == 3 && lost[0]["family"] as? String == "syscalls")
        #expect((o["damage"] as? [Any])?.isEmpty == true)
        let events = try #require(o["events"] as? [String: Any])
        #expect(events["first_ns"] as? Int == 1_764_000_000_000_000_000)
    }

    @Test func checkJSON() throws {
        let path = scratchFile("k.trc")
        try writeSyntheticRecording(path)
        let ok = try runBpfan(["check", "--json", path])
        #expect(ok.status == 0)
        let o = try object(ok.stdout)
        #expect(o["sound"] as? Bool == true && o["rows"] as? Int == 1001 && (o["problems"] as? [Any])?.isEmpty == true)

        let torn = scratchFile("torn-j.trc")
        try writeSyntheticRecording(torn, close: false)
        let data = try Data(contentsOf: URL(fileURLWithPath: torn))
        try data.prefix(data.count - 10).write(to: URL(fileURLWithPath: torn))
        let bad = try runBpfan(["check", "--json", torn])
        #expect(bad.status == 1)
        let b = try object(bad.stdout)
        #expect(b["sound"] as? Bool == false)
        let problems = try #require(b["problems"] as? [[String: Any]])
        #expect(!problems.isEmpty && problems.allSatisfy { $0["problem"] is String && $0["offset"] != nil })
    }
}
