import Foundation
import Testing
@testable import TraceFormat

/// bpfrec record --ring: the newest chunks kept whole, retained tables and metadata never
/// dropped, and the file readable after any prefix of the writer's writes.
private let snapshotSchema = TableSchema(name: "process_snapshot", family: "proc", source: .recorder, doc: "test", columns: [
    ColumnSchema(name: "ts", type: .u64, unit: "ns"),
    ColumnSchema(name: "comm", type: .str, max: 16),
])

/// A chunk of `rows` rows whose ts are chunk * 1000 + row: chunk numbers read back from ts.
private func chunk(_ n: Int, rows: Int, id: UInt32, rng: inout SplitMix64) -> TableBuffer {
    var buffer = TableBuffer(tableID: id, schema: eventSchema)
    for i in 0..<rows {
        buffer.append(row: [.int(Int64(n * 1000 + i)), .int(Int64(i % 2)), .int(Int64(rng.next() % 100_000)), .u64(rng.next()), .string("task\(i % 3)")])
    }
    return buffer
}

/// The chunk numbers of the event chunks a file holds, in its index order.
private func chunkNumbers(_ file: TraceFile) throws -> [Int] {
    try file.chunks(ofTable: eventSchema.name).map { c in
        guard case .ints(let ts)? = try file.read(c, columns: ["ts"])["ts"] else { return -1 }
        return Int(ts[0] / 1000)
    }
}

@Test func ringKeepsTheNewestWholeChunksAndStatesWhatItDropped() throws {
    let path = temporaryPath()
    let capacity = 64 << 10
    let writer = try TraceWriter(path: path, layout: .ring(capacity: capacity))
    let snap = try writer.defineTable(snapshotSchema, retained: true)
    let id = try writer.defineTable(eventSchema)
    try writer.writeMetadata(name: "host", bytes: Array("{}".utf8))
    var s = TableBuffer(tableID: snap, schema: snapshotSchema)
    s.append(row: [.int(1), .string("init")])
    try writer.flush(&s)
    var rng = SplitMix64(seed: 16)
    var rowsWritten = 0
    for n in 1...400 {
        let rows = Int.random(in: 5...120, using: &rng)
        var b = chunk(n, rows: rows, id: id, rng: &rng)
        try writer.flush(&b)
        rowsWritten += rows
        // Readable at every moment: the file as it stands now.
        if n % 37 == 0 || n == 400 {
            let file = try TraceFile(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
            let numbers = try chunkNumbers(file)
            let ring = try #require(file.ring)
            #expect(file.verify().isEmpty, "\(file.verify())")
            #expect(numbers == Array((n - numbers.count + 1)...n), "chunk \(n): not the newest chunks in order: \(numbers)")
            #expect(ring.liveChunks == numbers.count && ring.liveBytes <= capacity)
            #expect(ring.droppedChunks + ring.liveChunks == n)
            #expect(file.rowCount(ofTable: "process_snapshot") == 1 && file.metadataNames == ["host"])
        }
    }
    try writer.close()
    let file = try TraceFile(path: path)
    let ring = try #require(file.ring)
    #expect(file.hasFooter && file.verify().isEmpty && file.majorVersion == 2)
    let numbers = try chunkNumbers(file)
    #expect(numbers.last == 400 && numbers == Array((400 - numbers.count + 1)...400))
    // Kept: at least the ring less its largest chunk; the rows add up with what was dropped.
    #expect(ring.liveBytes > capacity - 16 << 10, "\(ring.liveBytes)")
    #expect(ring.droppedRows + file.rowCount(ofTable: eventSchema.name) == rowsWritten)
    #expect(ring.droppedLastTime == Int64((400 - numbers.count) * 1000 + 119) || ring.droppedLastTime < Int64((401 - numbers.count) * 1000))
    #expect(file.firstCoveredTime == ring.droppedLastTime + 1)
    // The file: header, control copies, the ring, then the permanent region only (schemas,
    // metadata, the snapshot, and at close the footer naming the live chunks).
    #expect(file.fileSize <= RingControl.dataStart + capacity + 16 << 10, "\(file.fileSize)")
}

/// A kill -9 lands between any two writes or inside one: rebuilt from the writer's own writes
/// cut at random points, the file always opens, holds the newest chunks written whole up to
/// that moment, and is damaged at most in the one chunk being written.
@Test func ringReadableAfterAKillAtAnyByte() throws {
    let path = temporaryPath()
    let writer = try TraceWriter(path: path, layout: .ring(capacity: 64 << 10))
    // The file header and first control copies, written by init, then every write after.
    nonisolated(unsafe) var log: [(bytes: [UInt8], at: Int)] = [(Array(try Data(contentsOf: URL(fileURLWithPath: path))), 0)]
    writer.writeLog = { log.append(($0, $1)) }
    let snap = try writer.defineTable(snapshotSchema, retained: true)
    let id = try writer.defineTable(eventSchema)
    try writer.writeMetadata(name: "host", bytes: Array("{}".utf8))
    var s = TableBuffer(tableID: snap, schema: snapshotSchema)
    s.append(row: [.int(1), .string("init")])
    try writer.flush(&s)
    let before = log.count
    var rng = SplitMix64(seed: 9)
    var finishedAt: [Int] = []   // log index after which chunk n's publication is complete
    for n in 1...120 {
        var b = chunk(n, rows: Int.random(in: 20...150, using: &rng), id: id, rng: &rng)
        try writer.flush(&b)
        finishedAt.append(log.count)
    }
    var image = [UInt8]()
    func apply(_ w: (bytes: [UInt8], at: Int), cut: Int? = nil) {
        let bytes = cut.map { Array(w.bytes.prefix($0)) } ?? w.bytes
        if image.count < w.at + bytes.count { image += [UInt8](repeating: 0, count: w.at + bytes.count - image.count) }
        image.replaceSubrange(w.at..<(w.at + bytes.count), with: bytes)
    }
    for w in log[..<before] { apply(w) }
    var torn = 0
    for k in before..<log.count {
        // The write k cut at a random byte (a kill mid-write), on a copy.
        let saved = image
        apply(log[k], cut: Int.random(in: 0..<max(1, log[k].bytes.count), using: &rng))
        let file = try TraceFile(bytes: image, name: "kill@\(k)")
        let problems = file.verify()
        let numbers = try chunkNumbers(file)
        let whole = finishedAt.filter { $0 <= k }.count   // chunks published before write k
        #expect(problems.count <= 1, "write \(k): \(problems)")
        if let p = problems.first {
            torn += 1
            #expect(p.message.contains("newest chunk is torn"), "write \(k): \(p)")
        }
        #expect(numbers.last.map { $0 >= whole } ?? (whole == 0), "write \(k): newest \(numbers.last ?? -1), \(whole) published")
        if let last = numbers.last { #expect(numbers == Array((last - numbers.count + 1)...last), "write \(k): \(numbers)") }
        #expect(file.rowCount(ofTable: "process_snapshot") == 1 && file.metadataNames == ["host"])
        image = saved
        apply(log[k])
    }
    #expect(torn > 0, "no cut landed inside a chunk: the test did not test a torn chunk")
}

@Test func rotatedFilesAreWholeAloneAndOneRecordingTogether() throws {
    let base = temporaryPath() + ".trc"
    let writer = try TraceWriter(path: base, layout: .rotate(bytes: 40 << 10, seconds: nil))
    let snap = try writer.defineTable(snapshotSchema, retained: true)
    let id = try writer.defineTable(eventSchema)
    try writer.writeMetadata(name: "host", bytes: Array("{}".utf8))
    var s = TableBuffer(tableID: snap, schema: snapshotSchema)
    s.append(row: [.int(1), .string("init")])
    try writer.flush(&s)
    nonisolated(unsafe) var closings = 0
    writer.closingMetadata = { closings += 1; return [("recording", Array("{\"part\":\(closings)}".utf8))] }
    var rng = SplitMix64(seed: 3)
    for n in 1...100 {
        var b = chunk(n, rows: 100, id: id, rng: &rng)
        try writer.flush(&b)
    }
    try writer.close()
    let paths = writer.finishedParts + [writer.currentPath]
    #expect(paths.count > 3 && paths[0] == RotatedSet.path(base, part: 1) && paths[0].hasSuffix(".0001.trc"))
    #expect(closings == paths.count - 1)
    var total: [Int] = []
    for (i, p) in paths.enumerated() {
        let f = try TraceFile(path: p)
        #expect(f.hasFooter && f.verify().isEmpty && f.majorVersion == 1 && f.rotatedPart?.part == i + 1)
        #expect(f.fileSize <= 40 << 10, "\(p): \(f.fileSize)")
        // Each file on its own has the snapshot and the metadata.
        #expect(f.rowCount(ofTable: "process_snapshot") == 1 && f.metadataNames.contains("host"))
        total += try chunkNumbers(f)
    }
    #expect(total == Array(1...100))
    let set = try TraceFile(paths: paths.reversed())
    #expect(try chunkNumbers(set) == Array(1...100) && set.rowCount(ofTable: "process_snapshot") == 1)
    #expect(set.verify().isEmpty && set.missingParts.isEmpty && set.lostOldestData == nil)
    #expect(String(decoding: try set.metadata(named: "recording") ?? [], as: UTF8.self) == "{\"part\":\(paths.count - 1)}")
    let gap = try TraceFile(paths: [paths[0], paths[2]])
    #expect(gap.missingParts == [2] && gap.lostOldestData?.contains("file 2") == true)
    let alone = try TraceFile(path: paths[1])
    #expect(alone.firstCoveredTime == (alone.rotatedPart?.completeAfter ?? -9) + 1 && alone.lostOldestData?.contains("this is file 2 of a rotated set") == true)
    #expect(try TraceFile(path: paths[0]).lostOldestData == nil)
    let late = try TraceFile(paths: Array(paths[1...]))
    #expect(late.firstCoveredTime != nil && late.rowCount(ofTable: "process_snapshot") == 1)
    // Files of two recordings are refused, naming the file.
    let other = try SyntheticFile.linear()
    #expect(throws: FormatError.self) { try TraceFile(paths: [paths[0], other]) }
}

private enum SyntheticFile {
    static func linear() throws -> String {
        let path = temporaryPath() + "-other.trc"
        let w = try TraceWriter(path: path)
        _ = try w.defineTable(eventSchema)
        try w.close()
        return path
    }
}

/// The -o path is read back from a numbered name, so that `bpfan compare a.*.trc b.*.trc` can
/// tell where one set ends.
@Test func numberedNamesGiveBackTheirPattern() {
    for (path, part) in [("run.trc", 1), ("/var/tmp/run.trc", 12), ("dir.v2/run", 3), ("a.b.trc", 10000), (".hidden.trc", 2)] {
        #expect(RotatedSet.pattern(ofNumbered: RotatedSet.path(path, part: part)) == path, "\(path)")
    }
    for name in ["run.trc", "run.123.trc", "run.12a4.trc", "/x.0001/run.trc", "2026.trc", "run.0001", ".0001.trc"] where name != "run.0001" {
        #expect(RotatedSet.pattern(ofNumbered: name) == nil, "\(name)")
    }
    #expect(RotatedSet.pattern(ofNumbered: "run.0001") == "run")
}
