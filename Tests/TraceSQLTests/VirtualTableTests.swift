import CSQLite
import TraceAnalysis
import TraceFormat
import TraceReport
import TraceSchema
import TraceTestSupport
import Testing
@testable import TraceSQL

func session(_ paths: [String], views: Bool = true) throws -> SQLSession {
    try SQLSession(recordings: paths.map { SQLRecording(try Recording(path: $0)) }, views: views)
}

func query(_ s: SQLSession, _ sql: String) throws -> [[ResultCell]] {
    var rows: [[ResultCell]] = []
    try s.connection.run(sql) { rows.append($0) }
    return rows
}

/// 12 syscalls, 3 per chunk (4 chunks), one second apart, pids 100..103 in turn; and block
/// issues whose rq values straddle 2^63.
func syscallRecording(host: String = "testhost") throws -> String {
    let s = SyntheticRecording()
    s.hostname = host
    s.syscallNames = ["0": "read", "1": "write"]
    for i in 0..<12 {
        s.add("syscall", ["ts": .int(SyntheticRecording.at(Double(i) * 0.25)), "pid": .int(Int64(100 + i % 4)), "tid": .int(Int64(100 + i % 4)),
                          "cpu": .int(Int64(i % 2)), "id": .int(Int64(i % 2)), "ret": .int(i == 5 ? -2 : 10), "duration": .int(Int64(1000 * (i + 1)))])
    }
    s.add("block_rq_issue", ["ts": .int(SyntheticRecording.at(0.1)), "rq": .u64(UInt64(Int64.max)), "comm": "dd"])
    s.add("block_rq_issue", ["ts": .int(SyntheticRecording.at(0.2)), "rq": .u64(UInt64(Int64.max) + 6), "comm": "dd"])
    s.add("block_rq_issue", ["ts": .int(SyntheticRecording.at(0.3)), "rq": .u64(UInt64.max), "comm": "dd"])
    s.add("block_rq_issue", ["ts": .int(SyntheticRecording.at(0.4)), "rq": .u64(0xffff_8881_0000_0000), "comm": ""])
    return try s.write()
}

@Test func everyRecordedTableIsAVirtualTableWithItsColumns() throws {
    let s = try session([try syscallRecording()], views: false)
    #expect(s.tableNames == ["block_rq_issue", "syscall"])
    #expect(s.columns(of: "syscall")?.map(\.name) == ["ts", "cpu", "pid", "tid", "id", "ret", "duration", "unpaired", "host", "recording"])
    #expect(s.columns(of: "syscall")?.map(\.declaredType) == ["U64", "INTEGER", "INTEGER", "INTEGER", "INTEGER", "INTEGER", "U64", "INTEGER", "TEXT", "TEXT"])
    let rows = try query(s, "SELECT count(*), sum(duration), min(ret), typeof(ts), typeof(host) FROM syscall")
    #expect(rows == [[.int(12), .int(78000), .int(-2), .text("integer"), .text("text")]])
    #expect(try query(s, "SELECT comm, typeof(comm) FROM block_rq_issue WHERE rq = '0xffff888100000000'") == [[.text(""), .text("text")]])
}

@Test func u64AboveTwoToThe63IsExactOrderedAndComparable() throws {
    let s = try session([try syscallRecording()], views: false)
    // 2^63 - 1 stays an INTEGER; above it, fixed-width hex TEXT (exact, in unsigned order).
    #expect(try query(s, "SELECT rq, typeof(rq) FROM block_rq_issue ORDER BY rq") == [
        [.int(Int64.max), .text("integer")],
        [.text("0x8000000000000005"), .text("text")],
        [.text("0xffff888100000000"), .text("text")],
        [.text("0xffffffffffffffff"), .text("text")],
    ])
    // Never the two's-complement negatives a plain INTEGER would show.
    #expect(try query(s, "SELECT count(*) FROM block_rq_issue WHERE rq < 0") == [[.int(0)]])
    #expect(try query(s, "SELECT count(*) FROM block_rq_issue WHERE rq > 9223372036854775806") == [[.int(4)]])
    #expect(try query(s, "SELECT count(*) FROM block_rq_issue WHERE rq = u64(0xffffffffffffffff)") == [[.int(1)]])
    #expect(try query(s, "SELECT count(*) FROM block_rq_issue WHERE rq >= '0x8000000000000005' AND rq < '0xffffffffffffffff'") == [[.int(2)]])
}

@Test func tsRangesSkipChunksByTheirStatistics() throws {
    let s = try session([try syscallRecording()], views: false)
    let t = SyntheticRecording.at(1.0)  // rows 4..: chunks 0 (rows 0-2) and 1 (3-5) partly
    for (sql, count, read, skipped) in [
        ("ts >= \(t)", 8, 3, 1),
        ("ts > \(t)", 7, 3, 1),
        ("ts < \(t)", 4, 2, 2),
        ("ts <= \(t)", 5, 2, 2),
        ("ts = \(t)", 1, 1, 3),
        ("ts BETWEEN \(t) AND \(SyntheticRecording.at(1.5))", 3, 2, 2),
        ("ts > \(SyntheticRecording.at(100))", 0, 0, 4),
        ("ts > -5", 12, 4, 0),
    ] {
        s.resetCounters()
        #expect(try query(s, "SELECT count(*) FROM syscall WHERE \(sql)") == [[.int(Int64(count))]], "\(sql)")
        let c = s.counters["syscall"]
        #expect(c?.chunksRead == read && c?.chunksSkipped == skipped, "\(sql): \(String(describing: c))")
    }
}

@Test func pidEqualityAndInListsSkipChunks() throws {
    let s = try session([try syscallRecording()], views: false)
    // pids cycle 100..103, so every chunk of 3 rows spans 3 pids; cpu alternates.
    s.resetCounters()
    #expect(try query(s, "SELECT count(*) FROM syscall WHERE pid = 100") == [[.int(3)]])
    #expect(s.counters["syscall"]?.rowsReturned == 3)
    s.resetCounters()
    #expect(try query(s, "SELECT count(*) FROM syscall WHERE pid IN (100, 101) AND ts < \(SyntheticRecording.at(0.5))") == [[.int(2)]])
    #expect(s.counters["syscall"]?.chunksRead == 1)
    #expect(s.counters["syscall"]?.chunksSkipped == 3)
    s.resetCounters()
    #expect(try query(s, "SELECT count(*) FROM syscall WHERE pid = 999") == [[.int(0)]])
    #expect(s.counters["syscall"]?.chunksRead == 0)
}

@Test func onlyTheColumnsTheQueryUsesAreDecoded() throws {
    let s = try session([try syscallRecording()], views: false)
    _ = try query(s, "SELECT sum(duration) FROM syscall")
    #expect(s.counters["syscall"]?.columnsDecoded == 1)
    s.resetCounters()
    _ = try query(s, "SELECT count(*) FROM syscall")
    #expect(s.counters["syscall"]?.columnsDecoded == 0)
    s.resetCounters()
    _ = try query(s, "SELECT id FROM syscall WHERE pid = 100")
    #expect(s.counters["syscall"]?.columnsDecoded == 2)
}

@Test func severalRecordingsCarryHostAndRecordingColumns() throws {
    let a = try syscallRecording(host: "alpha"), b = try syscallRecording(host: "beta")
    let s = try session([a, b], views: false)
    #expect(try query(s, "SELECT host, count(*) FROM syscall GROUP BY host ORDER BY host") == [[.text("alpha"), .int(12)], [.text("beta"), .int(12)]])
    s.resetCounters()
    #expect(try query(s, "SELECT count(*) FROM syscall WHERE recording = '\(b)'") == [[.int(12)]])
    #expect(s.counters["syscall"]?.chunksSkipped == 4)
}

@Test func badSQLGivesSQLitesMessageAndPosition() throws {
    let s = try session([try syscallRecording()], views: false)
    do {
        _ = try query(s, "SELECT count(*) FROM syscall WHERE pid = = 3")
        Issue.record("bad SQL ran")
    } catch let e as SQLError {
        #expect(e.kind == .syntax)
        #expect(e.message.contains("syntax error"))
        #expect(e.offset == 41)  // the second "="
    }
}

@Test func percentileInterpolatesBetweenTheNearestRanks() throws {
    let s = try session([try syscallRecording()], views: false)
    // durations are 1000, 2000, ... 12000 ns.
    #expect(try query(s, "SELECT percentile(duration, 50), percentile(duration, 0), percentile(duration, 100), percentile(duration, 99) FROM syscall")
        == [[.real(6500), .real(1000), .real(12000), .real(11890)]])
    #expect(try query(s, "SELECT pid, percentile(duration, 50) FROM syscall GROUP BY pid ORDER BY pid").map { $0[1] }
        == [.real(5000), .real(6000), .real(7000), .real(8000)])
    #expect(try query(s, "SELECT percentile(duration, 50) FROM syscall WHERE pid = 999") == [[.null]])
    #expect(throws: SQLError.self) { try query(s, "SELECT percentile(duration, 101) FROM syscall") }
}

@Test func explainQueryPlanSaysWhatIsDecodedAndPushed() throws {
    let s = try session([try syscallRecording()], views: false)
    let plan = try query(s, "EXPLAIN QUERY PLAN SELECT sum(duration) FROM syscall WHERE ts >= 5 AND pid IN (1, 2) AND recording = 'x'").map { $0[3] }
    #expect(plan == [.text("SCAN syscall VIRTUAL TABLE INDEX 0:decode ts,pid,duration,recording; push ts>=,pid IN,recording=")])
}

@Test func recordingsWithDifferentSchemasUnionTheirColumns() throws {
    // An older recording: its syscall table has no unpaired column, and its table names
    // need quoting in SQL (a generic tracepoint table).
    let old = SyntheticRecording()
    var schema = try #require(EventTables.named("syscall") as TableSchema?)
    schema.columns.removeAll { $0.name == "unpaired" }
    old.schemas["syscall"] = schema
    old.schemas["irq:softirq_entry"] = TableSchema(name: "irq:softirq_entry", family: "irq:softirq_entry", columns: [
        ColumnSchema(name: "ts", type: .u64), ColumnSchema(name: "cpu", type: .u32), ColumnSchema(name: "pid", type: .u32),
        ColumnSchema(name: "tid", type: .u32), ColumnSchema(name: "vec", type: .u32),
    ])
    old.add("syscall", ["ts": .int(SyntheticRecording.at(0.5)), "pid": 7, "tid": 7, "duration": 5])
    old.add("irq:softirq_entry", ["ts": .int(SyntheticRecording.at(0.5)), "vec": 3])
    let s = try session([try syscallRecording(), try old.write()], views: false)
    #expect(try query(s, "SELECT count(*), count(unpaired) FROM syscall") == [[.int(13), .int(12)]])
    #expect(try query(s, "SELECT vec FROM \"irq:softirq_entry\"") == [[.int(3)]])
    // A constraint on the column the old recording lacks skips all of its chunks (NULL never matches).
    s.resetCounters()
    #expect(try query(s, "SELECT count(*) FROM syscall WHERE unpaired = 0") == [[.int(12)]])
    #expect(s.counters["syscall"]?.chunksSkipped == 1)
}

/// Integer constraints are omitted from SQLite's own recheck (ChunkTable.omits): the scan's
/// row filter must then answer exactly what SQLite answers with the constraint unpushed
/// (`+col` keeps it from the virtual table), at every bound, u64 columns above 2^63 included.
@Test func omittedConstraintsAgreeWithSQLitesOwnComparison() throws {
    let s = try session([try syscallRecording()], views: false)
    let t = SyntheticRecording.at(1.0)
    var checked = 0
    for (table, column, bounds) in [("syscall", "ts", [-1, 0, t - 1, t, t + 1, Int64.max]), ("syscall", "pid", [-1, 99, 100, 101, 103, 104]),
                                    ("syscall", "ret", [-3, -2, 0, 10, 11]), ("block_rq_issue", "rq", [-1, 0, Int64.max - 1, Int64.max])] {
        for op in ["<", "<=", "=", ">=", ">", "!="] {
            for b in bounds {
                // The rows by what they hold (a filtered scan numbers its rowids afresh).
                let rows = table == "syscall" ? "group_concat(ts || ':' || pid || ':' || ret)" : "group_concat(rq)"
                let pushed = try query(s, "SELECT count(*), \(rows) FROM \(table) WHERE \(column) \(op) \(b)")
                let plain = try query(s, "SELECT count(*), \(rows) FROM \(table) WHERE +\(column) \(op) \(b)")
                #expect(pushed == plain, "\(table).\(column) \(op) \(b): \(pushed) / \(plain)")
                checked += 1
            }
        }
    }
    #expect(checked == 126)
}
