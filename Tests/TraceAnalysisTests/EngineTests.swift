import TraceTestSupport
import Testing
import TraceFormat
@testable import TraceAnalysis

@Test func intervalBucketsCountFromTheStart() {
    let b = IntervalBuckets(start: 1000, end: 1000 + 2_500_000_000, intervalSeconds: 1, count: nil)
    #expect(b.bucketCount == 3)
    #expect(b.index(of: 1000) == 0)
    #expect(b.index(of: 1000 + 1_000_000_000) == 1)
    #expect(b.index(of: 1000 + 2_600_000_000) == nil)
    #expect(b.reportTime(of: 2) == 1000 + 2_500_000_000)
    let limited = IntervalBuckets(start: 0, end: 10_000_000_000, intervalSeconds: 2, count: 2)
    #expect(limited.bucketCount == 2)
    #expect(limited.index(of: 4_000_000_000) == nil)
    let whole = IntervalBuckets(start: 0, end: 10, intervalSeconds: nil, count: nil)
    #expect(whole.bucketCount == 1 && whole.index(of: 9) == 0 && whole.index(of: 10) == nil)
}

@Test func timeSpecsParseSecondsWallClockAndISO() throws {
    let clock = ClockAnchorsView(monotonicAtStart: 5_000_000_000, realtimeAtStart: 1_795_990_000_000_000_000, utcOffsetSeconds: 3600)
    // 22:06:40 UTC = 23:06:40 local (+01:00)
    #expect(try TimeSpec.parse("1.5", recordingStart: 5_000_000_000, clock: clock) == 6_500_000_000)
    #expect(try TimeSpec.parse("23:06:42", recordingStart: 5_000_000_000, clock: clock) == 7_000_000_000)
    #expect(try TimeSpec.parse("23:06:42.250", recordingStart: 5_000_000_000, clock: clock) == 7_250_000_000)
    #expect(try TimeSpec.parse("2026-11-29T22:06:43Z", recordingStart: 5_000_000_000, clock: clock) == 8_000_000_000)
    #expect(try TimeSpec.parse("2026-11-29T23:06:43+01:00", recordingStart: 5_000_000_000, clock: clock) == 8_000_000_000)
    #expect(clock.hms(ofMonotonic: 5_000_000_000) == "23:06:40")
    #expect(throws: AnalysisError.self) { try TimeSpec.parse("yesterday", recordingStart: 0, clock: clock) }
    #expect(throws: AnalysisError.self) { try TimeSpec.parse("22:00", recordingStart: 0, clock: nil) }
}

@Test func scanHonoursWindowAndPidPushdown() throws {
    let s = SyntheticRecording()
    for i in 0..<10 { s.add("syscall", ["ts": .int(SyntheticRecording.at(Double(i) * 0.5)), "pid": .int(Int64(100 + i % 2)), "id": 0]) }
    let rec = try Recording(path: try s.write())
    var seen: [Int64] = []
    try rec.windowed(from: "1", to: "3").scan("syscall", columns: ["ts"]) { seen += $0.ints("ts") }
    #expect(seen == [2, 3, 4, 5].map { SyntheticRecording.at(Double($0) * 0.5) })
    var pids: [Int64] = []
    try rec.scan("syscall", columns: ["pid"], filter: ScanFilter(pids: [101])) { pids += $0.ints("pid") }
    #expect(pids == [101, 101, 101, 101, 101])
    // Chunks of 3 rows: [100,101,100] [101,100,101] [100,101,100] [101]; pid 101 alone skips none
    // but pid 7 skips every chunk without decoding.
    #expect(rec.plannedChunks(table: "syscall", filter: ScanFilter(pids: [7])).isEmpty)
}

/// Chunk statistics of a u64 column are in unsigned order: a chunk holding both 0 and a kernel
/// address (above 2^63) has min 0 and max the address, which compared as signed numbers is a
/// negative max, so a filter on either value skipped the chunk it had to read.
@Test func pruningComparesUnsignedColumnsAsUnsigned() throws {
    let s = SyntheticRecording()
    let kernel = Int64(bitPattern: 0xffff_8880_0000_1000)
    for rq in [0, kernel, 7] { s.add("block_rq_issue", ["ts": .int(SyntheticRecording.at(0.1)), "rq": .int(rq)]) }
    let rec = try Recording(path: try s.write())
    for wanted in [kernel, 0, 7] {
        #expect(rec.plannedChunks(table: "block_rq_issue", filter: ScanFilter(values: ["rq": [wanted]])).count == 1)
        var got: [Int64] = []
        try rec.scan("block_rq_issue", columns: ["rq"], filter: ScanFilter(values: ["rq": [wanted]])) { got += $0.ints("rq") }
        #expect(got == [wanted])
    }
    // Outside [0, kernel] in unsigned order: nothing to read.
    #expect(rec.plannedChunks(table: "block_rq_issue", filter: ScanFilter(values: ["rq": [-1]])).isEmpty)
}

@Test func mergedScanOrdersRowsAcrossTablesAndChunks() throws {
    let s = SyntheticRecording()
    s.rowsPerChunk = 2
    // Out of order within a table (two CPUs), interleaved across tables.
    for t in [0.3, 0.1, 0.5, 0.4] { s.add("block_rq_issue", ["ts": .int(SyntheticRecording.at(t)), "rq": 1]) }
    for t in [0.2, 0.6, 0.35] { s.add("block_rq_complete", ["ts": .int(SyntheticRecording.at(t)), "rq": 2]) }
    let rec = try Recording(path: try s.write())
    var got: [(Int, Int64)] = []
    try rec.scanMerged([ScanSource("block_rq_issue", ["ts"]), ScanSource("block_rq_complete", ["ts"])]) { got.append(($0.source, $0.ts)) }
    let want: [(Int, Double)] = [(0, 0.1), (1, 0.2), (0, 0.3), (1, 0.35), (0, 0.4), (0, 0.5), (1, 0.6)]
    #expect(got.map(\.0) == want.map(\.0))
    #expect(got.map(\.1) == want.map { SyntheticRecording.at($0.1) })
}

@Test func processTrackerFollowsForkExecRename() throws {
    let s = SyntheticRecording()
    s.add("process_snapshot", ["ts": .int(SyntheticRecording.t0), "pid": 10, "tid": 10, "ppid": 1, "comm": "bash"])
    s.add("process_fork", ["ts": .int(SyntheticRecording.at(1)), "pid": 10, "tid": 10, "comm": "bash", "child_pid": 20, "child_tid": 20])
    s.add("process_exec", ["ts": .int(SyntheticRecording.at(2)), "pid": 20, "tid": 20, "ppid": 10, "comm": "ls", "ret": 0])
    s.add("comm_change", ["ts": .int(SyntheticRecording.at(3)), "pid": 20, "tid": 20, "new_comm": "ls-renamed"])
    let rec = try Recording(path: try s.write())
    var tracker = ProcessTracker()
    var commAt: [String] = []
    try rec.windowed(from: "2.5", to: nil).scanMerged(ProcessTracker.sources) { row in
        tracker.apply(source: row.source, batch: row.batch, row: row.row)
        commAt.append(tracker.comm(20) ?? "-")
    }
    // History before --from still feeds the tracker.
    #expect(commAt == ["-", "bash", "ls", "ls-renamed"])
    #expect(tracker.task(20)?.ppid == 10)
}

/// scanPaired against a sequential reference (a merged scan and a dictionary), with the rows cut
/// into many small ranges so that every edge case of the range merge is exercised: takes and
/// peeks of stamps set in an earlier range, set-if-absent on keys an earlier range stamped,
/// equal timestamps across tables, rows out of order within a chunk.
@Test func pairedScanMatchesASequentialPairing() throws {
    let s = SyntheticRecording()
    s.rowsPerChunk = 7
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next(_ n: UInt64) -> Int64 {
        seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17
        return Int64(seed % n)
    }
    // block_rq_insert: set; block_rq_issue: set-if-absent; block_rq_complete: take; block_io_done: peek.
    let tables = ["block_rq_insert", "block_rq_issue", "block_rq_complete", "block_io_done"]
    for table in tables {
        for _ in 0..<400 {
            // Coarse timestamps (many ties), keys from a small set (reused often).
            s.add(table, ["ts": .int(SyntheticRecording.at(Double(next(300)) * 0.01)), "rq": .int(next(12)), "dev": .int(next(1000))])
        }
    }
    let rec = try Recording(path: try s.write())
    let sources = tables.map { ScanSource($0, ["ts", "rq", "dev"]) }
    struct Match: Hashable { var source: Int; var ts: Int64; var dev: Int64; var label: UInt8; var start: Int64 }

    var open: [Int64: Int64] = [:]
    var want: [Match] = []
    try rec.scanMerged(sources) { row in
        let key = row.int(1)
        switch row.source {
        case 0: open[key] = row.int(2)
        case 1: if open[key] == nil { open[key] = row.int(2) }
        case 2: if let v = open.removeValue(forKey: key) { want.append(Match(source: 2, ts: row.ts, dev: row.int(2), label: 1, start: v)) }
        default: if let v = open[key] { want.append(Match(source: 3, ts: row.ts, dev: row.int(2), label: 2, start: v)) }
        }
    }
    #expect(want.count > 100)
    for ranges in [1, 2, 5, 16] {
        let got = try rec.scanPaired(sources, filter: .none, ranges: ranges, minimumSamples: 1, sampleStride: 1, initial: { [Match]() }, ops: { row, ops in
            let key = row.int(1)
            switch row.source {
            case 0: ops.set(key, row.int(2))
            case 1: ops.setIfAbsent(key, row.int(2))
            case 2: ops.take(key, label: 1)
            default: ops.peek(key, label: 2)
            }
        }, matched: { out, row, m in
            out.append(Match(source: row.source, ts: row.ts, dev: row.int(2), label: m.label, start: m.start))
        }, merge: { $0 += $1 })
        #expect(got.count == want.count, "ranges \(ranges)")
        #expect(Set(got) == Set(want), "ranges \(ranges)")
        let key = { (m: Match) in "\(m.ts) \(m.source) \(m.dev) \(m.label) \(m.start)" }
        #expect(got.map(key).sorted() == want.map(key).sorted(), "ranges \(ranges)")
    }
}

/// takeUnlessWithin (runqslower's keep-a-short-wait's-stamp) across many small ranges, against
/// the sequential rule: a match with the open stamp, which stays when it is no more than the
/// threshold old.
@Test func pairedScanKeepsShortStampsAsSequential() throws {
    let s = SyntheticRecording()
    s.rowsPerChunk = 5
    var seed: UInt64 = 0x2545_F491_4F6C_DD1D
    func next(_ n: UInt64) -> Int64 {
        seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17
        return Int64(seed % n)
    }
    for table in ["block_rq_insert", "block_rq_complete"] {
        for _ in 0..<500 { s.add(table, ["ts": .int(SyntheticRecording.at(Double(next(300)) * 0.01)), "rq": .int(next(8))]) }
    }
    let rec = try Recording(path: try s.write())
    let sources = [ScanSource("block_rq_insert", ["ts", "rq"]), ScanSource("block_rq_complete", ["ts", "rq"])]
    let micros: Int64 = 200_000
    var open: [Int64: Int64] = [:]
    var want: [String] = []
    var kept = 0
    try rec.scanMerged(sources) { row in
        let key = row.int(1)
        if row.source == 0 { open[key] = row.ts; return }
        guard let v = open[key] else { return }
        want.append("\(row.ts) \(key) \(v)")
        if (row.ts - v) / 1000 > micros { open[key] = nil } else { kept += 1 }
    }
    #expect(want.count > 100 && kept > 20, "\(want.count) matches, \(kept) kept")
    for ranges in [1, 3, 8, 24] {
        let got = try rec.scanPaired(sources, filter: .none, ranges: ranges, minimumSamples: 1, sampleStride: 1, initial: { [String]() }, ops: { row, ops in
            if row.source == 0 { ops.set(row.int(1), row.ts) } else { ops.takeUnlessWithin(row.int(1), micros: micros) }
        }, matched: { out, row, m in out.append("\(row.ts) \(row.int(1)) \(m.start)") }, merge: { $0 += $1 })
        #expect(got.sorted() == want.sorted(), "ranges \(ranges)")
    }
}
