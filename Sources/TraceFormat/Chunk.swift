/// The header of one chunk: which table, how many rows, the time span, and per column how it is
/// encoded, where its bytes are and its min/max. Everything a scan needs to decide whether to
/// decompress the chunk at all.
public struct ChunkHeader: Sendable, Equatable {
    public struct Column: Sendable, Equatable {
        public var index: Int
        public var encoding: UInt8
        public var width: UInt8
        public var stats: ColumnStats
        public var storedLength: Int
        public var rawLength: Int
        /// Offset of the column's bytes from the start of the chunk payload.
        public var dataOffset: Int
    }

    public var tableID: UInt32
    public var rowCount: Int
    public var minTime: Int64
    public var maxTime: Int64
    public var columns: [Column]

    public func column(_ index: Int) -> Column? { columns.first { $0.index == index } }

    static let fixedSize = 4 + 4 + 8 + 8 + 2
    static let columnSize = 2 + 1 + 1 + 8 + 8 + 4 + 4

    static func parse(_ payload: UnsafeRawBufferPointer) throws(DecodeError) -> ChunkHeader {
        var r = ByteReader(payload)
        let tableID = try r.u32("table id")
        let rows = Int(try r.u32("row count"))
        guard rows <= FormatLimits.maxRowsPerChunk else { throw DecodeError(relativeOffset: 4, message: "chunk claims \(rows) rows, limit \(FormatLimits.maxRowsPerChunk)") }
        let minTime = try r.i64("min time")
        let maxTime = try r.i64("max time")
        let ncols = Int(try r.u16("column count"))
        guard ncols <= FormatLimits.maxColumnsPerTable else { throw DecodeError(relativeOffset: r.position - 2, message: "chunk claims \(ncols) columns") }
        var columns: [Column] = []
        var dataOffset = fixedSize + ncols * columnSize
        for i in 0..<ncols {
            let start = r.position
            let index = Int(try r.u16("column \(i) index"))
            let encoding = try r.u8("column \(i) encoding")
            let width = try r.u8("column \(i) width")
            let stats = ColumnStats(min: try r.i64(), max: try r.i64())
            let stored = Int(try r.u32("column \(i) stored length"))
            let raw = Int(try r.u32("column \(i) raw length"))
            guard ColumnEncoding(rawValue: encoding & ~ColumnEncoding.zstdFlag) != nil else {
                throw DecodeError(relativeOffset: start, message: "column \(i) has unknown encoding \(encoding)")
            }
            guard raw <= FormatLimits.maxColumnBytes else { throw DecodeError(relativeOffset: start, message: "column \(i) claims \(raw) decompressed bytes, limit \(FormatLimits.maxColumnBytes)") }
            columns.append(Column(index: index, encoding: encoding, width: width, stats: stats, storedLength: stored, rawLength: raw, dataOffset: dataOffset))
            dataOffset += stored
            guard dataOffset <= payload.count else {
                throw DecodeError(relativeOffset: start, message: "column \(i) data ends at \(dataOffset), past the chunk's \(payload.count) bytes")
            }
        }
        return ChunkHeader(tableID: tableID, rowCount: rows, minTime: minTime, maxTime: maxTime, columns: columns)
    }
}

/// Turns gathered columns into a chunk payload. Pure and `Sendable`, so the recorder can encode
/// on worker threads while the file is appended to in order.
public enum ChunkEncoder {
    public static func encode(tableID: UInt32, schema: TableSchema, columns: [ColumnData], zstdLevel: Int32 = 3) -> [UInt8] {
        precondition(columns.count == schema.columns.count, "\(schema.name): \(columns.count) columns for a schema of \(schema.columns.count)")
        let rows = columns.first?.count ?? 0
        precondition(columns.allSatisfy { $0.count == rows }, "\(schema.name): columns of unequal length")
        precondition(rows <= FormatLimits.maxRowsPerChunk, "\(schema.name): \(rows) rows exceed a chunk's limit")
        var encoded: [EncodedColumn] = []
        for (i, column) in columns.enumerated() {
            var e: EncodedColumn
            switch column {
            case .ints(let v): e = ColumnCodec.encodeInts(v, unsigned: schema.columns[i].type.isUnsigned)
            case .blobs(let b): e = ColumnCodec.encodeBlobs(b)
            }
            if zstdLevel > 0 && e.data.count > 64 {
                let packed = e.data.withUnsafeBytes { Zstd.compress($0, level: zstdLevel) }
                if packed.count < e.data.count {
                    e.data = packed
                    e.encoding |= ColumnEncoding.zstdFlag
                }
            }
            encoded.append(e)
        }
        var time = ColumnStats(min: 0, max: 0)
        if let ts = schema.columnIndex("ts"), rows > 0 { time = encoded[ts].stats }
        var w = ByteWriter(capacity: ChunkHeader.fixedSize + encoded.count * ChunkHeader.columnSize + encoded.reduce(0) { $0 + $1.data.count })
        w.u32(tableID)
        w.u32(UInt32(rows))
        w.i64(time.min)
        w.i64(time.max)
        w.u16(UInt16(encoded.count))
        for (i, e) in encoded.enumerated() {
            w.u16(UInt16(i))
            w.u8(e.encoding)
            w.u8(e.width)
            w.i64(e.stats.min)
            w.i64(e.stats.max)
            w.u32(UInt32(e.data.count))
            w.u32(UInt32(e.rawLength))
        }
        for e in encoded { w.raw(e.data) }
        return w.bytes
    }
}

extension ColumnType {
    public var isUnsigned: Bool { self == .u8 || self == .u16 || self == .u32 || self == .u64 }
}

enum ChunkDecoder {
    static func decode(_ payload: UnsafeRawBufferPointer, header: ChunkHeader, column: ChunkHeader.Column) throws(DecodeError) -> ColumnData {
        let stored = UnsafeRawBufferPointer(rebasing: payload[column.dataOffset..<(column.dataOffset + column.storedLength)])
        let encoding = ColumnEncoding(rawValue: column.encoding & ~ColumnEncoding.zstdFlag)!
        do throws(DecodeError) {
            if column.encoding & ColumnEncoding.zstdFlag != 0 {
                let raw = try Zstd.decompress(stored, expected: column.rawLength)
                let result = raw.withUnsafeBytes { b in
                    Result { () throws(DecodeError) -> ColumnData in
                        try ColumnCodec.decode(b, encoding: encoding, width: Int(column.width), rows: header.rowCount, stats: column.stats)
                    }
                }
                return try result.get()
            }
            guard stored.count == column.rawLength else {
                throw DecodeError(relativeOffset: 0, message: "stored \(stored.count) bytes, raw length says \(column.rawLength)")
            }
            return try ColumnCodec.decode(stored, encoding: encoding, width: Int(column.width), rows: header.rowCount, stats: column.stats)
        } catch {
            throw DecodeError(relativeOffset: column.dataOffset + error.relativeOffset, message: "column \(column.index): \(error.message)")
        }
    }
}
