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
        let chunks = plannedChunks(table: table, filter: filter)
        var result = initial()
        let group = Self.chunksInFlight
        var index = 0
        while index < chunks.count {
            let slice = Array(chunks[index..<min(index + group, chunks.count)])
            index += slice.count
            let slots = ResultSlots<Partial>(count: slice.count)
            DispatchQueue.concurrentPerform(iterations: slice.count) { i in
                slots.set(i, Result {
                    let batch = try self.decode(slice[i], table: table, columns: columns, filter: filter)
                    var partial = initial()
                    if batch.count > 0 { fold(&partial, batch) }
                    return partial
                })
            }
            for r in slots.values {
                switch r {
                case .success(let p): merge(&result, p)
                case .failure(let e): throw AnalysisError("\(e)")
                case nil: throw AnalysisError("internal: chunk not folded")
                }
            }
        }
        return result
    }
}
