import Foundation
import TraceReport

/// Rows from a push-style derivation (a merged scan calling back per row) to SQLite's pull-style
/// cursor: the derivation runs on its own thread and blocks when `capacity` batches wait, so
/// memory stays a few batches whatever the view's size. Closing the cursor early (LIMIT)
/// cancels it: its next push throws and the scan unwinds.
final class RowPipe: @unchecked Sendable {
    // @unchecked: every field is touched only under `condition`.
    struct Cancelled: Error {}
    private let condition = NSCondition()
    private var batches: [[[ResultCell]]] = []
    private var done = false
    private var failure: String?
    private var cancelled = false
    let capacity = 4

    func push(_ batch: [[ResultCell]]) throws {
        condition.lock()
        defer { condition.unlock() }
        while batches.count >= capacity && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        batches.append(batch)
        condition.broadcast()
    }

    func finish(error: String?) {
        condition.lock()
        done = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch; nil when the derivation is done. Throws its error.
    func pop() throws -> [[ResultCell]]? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && !done { condition.wait() }
        if !batches.isEmpty {
            let b = batches.removeFirst()
            condition.broadcast()
            return b
        }
        if let failure { throw SQLError(.runtime, failure) }
        return nil
    }

    func cancel() {
        condition.lock()
        cancelled = true
        batches = []
        condition.broadcast()
        condition.unlock()
    }
}

/// Where a view's derivation writes its rows (cells in the view's column order, without
/// `host` and `recording`, which are appended here).
public final class RowSink: @unchecked Sendable {
    // @unchecked: used by the one producer thread only.
    private let pipe: RowPipe
    private let tail: [ResultCell]
    private var batch: [[ResultCell]] = []
    static let batchSize = 2048

    init(pipe: RowPipe, recording: SQLRecording) {
        self.pipe = pipe
        tail = [.text(recording.host), .text(recording.label)]
    }

    public func emit(_ row: [ResultCell]) throws {
        batch.append(row + tail)
        if batch.count >= Self.batchSize { try flush() }
    }

    func flush() throws {
        if batch.isEmpty { return }
        try pipe.push(batch)
        batch = []
    }
}

extension ResultCell {
    /// A u64 as its u64 column shows it (TEXT above 2^63, see `U64Text`).
    public static func u64(_ v: UInt64) -> ResultCell {
        v > UInt64(Int64.max) ? .text(U64Text.text(v)) : .int(Int64(v))
    }

    /// A value that may be missing.
    public static func int(_ v: Int64?) -> ResultCell { v.map { .int($0) } ?? .null }
}
