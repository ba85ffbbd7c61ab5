import Foundation
import TraceFormat

/// What rows a scan keeps beyond the recording's time window.
public struct ScanFilter: Sendable {
    /// Keep only rows whose integer column holds one of the listed values (`pid` → tgids,
    /// `id` → syscall numbers). Chunks whose min/max exclude every value are not decoded.
    public var values: [String: Set<Int64>]
    public init(pids: Set<Int64>? = nil, values: [String: Set<Int64>] = [:]) {
        self.values = values
        if let pids { self.values["pid"] = pids }
    }
    public var pids: Set<Int64>? { values["pid"] }
    public static let none = ScanFilter()
}

extension Recording {
    /// How many chunks are decoded at once: enough to keep every core busy, few enough that
    /// memory stays at a handful of chunks whatever the recording's size.
    static var chunksInFlight: Int { max(2, ProcessInfo.processInfo.activeProcessorCount * 2) }

    /// The chunks of `table` that can hold rows inside the window and filter, by the footer's
    /// per-chunk statistics alone (nothing decoded).
    public func plannedChunks(table: String, filter: ScanFilter = .none, window: TimeWindow? = nil) -> [ChunkInfo] {
        let window = window ?? self.window
        guard let schema = file.schema(named: table) else { return [] }
        return file.chunks(ofTable: table).filter { chunk in
            if chunk.rowCount == 0 { return false }
            if schema.columnIndex("ts") != nil, window.excludes(minTime: chunk.summary.minTime, maxTime: chunk.summary.maxTime) { return false }
            for (column, allowed) in filter.values {
                guard let ci = schema.columnIndex(column), ci < chunk.summary.stats.count else { continue }
                // u* columns keep their statistics in unsigned order (a chunk with 0 and a
                // kernel address has a "negative" max as Int64).
                let s = chunk.summary.stats[ci], unsigned = schema.columns[ci].type.isUnsigned
                if !allowed.contains(where: { s.mayContain($0, unsigned: unsigned) }) { return false }
            }
            return true
        }
    }

    /// Decodes one chunk's projected columns and drops rows outside the window and filter.
    /// `order` (default: `columns`) is the column order of the batch's `ordered` arrays: typed
    /// rows ask for every column of their table and decode only `columns`.
    func decode(_ chunk: ChunkInfo, table: String, columns: [String], order: [String]? = nil, filter: ScanFilter, window: TimeWindow? = nil) throws -> Batch {
        let window = window ?? self.window
        var wanted = columns
        if !wanted.contains("ts") { wanted.append("ts") }
        for column in filter.values.keys where !wanted.contains(column) { wanted.append(column) }
        let unread = order.map { Set($0).subtracting(wanted) } ?? []
        let order = order ?? columns
        let cols = try file.read(chunk, columns: wanted)
        let rows = cols.values.first?.count ?? 0
        let ts: [Int64]? = { if case .ints(let v)? = cols["ts"] { return v }; return nil }()
        // Common case first: no value filter and every row inside the window (a tight check,
        // no per-row bookkeeping): the batch as decoded.
        if filter.values.isEmpty {
            guard let ts else { return Batch(table: table, count: rows, columns: cols, order: order, unread: unread) }
            let lo = window.start ?? .min, hi = window.end
            let inside = ts.withUnsafeBufferPointer { t in
                var ok = true
                if let hi { for v in t { ok = ok && v >= lo && v < hi } } else { for v in t { ok = ok && v >= lo } }
                return ok
            }
            if inside { return Batch(table: table, count: rows, columns: cols, order: order, unread: unread) }
        }
        let batch = Batch(table: table, count: rows, columns: cols, unread: unread)
        var keep: [Int] = []
        keep.reserveCapacity(rows)
        // A few allowed values (-p PID) are compared, not hashed, per row.
        let checks: [(values: [Int64], allowed: Set<Int64>, few: [Int64]?)] = filter.values.compactMap { column, allowed in
            if case .ints(let v)? = cols[column] { return (v, allowed, allowed.count <= 8 ? Array(allowed) : nil) }
            return nil
        }
        rows: for i in 0..<rows {
            if let ts, !window.contains(ts[i]) { continue }
            for c in checks {
                let v = c.values[i]
                if let few = c.few { if !few.contains(v) { continue rows } } else if !c.allowed.contains(v) { continue rows }
            }
            keep.append(i)
        }
        return batch.selecting(keep, order: order)
    }

    /// Decodes `chunks` on all cores, a group at a time, and hands the batches to `body` in the
    /// order given. A damaged chunk stops the scan with an error naming the file offset.
    func decodeInOrder(_ chunks: [ChunkInfo], table: (ChunkInfo) -> String, columns: [String], order: [String]? = nil, filter: ScanFilter,
                       _ body: (ChunkInfo, Batch) throws -> Void) throws {
        try inChunkGroups(chunks.map { ($0, table($0)) }, { try self.decode($0.0, table: $0.1, columns: columns, order: order, filter: filter) }) { group, _ in
            for (chunk, batch) in group { try body(chunk.0, batch) }
        }
    }

    /// Streams the rows of one table inside the window, batch by batch in file order. Missing
    /// columns read as zeros/empty strings; a missing table yields nothing (tools check first).
    public func scan(_ table: String, columns: [String], filter: ScanFilter = .none, _ body: (Batch) throws -> Void) throws {
        try decodeInOrder(plannedChunks(table: table, filter: filter), table: { _ in table }, columns: columns, filter: filter) { _, b in
            if b.count > 0 { try body(b) }
        }
    }
}
