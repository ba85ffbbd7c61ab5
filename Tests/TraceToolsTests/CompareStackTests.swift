import Foundation
import Testing
import TraceFlameGraph
import TraceReport
import TraceTestSupport
@testable import TraceTools

/// compare on stack profiles: synthetic profile and offcputime recordings whose stacks have
/// known weights per second.
struct CompareStackTests {
    /// samples/s per stack: app 40, db 20 and cron 10 in BASE; NEW has db at 30 (+50%), no
    /// cron, and spin at 10 (a stack that appeared).
    static let baseProfile = [SyntheticLoad(name: "app", id: 0, rate: 40, median: 1), SyntheticLoad(name: "db", id: 1, rate: 20, median: 1),
                              SyntheticLoad(name: "cron", id: 3, rate: 10, median: 1)]
    static let newProfile = [SyntheticLoad(name: "app", id: 0, rate: 40, median: 1), SyntheticLoad(name: "db", id: 1, rate: 30, median: 1),
                             SyntheticLoad(name: "spin", id: 2, rate: 10, median: 1)]

    static func stack(_ i: Int, profile: Bool) -> String {
        let s = CompareRecordings.stacks[i]
        guard profile, let inner = s.folded.split(separator: ";").last else { return s.folded }
        return s.folded + ";" + inner
    }

    static func rows(_ json: String, _ layout: String) throws -> [[String: JSONValue]] {
        try json.split(separator: "\n").compactMap { line in
            guard case .object(let o) = try JSONValue.parse(String(line)), o["name"] == .string(layout) else { return nil }
            return o
        }
    }

    static func number(_ v: JSONValue?) -> Double? {
        switch v {
        case .number(let n)?: return n
        case .int(let i)?: return Double(i)
        default: return nil
        }
    }

    @Test func profileStacksThatGrewAppearedAndVanishedAreNamed() throws {
        let base = try CompareRecordings.profile(Self.baseProfile, seed: 41)
        let new = try CompareRecordings.profile(Self.newProfile, seed: 42)
        let r = runCompare([base, new, "profile", "--format", "json"])
        #expect(r.status == 1, "\(r.stderr)")
        let schema = try #require(JSONOutputSchemaTests.schema)
        for line in r.stdout.split(separator: "\n") {
            if let v = schema.violation(of: try JSONValue.parse(String(line))) { Issue.record("\(v): \(line)") }
        }
        let stacks = try Self.rows(r.stdout, "stack")
        func row(_ i: Int) -> [String: JSONValue]? { stacks.first { $0["stack"] == .string(Self.stack(i, profile: true)) } }
        #expect(stacks.count == 4, "\(stacks)")
        #expect(row(0)?["verdict"] == .string("~"))
        #expect(row(1)?["verdict"] == .string("regressed"))
        // 20 -> 30 samples/s: +50%, within what 5 s of Poisson arrivals allow.
        if let rel = Self.number(row(1)?["relative"]) { #expect(rel > 0.25 && rel < 0.8, "db \(rel)") } else { Issue.record("\(String(describing: row(1)))") }
        #expect(row(2)?["verdict"] == .string("regressed"))
        #expect(row(3)?["verdict"] == .string("improved"))
        if let rate = Self.number(row(0)?["base_rate"]) { #expect(abs(rate - 40) < 8, "app \(rate)/s") }
        #expect(row(0)?["unit"] == .string("samples/s"))
        let moves = try Self.rows(r.stdout, "stack_move")
        func listed(_ list: String) -> [String] { moves.filter { $0["list"] == .string(list) }.compactMap { if case .string(let s)? = $0["stack"] { return s } else { return nil } } }
        #expect(listed("appeared") == [Self.stack(2, profile: true)])
        #expect(listed("disappeared") == [Self.stack(3, profile: true)])
        #expect(listed("grew").first == Self.stack(1, profile: true))
        // The gate names the stack and its rate.
        #expect(r.stderr.last?.contains("\(Self.stack(1, profile: true)): rate +") == true, "\(r.stderr)")
        // --top 1 keeps one stack per list; the text report renders every table.
        let text = runCompare([base, new, "profile", "--top", "1"])
        #expect(text.status == 1)
        #expect(text.stdout.contains("appeared (1 of 1 stacks, most first):") && text.stdout.contains("grew (1 of "), "\(text.stdout)")
    }

    @Test func aaProfileIsQuiet() throws {
        let base = try CompareRecordings.profile(Self.baseProfile, seed: 43)
        let new = try CompareRecordings.profile(Self.baseProfile, seed: 44)
        let r = runCompare([base, new, "profile", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.rows(r.stdout, "stack").allSatisfy { $0["verdict"] == .string("~") })
    }

    @Test func foldedDiffIsDifffoldedsFormScaledByDurationAndFlamegraphDrawsIt() throws {
        let base = try CompareRecordings.profile(Self.baseProfile, seed: 45)
        let new = try CompareRecordings.profile(Self.newProfile, seed: 46)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cmpstack-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("diff.folded").path
        let r = runCompare([base, new, "profile", "--folded-diff", path, "--format", "json"])
        #expect(r.status == 1, "\(r.stderr)")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.split(separator: " ") }
        #expect(lines.count == 4 && lines.allSatisfy { $0.count == 3 }, "\(text)")
        // Both recordings last 5 s: the columns are the samples each recorded per stack, the
        // counts the report gives.
        for row in try Self.rows(r.stdout, "stack") {
            guard case .string(let stack)? = row["stack"], let line = lines.first(where: { $0[0] == Substring(stack) }) else { Issue.record("\(row)"); continue }
            #expect(Double(line[1]) == Self.number(row["base_weight"]) && Double(line[2]) == Self.number(row["new_weight"]), "\(line) \(row)")
        }
        let svg = FlamegraphCommand.entry(["--diff", path], streaming: false)
        #expect(svg.status == 0, "\(svg.output.stderr)")
        let doc = try SVGDocument(svg.output.stdout)
        // The stacks are drawn with their frames; spin appeared (no base), cron vanished (no width).
        #expect(doc.frames.contains { $0.name == "spin" && $0.rect["fg:b"] == "0" } && !doc.frames.contains { $0.name == "cron" }, "\(doc.frames.map(\.name))")
        #expect(doc.frames.contains { $0.name == "ext4_sync_file" && $0.kind == "kernel" }, "\(doc.frames.map { ($0.name, $0.kind) })")
        // Bad input: one line naming the file and line.
        let bad = dir.appendingPathComponent("bad.folded").path
        try "a;b 1 2\nnot a diff line\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = FlamegraphCommand.entry(["--diff", bad], streaming: false)
        #expect(refused.status == 2 && refused.output.stderr.count == 1 && refused.output.stderr[0].contains("\(bad): line 2:"), "\(refused.output.stderr)")
    }

    @Test func offcputimeComparesOffCPUMicrosecondsPerSecond() throws {
        // app blocks 1.5x longer in NEW; db is unchanged.
        let loads = [SyntheticLoad(name: "app", id: 0, rate: 200, median: 1_000_000, sigma: 0.3),
                     SyntheticLoad(name: "db", id: 1, rate: 100, median: 2_000_000, sigma: 0.3)]
        let base = try CompareRecordings.offcpu(loads, seed: 47)
        let new = try CompareRecordings.offcpu(loads.map { var l = $0; if l.name == "app" { l.scale = 1.5 }; return l }, seed: 48)
        let r = runCompare([base, new, "offcputime", "--format", "json"])
        #expect(r.status == 1, "\(r.stderr)")
        let stacks = try Self.rows(r.stdout, "stack")
        let app = stacks.first { $0["stack"] == .string(Self.stack(0, profile: false)) }, db = stacks.first { $0["stack"] == .string(Self.stack(1, profile: false)) }
        #expect(app?["verdict"] == .string("regressed"), "\(stacks)")
        #expect(db?["verdict"] == .string("~"), "\(stacks)")
        #expect(app?["unit"] == .string("us/s"))
        // The weights are the tool's own totals: offcputime -f on BASE prints the same us.
        let folded = try runTool(Offcputime.self, ["-f", base])
        let appLine = folded.stdout.split(separator: "\n").first { $0.hasPrefix("app;") }
        #expect(appLine.map { Double($0.split(separator: " ").last!) } == Self.number(app?["base_weight"]), "\(folded.stdout)")
        // -m filters spans as the tool does: nothing of 1-2 ms passes -m 100000.
        let filtered = runCompare([base, new, "offcputime", "-m", "100000"])
        #expect(filtered.status == 3, "\(filtered.stderr)")
    }

    @Test func stackUsageErrors() throws {
        let base = try CompareRecordings.profile(Self.baseProfile, seed: 49)
        let r = runCompare([base, base, "syscount", "--folded-diff", "/tmp/x"])
        #expect(r.status == 2 && r.stderr == ["bpfan compare: --folded-diff: give a stack profile tool (offcputime, profile)"], "\(r.stderr)")
        let top = runCompare([base, base, "profile", "--top", "0"])
        #expect(top.status == 2 && top.stderr == ["bpfan compare: --top 0: must be at least 1"], "\(top.stderr)")
        let unwritable = runCompare([base, base, "profile", "--folded-diff", "/no/such/dir/d.folded"])
        #expect(unwritable.status == 2 && unwritable.stderr.first?.hasPrefix("bpfan compare: --folded-diff /no/such/dir/d.folded: cannot write it") == true, "\(unwritable.stderr)")
    }
}
