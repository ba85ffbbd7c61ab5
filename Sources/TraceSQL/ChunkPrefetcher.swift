import Foundation
import TraceFormat

/// One chunk decoded for a scan: the columns the query reads (by table column index) and the
/// rows left by the pushed constraints.
struct DecodedChunk: @unchecked Sendable {
    // @unchecked: immutable arrays handed from the decoding thread to the query thread once.
    var source: Int
    var columns: FlatColumns
    var rowCount: Int
    /// Rows passing the row-level checks; nil when every row does.
    var selected: [Int]?
}

/// Decodes a scan's chunks on a thread of its own, a couple ahead of the query, so that
/// decompression overlaps SQLite's work on the rows (2 chunks in flight bound the memory).
/// Cancelled when the cursor is done with it (LIMIT, a new xFilter).
final class ChunkPrefetcher: @unchecked Sendable {
    // @unchecked: the queue and flags are touched only under `condition`; the work list is
    // immutable and only read by the decoding thread.
    struct Work: @unchecked Sendable {
        var source: Int
        var chunk: ChunkInfo
        var file: TraceFile
        /// (table column index, name in this recording) of each column to decode.
        var columns: [(Int, String)]
        /// The predicates (by index) this chunk's rows must be checked against: those whose
        /// range the chunk's statistics do not lie inside.
        var rowChecks: [Int]
    }

    private let condition = NSCondition()
    private var ready: [Result<DecodedChunk, Error>] = []
    private var finished = false
    private var cancelled = false
    static let capacity = 2

    init(work: [Work], columnCount: Int, predicates: [ColumnPredicate]) {
        let thread = Thread { [self] in
            for w in work {
                let result = Result { try Self.decode(w, columnCount: columnCount, predicates: predicates) }
                condition.lock()
                while ready.count >= Self.capacity && !cancelled { condition.wait() }
                if cancelled {
                    condition.unlock()
                    return
                }
                ready.append(result)
                condition.broadcast()
                condition.unlock()
                if case .failure = result { break }
            }
            condition.lock()
            finished = true
            condition.broadcast()
            condition.unlock()
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// The next decoded chunk in plan order; nil when none is left.
    func next() throws -> DecodedChunk? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !finished { condition.wait() }
        guard !ready.isEmpty else { return nil }
        let r = ready.removeFirst()
        condition.broadcast()
        return try r.get()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        ready = []
        condition.broadcast()
        condition.unlock()
    }

    static func decode(_ w: Work, columnCount: Int, predicates: [ColumnPredicate]) throws -> DecodedChunk {
        let decoded = w.columns.isEmpty ? [:] : try w.file.read(w.chunk, columns: w.columns.map(\.1))
        var ints = [[Int64]?](repeating: nil, count: columnCount)
        var blobs = [BlobColumn?](repeating: nil, count: columnCount)
        for (i, name) in w.columns {
            switch decoded[name] {
            case .ints(let v)?: ints[i] = v
            case .blobs(let b)?: blobs[i] = b
            case nil: break
            }
        }
        let count = w.chunk.rowCount
        var selected: [Int]?
        if !w.rowChecks.isEmpty {
            let checks = w.rowChecks.map { predicates[$0] }
            var rows: [Int] = []
            rows.reserveCapacity(count)
            let cols = checks.map { ints[$0.column] }
            row: for r in 0..<count {
                for (k, p) in checks.enumerated() {
                    guard let v = cols[k] else { continue row }
                    if !p.matches(v[r]) { continue row }
                }
                rows.append(r)
            }
            selected = rows
        }
        return DecodedChunk(source: w.source, columns: FlatColumns(ints: ints, blobs: blobs), rowCount: count, selected: selected)
    }
}
