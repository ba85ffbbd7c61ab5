import Foundation
import TraceFormat

extension Recording {
    /// Folds the rows of one table into a result when the order of rows does not matter
    /// (counts, sums, histograms keyed by row values). Chunks are decoded and folded on all
    /// cores, each worker into its own partial result, and the partials are merged in chunk
    /// order; memory is one group of chunks plus one partial per chunk in flight, whatever the
    /// recording's size. Tools that pair events across rows need `scanMerged` instead.
    public func aggregate<Partial: Sendable>(
        _ table: String, columns: [String], filter: ScanFilter = .none,
        initial: @escaping @Sendable () -> Partial,
        fold: @escaping @Sendable (inout Partial, Batch) -> Void,
        merge: (inout Partial, Partial) -> Void
    ) throws -> Partial {
        var result = initial()
        try inChunkGroups(plannedChunks(table: table, filter: filter), { chunk in
            let batch = try self.decode(chunk, table: table, columns: columns, filter: filter)
            var partial = initial()
            if batch.count > 0 { fold(&partial, batch) }
            return partial
        }) { group, _ in
            for (_, partial) in group { merge(&result, partial) }
        }
        return result
    }

    /// `aggregate` over `Row`'s table, decoding only the columns `reading` names (and ts);
    /// folds read whole columns as `b[\Row.column]`.
    public func aggregate<Row: TableRow, Partial: Sendable>(
        _ row: Row.Type, reading: [PartialKeyPath<Row>], filter: ScanFilter = .none,
        initial: @escaping @Sendable () -> Partial,
        fold: @escaping @Sendable (inout Partial, Batch) -> Void,
        merge: (inout Partial, Partial) -> Void
    ) throws -> Partial {
        try aggregate(Row.table, columns: reading.map(Row.column(of:)), filter: filter, initial: initial, fold: fold, merge: merge)
    }
}
