import Foundation
import Testing
@testable import TraceFormat

@Suite struct PropertyTests {
    @Test(arguments: 0..<25)
    func randomTablesRoundTrip(seed: Int) throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let written = try RandomRecording.write(to: path, seed: UInt64(seed) &* 7919 &+ 1)
        let file = try TraceFile(path: path)
        #expect(file.damage.isEmpty)
        #expect(file.verify().isEmpty)
        let read = try readAll(file)
        for table in written {
            let chunks = read[table.schema.name] ?? []
            #expect(chunks.count == table.chunks.count)
            for (k, chunk) in zip(chunks, table.chunks).enumerated() {
                for (i, c) in table.schema.columns.enumerated() {
                    #expect(chunk.0[c.name] == chunk.1[i], "seed \(seed) table \(table.schema.name) chunk \(k) column \(c.name)")
                }
            }
        }
    }

    @Test func scanningWithoutFooterFindsTheSameChunks() throws {
        let path = temporaryPath()
        let written = try RandomRecording.write(to: path, seed: 42, close: false)
        let file = try TraceFile(path: path)
        #expect(!file.hasFooter)
        #expect(file.damage.isEmpty)
        #expect(file.chunks.count == written.reduce(0) { $0 + $1.chunks.count })
        // check reports the missing footer.
        #expect(file.verify().contains { $0.message.contains("no footer") })
    }

    @Test func integerEncodingsRoundTripExtremes() throws {
        let cases: [[Int64]] = [
            [], [7], [0, 0, 0], [Int64.min, Int64.max], [Int64.max, Int64.min, 0, -1, 1],
            (0..<1000).map { Int64($0) * 1_000_000 - ($0 % 4 == 0 ? 500 : 0) },
            (0..<300).map { _ in -1 },
        ]
        for values in cases {
            for unsigned in [false, true] {
                let e = ColumnCodec.encodeInts(values, unsigned: unsigned)
                let d = try e.data.withUnsafeBytes { b in
                    try ColumnCodec.decode(b, encoding: ColumnEncoding(rawValue: e.encoding)!, width: Int(e.width), rows: values.count, stats: e.stats)
                }
                #expect(d == .ints(values), "\(values.prefix(5)) unsigned=\(unsigned)")
            }
        }
    }

    @Test func outOfOrderTimestampsStayCheap() {
        // Timestamps 10 µs apart with small reorderings: delta encoding must need at most 4 bytes.
        var t: Int64 = 5_000_000_000_000
        let values = (0..<10_000).map { i -> Int64 in
            t += 10_000
            return i % 7 == 0 ? t - 3_000 : t
        }
        let e = ColumnCodec.encodeInts(values, unsigned: true)
        #expect(e.encoding == ColumnEncoding.delta.rawValue)
        #expect(e.width <= 4)
    }

    @Test func overlongStringsAreCutToTheColumnMax() throws {
        let schema = TableSchema(name: "t", family: "f", columns: [ColumnSchema(name: "ts", type: .u64), ColumnSchema(name: "s", type: .str, max: 16)])
        var buffer = TableBuffer(tableID: 1, schema: schema)
        buffer.append(row: [1, .string(String(repeating: "x", count: 100_000))])
        guard case .blobs(let b) = buffer.takeColumns()[1] else { Issue.record("not a blob column"); return }
        #expect(b[0].count == 16)
    }
}
