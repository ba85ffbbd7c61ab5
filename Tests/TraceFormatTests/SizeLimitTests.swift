import Foundation
import Testing
@testable import TraceFormat

/// bpfrec --max-size: the writer never lets the file grow past its limit, keeps room for the
/// closing blocks, and refuses everything after the first refusal so the file covers one span.
@Test func sizeLimitRefusesBlocksAndKeepsRoomToClose() throws {
    let path = temporaryPath()
    let writer = try TraceWriter(path: path)
    writer.sizeLimit = 64 << 10
    writer.closingReserve = 4 << 10
    let id = try writer.defineTable(eventSchema)
    var rng = SplitMix64(seed: 7)
    var written = 0, refusedAt: Int?
    for chunk in 0..<1000 {
        var buffer = TableBuffer(tableID: id, schema: eventSchema)
        for i in 0..<100 {
            buffer.append(row: [.int(Int64(chunk * 100 + i) * 1000), .int(Int64(i % 2)), .int(Int64(rng.next() % 1000)),
                                .u64(rng.next()), .string("task")])
        }
        do {
            try writer.flush(&buffer)
            written += 1
        } catch is SizeLimitReached {
            refusedAt = chunk
            break
        }
    }
    let refused = try #require(refusedAt)
    #expect(writer.sizeLimitReached && writer.refusedRows == 100)
    #expect(writer.bytesWritten <= (64 << 10) - (4 << 10))
    // After the first refusal even a small block is refused, but a closing one fits.
    #expect(throws: SizeLimitReached.self) { try writer.writeMetadata(name: "late", bytes: [1, 2, 3]) }
    try writer.writeMetadata(name: MetadataName.recording, bytes: Array(repeating: 0x41, count: 2000), closing: true)
    try writer.close()

    let file = try TraceFile(path: path)
    #expect(file.fileSize <= 64 << 10, "\(file.fileSize)")
    #expect(file.hasFooter && file.verify().isEmpty)
    #expect(file.chunks.count == written && written == refused && written > 10)
    #expect(file.metadataNames == [MetadataName.recording])
}
