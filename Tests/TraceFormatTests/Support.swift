import Foundation
@testable import TraceFormat

/// Deterministic random numbers, so a failing property test fails the same way again.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A table and the rows written to it, for comparing with what is read back.
struct WrittenTable {
    var schema: TableSchema
    var chunks: [[ColumnData]]
}

enum RandomRecording {
    static func schema(_ index: Int, using rng: inout SplitMix64) -> TableSchema {
        var columns = [ColumnSchema(name: "ts", type: .u64, unit: "ns")]
        let n = Int.random(in: 1...8, using: &rng)
        for i in 0..<n {
            let type = ColumnType.allCases.randomElement(using: &rng)!
            columns.append(ColumnSchema(name: "c\(i)", type: type, max: type.isInteger ? nil : Int.random(in: 1...300, using: &rng)))
        }
        return TableSchema(name: "t\(index)", family: "f\(index % 3)", columns: columns)
    }

    static func value(_ c: ColumnSchema, row: Int, previousTime: inout Int64, using rng: inout SplitMix64) -> ColumnValue {
        if c.name == "ts" {
            // Mostly increasing, sometimes slightly back in time (events from other CPUs).
            previousTime += Int64.random(in: -2_000...50_000, using: &rng)
            return .int(previousTime)
        }
        switch c.type {
        case .u8: return .int(Int64.random(in: 0...255, using: &rng))
        case .u16: return .int(Int64.random(in: 0...65535, using: &rng))
        case .u32: return .int([0, 1, 4_294_967_295, Int64.random(in: 0...4_294_967_295, using: &rng)].randomElement(using: &rng)!)
        case .i32: return .int([Int64(Int32.min), Int64(Int32.max), -1, Int64.random(in: -5...5, using: &rng)].randomElement(using: &rng)!)
        case .u64: return .u64([0, UInt64.max, 0xffff_ffff_8100_0000 + UInt64(row) * 8, UInt64.random(in: 0...UInt64.max, using: &rng)].randomElement(using: &rng)!)
        case .i64: return .int([Int64.min, Int64.max, 0, Int64.random(in: Int64.min...Int64.max, using: &rng)].randomElement(using: &rng)!)
        case .str, .bytes:
            let pick = Int.random(in: 0..<4, using: &rng)
            if pick == 0 { return .bytes([]) }
            if pick == 1 { return .string("comm\(row % 5)") }
            // Sometimes far longer than the column allows: must be cut to max.
            let len = Int.random(in: 0...(pick == 2 ? 2_000 : 40), using: &rng)
            return .bytes((0..<len).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }
    }

    /// What a column reads back as after the writer cut values to the column's max.
    static func expected(_ values: [ColumnValue], _ c: ColumnSchema) -> [ColumnValue] {
        values.map { v in
            if case .bytes(let b) = v, let m = c.max, b.count > m { return .bytes(Array(b.prefix(m))) }
            return v
        }
    }

    /// Writes `tables` random tables with several chunks each; returns the path and what went in.
    static func write(to path: String, seed: UInt64, tables: Int = 3, chunksPerTable: Int = 3, maxRows: Int = 600, close: Bool = true) throws -> [WrittenTable] {
        var rng = SplitMix64(seed: seed)
        let writer = try TraceWriter(path: path, overwrite: true)
        try writer.writeMetadata(name: MetadataName.host, json: HostInfo(hostname: "test", kernelRelease: "6.18", machine: "x86_64", cpuCount: 2, pageSize: 4096))
        var written: [WrittenTable] = []
        var ids: [UInt32] = []
        for t in 0..<tables {
            let schema = schema(t, using: &rng)
            ids.append(try writer.defineTable(schema))
            written.append(WrittenTable(schema: schema, chunks: []))
        }
        var time: Int64 = 1_000_000_000
        for _ in 0..<chunksPerTable {
            for t in 0..<tables {
                var buffer = TableBuffer(tableID: ids[t], schema: written[t].schema)
                let rows = Int.random(in: 1...maxRows, using: &rng)
                var columns = Array(repeating: [ColumnValue](), count: written[t].schema.columns.count)
                for r in 0..<rows {
                    let row = written[t].schema.columns.map { value($0, row: r, previousTime: &time, using: &rng) }
                    buffer.append(row: row)
                    for (i, v) in row.enumerated() { columns[i].append(v) }
                }
                try writer.flush(&buffer, zstdLevel: Int32.random(in: 0...3, using: &rng))
                written[t].chunks.append(zip(columns, written[t].schema.columns).map { values, c in toColumnData(expected(values, c), c) })
            }
        }
        if close { try writer.close() }
        return written
    }

    static func toColumnData(_ values: [ColumnValue], _ c: ColumnSchema) -> ColumnData {
        if c.type.isInteger {
            return .ints(values.map { if case .int(let x) = $0 { return x }; return 0 })
        }
        var dict: [[UInt8]] = []
        var codes: [UInt32] = []
        var index: [[UInt8]: UInt32] = [:]
        for v in values {
            guard case .bytes(let b) = v else { continue }
            if let code = index[b] { codes.append(code) } else {
                index[b] = UInt32(dict.count)
                codes.append(UInt32(dict.count))
                dict.append(b)
            }
        }
        return .blobs(BlobColumn(dictionary: dict, codes: codes))
    }
}

func temporaryPath(_ name: String = #function) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bpfrec-tests-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let safe = name.filter { $0.isLetter || $0.isNumber }
    return dir.appendingPathComponent("\(safe)-\(UUID().uuidString).trc").path
}

/// Reads every chunk of `file` grouped by table name, in file order.
func readAll(_ file: TraceFile) throws -> [String: [[String: ColumnData]]] {
    var out: [String: [[String: ColumnData]]] = [:]
    for chunk in file.chunks {
        out[file.tables[chunk.tableID]!.name, default: []].append(try file.read(chunk))
    }
    return out
}
