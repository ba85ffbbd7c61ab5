import Dispatch
import Foundation
import TraceFormat

/// Encodes chunks and appends every block to the one `TraceWriter`, on a background queue, in
/// submission order, so draining never waits on compression or the disk. At most `maxInFlight`
/// chunks wait at a time: when the disk or the encoder falls behind, `submit` blocks the drain
/// loop, the ring buffer fills, and the BPF side counts the loss: memory stays bounded.
final class ChunkPipeline: @unchecked Sendable {
    // @unchecked: `writer`, `failure` and `bytesByFamily` are touched only on `queue`;
    // the owner reads them after `finish()` has drained the queue.
    private let writer: TraceWriter
    private let queue = DispatchQueue(label: "bpfrec.chunks", qos: .utility)
    private let slots: DispatchSemaphore
    private var failure: Error?
    private var bytesByFamily = [Int](repeating: 0, count: Family.idLimit)
    private var closed = false
    private let countLock = NSLock()
    private var queued = 0
    private var limitHit = false
    private var written = 0
    private var progress = WriteProgress()

    /// Bytes in the file so far (read without waiting on the queue, for the live status line).
    var fileBytes: Int { countLock.withLock { written } }

    /// What was written over every file and the whole ring, for the live status line.
    struct WriteProgress: Sendable {
        /// Chunk bytes written since the start: what the file size says in a plain recording,
        /// more than it in a ring (which drops) or a rotated set (which starts new files).
        var chunkBytes = 0
        var ringDroppedBytes: Int?
        var files = 1
    }
    var writeProgress: WriteProgress { countLock.withLock { progress } }

    /// True once the writer refused a block for --max-size (read without waiting on the queue).
    var sizeLimitReached: Bool { countLock.withLock { limitHit } }

    /// Chunks submitted and not yet written (to schedule low-priority work when idle).
    var chunksInFlight: Int { countLock.withLock { queued } }

    init(writer: TraceWriter, maxInFlight: Int = 16) {
        self.writer = writer
        slots = DispatchSemaphore(value: maxInFlight)
    }

    func submit(tableID: UInt32, schema: TableSchema, family: Family?, columns: [ColumnData], zstdLevel: Int32 = 1) {
        slots.wait()
        countLock.withLock { queued += 1 }
        queue.async { [self] in
            defer {
                countLock.withLock { queued -= 1 }
                slots.signal()
            }
            guard failure == nil else { return }
            let payload = ChunkEncoder.encode(tableID: tableID, schema: schema, columns: columns, zstdLevel: zstdLevel)
            do {
                try writer.writeChunk(payload)
                if let family { bytesByFamily[Int(family.rawValue)] += payload.count }
                let n = writer.bytesWritten, dropped = writer.ringState?.droppedBytes, files = writer.finishedParts.count + 1
                countLock.withLock {
                    written = n
                    progress.chunkBytes += payload.count
                    progress.ringDroppedBytes = dropped
                    progress.files = files
                }
            } catch is SizeLimitReached {
                countLock.withLock { limitHit = true }
            } catch { failure = error }
        }
    }

    /// `closing`: one of the blocks written at stop, which the --max-size reserve keeps room for.
    func metadata(name: String, bytes: [UInt8], closing: Bool = false) {
        queue.async { [self] in
            guard failure == nil else { return }
            do { try writer.writeMetadata(name: name, bytes: bytes, closing: closing) } catch is SizeLimitReached {
                countLock.withLock { limitHit = true }
            } catch { failure = error }
        }
    }

    /// Runs on the writer's queue, before what is submitted after it.
    func configure(_ body: @escaping @Sendable (TraceWriter) -> Void) {
        queue.async { [self] in body(writer) }
    }

    /// Sets the writer's hook for the metadata each rotated file closes with.
    func closingMetadata(_ hook: @escaping @Sendable () -> [(name: String, bytes: [UInt8])]) {
        queue.async { [self] in writer.closingMetadata = hook }
    }

    /// The first write error, if any (checked by the drain loop to stop early).
    var error: Error? { queue.sync { failure } }

    /// Waits for queued work, closes the file (footer) and returns what each family's chunks took.
    /// `refusedRows`: rows of the chunks --max-size kept out.
    func finish() -> (bytesByFamily: [Int], totalBytes: Int, refusedRows: Int, error: Error?, files: [String], ring: RingControl?) {
        queue.sync {
            if !closed {
                // After a write error (a full disk) the file is still closed: the writer has cut
                // it back to its last whole block, and the footer may fit.
                do { try writer.close() } catch { failure = failure ?? error }
                closed = true
            }
            return (bytesByFamily, writer.bytesWritten, writer.refusedRows, failure, writer.finishedParts + [writer.currentPath], writer.ringState)
        }
    }
}
