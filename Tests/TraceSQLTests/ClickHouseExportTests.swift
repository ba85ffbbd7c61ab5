import Foundation
import TraceAnalysis
import TraceFormat
import TraceReport
import TraceTestSupport
import Testing
@testable import TraceSQL
@testable import TraceTools

/// `bpfan export --clickhouse` against real clickhouse-server processes started here on
/// loopback (Debian 12's 18.16), each with its own config and data under a temporary directory.
@Suite(.serialized, .enabled(if: ClickHouseServer.installed, "needs clickhouse-server (make test-deps installs it as root)"))
struct ClickHouseExportTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples")
    static let mixed = samples.appendingPathComponent("mixed.trc").path
    static let offcpu = samples.appendingPathComponent("offcpu.trc").path

    /// A second host, "fleet-b": syscalls (some of the names the sample has), block requests
    /// of known latencies on vda, and wakeups with known run-queue waits.
    static func fleetRecording() throws -> String {
        let s = SyntheticRecording()
        s.hostname = "fleet-b"
        s.rowsPerChunk = 64
        s.syscallNames = ["0": "read", "1": "write", "3": "close", "257": "openat"]
        let ids: [Int64] = [0, 0, 0, 1, 1, 3, 257]
        for i in 0..<700 {
            let pid = Int64(300 + i % 3)
            s.add("syscall", ["ts": .int(SyntheticRecording.at(0.001 * Double(i))), "pid": .int(pid), "tid": .int(pid), "id": .int(ids[i % 7]), "ret": 0, "duration": .int(Int64(1000 * (i % 13 + 1)))])
        }
        let vda: UInt32 = 253 << 20
        s.devices = [(vda, "vda")]
        for k in 0..<40 {
            let t = 1.0 + 0.01 * Double(k)
            for (table, at) in [("block_rq_issue", t), ("block_rq_complete", t + Double(5 + 37 * k) * 1e-6)] {
                s.add(table, ["ts": .int(SyntheticRecording.at(at)), "rq": .int(Int64(0x100 + k)), "dev": .int(Int64(vda)), "cmd_flags": 0, "nr_bytes": 4096, "comm": "dd"])
            }
        }
        let idle: (Int64, String) = (0, "swapper/0")
        for k in 0..<50 {
            let t = 2.0 + 0.01 * Double(k)
            s.add("sched_wakeup", ["ts": .int(SyntheticRecording.at(t)), "pid": 1, "tid": 1, "target_pid": 400, "target_tid": 401, "target_comm": "app", "target_prio": 120])
            for (at, prev, state, next) in [(t + Double(1 + 3 * k) * 1e-6, idle, Int64(0), (Int64(401), "app")), (t + 0.005, (Int64(401), "app"), Int64(1), idle)] {
                s.add("sched_switch", ["ts": .int(SyntheticRecording.at(at)), "cpu": 0, "pid": .int(prev.0 == 0 ? 0 : 400), "tid": .int(prev.0), "prev_comm": .string(prev.1), "prev_prio": 120,
                                       "prev_state": .int(state), "preempt": 0, "next_pid": .int(next.0 == 0 ? 0 : 400), "next_tid": .int(next.0), "next_comm": .string(next.1), "next_prio": 120])
            }
        }
        // A new thread: woken by its parent, runs 20 us later (runqlat needs sched_wakeup_new).
        s.add("sched_wakeup_new", ["ts": .int(SyntheticRecording.at(3.0)), "pid": 400, "tid": 401, "target_pid": 400, "target_tid": 402, "target_comm": "app", "target_prio": 120])
        for (at, prev, state, next) in [(3.00002, idle, Int64(0), (Int64(402), "app")), (3.005, (Int64(402), "app"), Int64(1), idle)] {
            s.add("sched_switch", ["ts": .int(SyntheticRecording.at(at)), "cpu": 0, "pid": .int(prev.0 == 0 ? 0 : 400), "tid": .int(prev.0), "prev_comm": .string(prev.1), "prev_prio": 120,
                                   "prev_state": .int(state), "preempt": 0, "next_pid": .int(next.0 == 0 ? 0 : 400), "next_tid": .int(next.0), "next_comm": .string(next.1), "next_prio": 120])
        }
        return try s.write()
    }

    static func open(_ path: String) throws -> (SQLSession, SQLRecording) {
        let r = SQLRecording(try Recording(path: path), label: path)
        return (try SQLSession(recordings: [r]), r)
    }

    /// Exports one recording; returns the outcome and the lines it logged.
    @discardableResult
    static func export(_ path: String, to url: String, database: String = "bpfan", batchRows: Int = 65_536) throws -> (ClickHouseExporter.Outcome, [String]) {
        final class Lines: @unchecked Sendable { var all: [String] = [] }
        let lines = Lines()
        let e = try ClickHouseExporter(url: url, database: database)
        e.batchRows = batchRows
        e.log = { lines.all.append($0) }
        try e.prepare()
        let (s, r) = try open(path)
        let o = try e.export(s, recording: r, contentID: try RecordingContentID.of(path: path))
        return (o, lines.all)
    }

    /// Every table's and view's row count in the recording, as `bpfan sql` counts it.
    static func localCounts(_ path: String) throws -> [String: Int] {
        let (s, _) = try open(path)
        var out: [String: Int] = [:]
        for name in s.tableNames + s.viewNames {
            out[name] = Int(try s.connection.strings("SELECT count(*) FROM temp.\(SQLiteConnection.quote(name))").first ?? "")
        }
        return out
    }

    static func counts(_ server: ClickHouseServer, _ path: String, database: String = "bpfan") throws -> [String: Int] {
        let id = try RecordingContentID.of(path: path)
        var out: [String: Int] = [:]
        for t in try server.query("SELECT table FROM system.columns WHERE database = '\(database)' AND name = 'content_id' AND table != 'bpfan_recordings'").split(separator: "\n") {
            let n = Int(try server.query("SELECT count() FROM `\(t)` WHERE content_id = '\(id)'", database: database).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            if n > 0 { out[String(t)] = n }
        }
        return out
    }

    static func tsv(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    /// The fleet: mixed.trc on shard 0; offcpu.trc (the same host, "vm") and fleet-b on shard 1;
    /// queried through Distributed tables over both. Each answer is checked against bpfan's own
    /// tools (biolatency, syscount) or `bpfan sql` (runqlat p99) on the recordings themselves.
    @Test func fleetQueriesThroughADistributedTableAgreeWithTheTools() throws {
        let cluster = try ClickHouseCluster()
        defer { cluster.stop() }
        let (a, b) = (cluster.servers[0], cluster.servers[1])
        let fleet = try Self.fleetRecording()
        for (path, server) in [(Self.mixed, a), (Self.offcpu, b), (fleet, b)] {
            let (o, _) = try Self.export(path, to: server.url)
            #expect(!o.skipped && o.rows > 0)
            #expect(try Self.counts(server, path) == (try Self.localCounts(path)).filter { $0.value > 0 }, "\(path)")
        }
        // Every shard needs the local table for a Distributed table over it: the ones a shard
        // has no recording of are created empty from the other's definition.
        for t in ["syscalls", "block_requests", "thread_states"] {
            for (s, other) in [(a, b), (b, a)] {
                let has = try s.query("EXISTS TABLE \(t)", database: "bpfan").hasPrefix("1")
                if !has { try s.query(try other.query("SHOW CREATE TABLE \(t)", database: "bpfan").replacingOccurrences(of: "\\n", with: " ").replacingOccurrences(of: "\\'", with: "'"), database: "bpfan") }
                try s.query("CREATE TABLE IF NOT EXISTS \(t)_all AS \(t) ENGINE = Distributed(bpfan_fleet, bpfan, \(t))", database: "bpfan")
            }
        }
        // biolatency per host: the log2 histogram of service_ns (libbpf-tools' slots).
        let bio = Self.tsv(try a.query(FleetQueries.biolatency, database: "bpfan"))
        var perHost: [String: [Int64: Int64]] = [:]
        for r in bio { perHost[r[0], default: [:]][Int64(r[1])!] = Int64(r[2])! }
        #expect(perHost.keys.sorted() == ["fleet-b", "vm"])
        #expect(perHost["vm"] == (try biolatencySlots([], path: Self.mixed)))
        #expect(perHost["fleet-b"] == (try biolatencySlots([], path: fleet)))
        #expect(perHost["vm"].map { $0.values.reduce(0, +) } ?? 0 > 1000)
        // syscount top 10 across hosts: the tool's counts on each recording, summed.
        var summed: [String: Int64] = [:]
        for path in [Self.mixed, fleet] {
            for (name, n) in try syscountCounts(path) { summed[name, default: 0] += n }
        }
        let top = summed.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(10).map { [$0.key, String($0.value)] }
        #expect(Self.tsv(try a.query(FleetQueries.syscountTop(10), database: "bpfan")) == Array(top))
        #expect(summed["read"] ?? 0 > 300)
        // runqlat p99 per host, interpolated as bpfan sql's percentile() is, over the three
        // recordings opened together locally (vm = mixed + offcpu).
        let local = try session([Self.mixed, Self.offcpu, fleet])
        let expected = try query(local, "SELECT host, percentile(runnable_ns, 99), count(runnable_ns) FROM thread_states GROUP BY host ORDER BY host")
        let got = Self.tsv(try a.query(FleetQueries.runqlatP99, database: "bpfan"))
        #expect(got.count == 2 && expected.count == 2)
        for (g, e) in zip(got, expected) {
            #expect(e[0] == .text(g[0]))
            guard case .real(let p) = e[1], let q = Double(g[1]) else { Issue.record("\(e) \(g)"); continue }
            // Both are the same interpolation of the same integers; only the printing of the
            // double (ClickHouse's shortest form) can differ in the last digits.
            #expect(abs(p - q) <= 1e-9 * max(1, abs(p)), "\(g[0]): \(q) vs \(p)")
            #expect(e[2] == .int(Int64(g[2])!))
        }
        // And those waits are runqlat's on a system-wide recording (fleet-b; mixed.trc is checked
        // in DerivedViewTests). offcpu.trc is recorded with -p: tasks outside it have only the
        // switches that involve a followed task, and there the two differ (701 against 704).
        let fleetWaits = try histogramSlots(Runqlat.self, [], path: fleet).values.reduce(0, +)
        #expect(got.first { $0[0] == "fleet-b" }.map { Int64($0[2])! } == fleetWaits && fleetWaits == 51)
    }

    /// A recording exported twice is there once; a partial export (the exporter died before
    /// its completion row) is removed and done again.
    @Test func exportingTwiceDoesNotDuplicateAndAPartialExportIsRedone() throws {
        let cluster = try ClickHouseCluster(shards: 1)
        defer { cluster.stop() }
        let s = cluster.servers[0]
        let path = try Self.fleetRecording()
        let expected = try Self.localCounts(path).filter { $0.value > 0 }
        try Self.export(path, to: s.url, batchRows: 100)
        #expect(try Self.counts(s, path) == expected)
        // 18.16 takes no CODEC clause: the tables are declared without one (the fallback).
        let ddl = try s.query("SHOW CREATE TABLE syscall", database: "bpfan")
        #expect(ddl.contains("ORDER BY (host, recording, ts)") && !ddl.contains("CODEC") && ddl.contains("ts UInt64"), "\(ddl)")
        // Again, under another path (a copy): the content is the same, so it is skipped.
        let copy = path + ".copy.trc"
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let (again, lines) = try Self.export(copy, to: s.url)
        #expect(again.skipped && again.rows == 0)
        #expect(lines.contains { $0.contains("already in ClickHouse") && $0.contains(path) }, "\(lines)")
        #expect(try Self.counts(s, path) == expected)
        // As if killed mid-export: no completion row, and half the syscall rows gone.
        let id = try RecordingContentID.of(path: path)
        try s.query("ALTER TABLE bpfan_recordings DELETE WHERE content_id = '\(id)' AND complete = 1", database: "bpfan")
        try s.query("ALTER TABLE syscall DELETE WHERE content_id = '\(id)' AND export_batch >= 3", database: "bpfan")
        try ClickHouseSQL(http: try ClickHouseHTTP(url: s.url), database: "bpfan").waitForMutations("bpfan_recordings")
        try ClickHouseSQL(http: try ClickHouseHTTP(url: s.url), database: "bpfan").waitForMutations("syscall")
        #expect(try Self.counts(s, path)["syscall"] == 300)
        let (redo, redoLines) = try Self.export(path, to: s.url, batchRows: 100)
        #expect(!redo.skipped && redo.rows == expected.values.reduce(0, +))
        #expect(redoLines.contains { $0.contains("partial export") }, "\(redoLines)")
        #expect(try Self.counts(s, path) == expected)
        #expect(try s.query("SELECT count() FROM bpfan_recordings WHERE content_id = '\(id)' AND complete = 1", database: "bpfan") == "1\n")
    }

    /// A connection dropped mid-upload (the batch reaches the server cut short) and one whose
    /// answer is lost (the batch landed): each batch ends up there exactly once.
    @Test func aDroppedConnectionNeitherLosesNorDoublesABatch() throws {
        let cluster = try ClickHouseCluster(shards: 1)
        defer { cluster.stop() }
        let s = cluster.servers[0]
        let expected = try Self.localCounts(Self.mixed).filter { $0.value > 0 }
        for (mode, database) in [(DroppingProxy.Mode.midRequest, "dropped"), (.lostAnswer, "unanswered")] {
            let proxy = try DroppingProxy(upstream: s.httpPort, mode: mode, afterBytes: 400_000)
            defer { proxy.stop() }
            let (o, lines) = try Self.export(Self.mixed, to: "http://127.0.0.1:\(proxy.port)/", database: database, batchRows: 1000)
            #expect(proxy.drops == 1, "\(mode)")
            #expect(o.retries >= 1 && lines.contains { $0.contains("checking what landed") }, "\(mode): \(lines)")
            #expect(try Self.counts(s, Self.mixed, database: database) == expected, "\(mode)")
            // No batch twice: every (table, batch) holds at most batchRows rows.
            for t in ["syscall", "syscalls", "sched_switch"] {
                #expect(try s.query("SELECT count() FROM (SELECT export_batch, count() AS n FROM \(t) GROUP BY export_batch HAVING n > 1000)", database: database) == "0\n")
            }
        }
    }

    @Test func codecsAreDeclaredOnlyWhereTheServerTakesThem() throws {
        let e = try ClickHouseExporter(url: "http://127.0.0.1:1/", database: "d")
        let cols = [ClickHouseColumn(name: "ts", base: .uint(bytes: 8), nullable: true), ClickHouseColumn(name: "exit_ts", base: .uint(bytes: 8), nullable: true),
                    ClickHouseColumn(name: "comm", base: .string)] + ClickHouseExporter.extra
        #expect(e.createStatement("v", columns: cols, time: "ts") == "CREATE TABLE IF NOT EXISTS `v` (`ts` Nullable(UInt64), `exit_ts` Nullable(UInt64), `comm` String, `host` String, `recording` String, `content_id` String, `export_batch` UInt32) ENGINE = MergeTree ORDER BY (host, recording, ifNull(`ts`, 0))")
        e.codecs = true
        let withCodecs = e.createStatement("v", columns: cols, time: "ts")
        #expect(withCodecs.contains("`ts` Nullable(UInt64) CODEC(DoubleDelta, ZSTD), `exit_ts` Nullable(UInt64) CODEC(Delta, ZSTD), `comm` String CODEC(ZSTD)"))
    }

    @Test func aServerThatIsNotThereIsAOneLineError() throws {
        let port = try Loopback.freePorts(1)[0]
        #expect(throws: ClickHouseHTTP.Failure.self) { try Self.export(Self.mixed, to: "http://127.0.0.1:\(port)/") }
        #expect(throws: ClickHouseHTTP.Failure.self) { _ = try ClickHouseHTTP(url: "localhost:8123") }
    }
}

/// biolatency's slots (index → count) on a recording.
func biolatencySlots(_ args: [String], path: String) throws -> [Int64: Int64] { try histogramSlots(Biolatency.self, args, path: path) }

/// A histogram tool's slots (index → count) from its --json output.
func histogramSlots<T: RecordingTool>(_ tool: T.Type, _ args: [String], path: String) throws -> [Int64: Int64] {
    let hist = try #require(try jsonRecords(tool, args, path: path).first { $0["type"] as? String == "histogram" })
    var slots: [Int64: Int64] = [:]
    for (i, b) in (hist["buckets"] as? [[String: Any]] ?? []).enumerated() {
        if let c = (b["count"] as? NSNumber)?.int64Value, c > 0 { slots[Int64(i)] = c }
    }
    return slots
}

/// syscount's counts per syscall name on a recording (every syscall: -T large).
func syscountCounts(_ path: String) throws -> [String: Int64] {
    let out = try Syscount.parse(["--json", "-T", "1000", path]).execute()
    var counts: [String: Int64] = [:]
    for line in out.stdout.split(separator: "\n") {
        guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], o["type"] as? String == "row",
              let name = o["syscall"] as? String, let n = o["count"] as? NSNumber else { continue }
        counts[name] = n.int64Value
    }
    return counts
}
