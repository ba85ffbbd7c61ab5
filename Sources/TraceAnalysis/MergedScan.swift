import Foundation
import TraceFormat

/// One row of a time-ordered scan across several tables.
public struct MergedRow: Sendable {
    /// Index of the row's table in the list given to `scanMerged`.
    public let source: Int
    public let batch: Batch
    public let row: Int
    public let ts: Int64

    /// Integer column `i` of the source's column list, for this row.
    @inline(__always) public func int(_ i: Int) -> Int64 { batch.ordered[i][row] }
    /// String column `i` of the source's column list, for this row.
    public func string(_ i: Int) -> String { batch.orderedBlobs[i].string(row) }
}

/// A table and the columns to read from it, for `scanMerged`.
public struct ScanSource: Sendable {
    public var table: String
    public var columns: [String]
    /// Read from the start of the recording whatever `--from` says: state trackers (processes)
    /// need the history before the window. The window's end still applies.
    public var history: Bool
    /// The order of the batches' `ordered` columns when it is not `columns`: a typed row's
    /// whole table, of which only `columns` are decoded.
    public var order: [String]?
    public init(_ table: String, _ columns: [String], history: Bool = false) {
        self.table = table
        self.columns = columns
        self.history = history
    }

    /// Rows of `Row`'s table, decoding only the columns `reading` names (and ts).
    public init<Row: TableRow>(_ row: Row.Type, reading: [PartialKeyPath<Row>], history: Bool = false) {
        self.init(Row.table, reading.map(Row.column(of:)), history: history)
        order = Row.columns
    }
}

extension Recording {
    func windowFor(_ s: ScanSource) -> TimeWindow {
        s.history ? TimeWindow(start: nil, end: window.end) : window
    }

    /// The chunks of every source that the window and filter leave, in order of their first
    /// timestamp (ties: the order of `sources`, then file order): the reading order of the
    /// time-ordered scans (scanMerged, scanPaired).
    func chunksInTimeOrder(_ sources: [ScanSource], filter: ScanFilter) -> [PlannedChunk] {
        var planned: [PlannedChunk] = []
        for (i, s) in sources.enumerated() {
            planned += plannedChunks(table: s.table, filter: s.history ? .none : filter, window: windowFor(s)).map { PlannedChunk(chunk: $0, source: i) }
        }
        planned.sort { ($0.chunk.summary.minTime, $0.source, $0.chunk.offset) < ($1.chunk.summary.minTime, $1.source, $1.chunk.offset) }
        return planned
    }

    /// Streams the rows of several tables in timestamp order (ties: the order of `sources`, then
    /// file order). Rows from different CPUs reach the file slightly out of order and chunks of
    /// different tables overlap in time, so rows wait in a buffer until no chunk not yet read can
    /// hold an earlier row: chunks are read in order of their first timestamp, and every row
    /// before the next chunk's first timestamp is final. Memory is bounded by the chunks that
    /// overlap in time, not by the recording.
    public func scanMerged(_ sources: [ScanSource], filter: ScanFilter = .none, _ body: (MergedRow) throws -> Void) throws {
        let planned = chunksInTimeOrder(sources, filter: filter)

        struct Pending { var ts: Int64; var source: Int; var seq: Int; var batch: Int; var row: Int }
        var pending: [Pending] = []
        // Batches by id (ids only grow; `base` is the id of store[0]), freed once all their rows
        // are emitted. Arrays, not a dictionary: this is touched once per row.
        var store: [Batch?] = []
        var left: [Int] = []
        var base = 0
        var seq = 0
        // Every chunk of a group may share a table or not.
        try inChunkGroups(planned, { p in
            let s = sources[p.source]
            return try self.decode(p.chunk, table: s.table, columns: s.columns, order: s.order, filter: s.history ? .none : filter, window: self.windowFor(s))
        }) { group, next in
            for (p, b) in group where b.count > 0 {
                let id = base + store.count
                store.append(b)
                left.append(b.count)
                let ts = b.ints("ts")
                for row in 0..<b.count {
                    pending.append(Pending(ts: ts[row], source: p.source, seq: seq, batch: id, row: row))
                    seq += 1
                }
            }
            let watermark = next?.chunk.summary.minTime ?? Int64.max
            pending.sort { ($0.ts, $0.source, $0.seq) < ($1.ts, $1.source, $1.seq) }
            var emitted = 0
            for p in pending {
                if p.ts >= watermark && watermark != Int64.max { break }
                let slot = p.batch - base
                try body(MergedRow(source: p.source, batch: store[slot]!, row: p.row, ts: p.ts))
                left[slot] -= 1
                if left[slot] == 0 { store[slot] = nil }
                emitted += 1
            }
            pending.removeFirst(emitted)
            // Drop the fully emitted batches at the front.
            let done = left.prefix { $0 == 0 }.count
            if done > 0 {
                store.removeFirst(done)
                left.removeFirst(done)
                base += done
            }
        }
    }
}

