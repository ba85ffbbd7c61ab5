import Foundation

/// `TraceLayout.rotate`: closing one numbered file and beginning the next with what every file
/// needs to be read on its own (schemas, latest metadata, retained chunks).
extension TraceWriter {
    /// Closes the current numbered file and begins the next with what every file needs.
    func rotate() throws {
        for m in closingMetadata?() ?? [] { try writeMetadata(name: m.name, bytes: m.bytes) }
        try closeFile()
        finishedParts.append(currentPath)
        part += 1
        currentPath = RotatedSet.path(path, part: part)
        try openFile(currentPath)
        created?(currentPath)
        try writePartMetadata()
        for s in schemaBlocks { try appendBlock(.schema, payload: s, entry: nil) }
        for m in latestMetadata { try appendBlock(.metadata, payload: m.payload, entry: nil) }
        for c in retainedChunks {
            let header = try chunkHeader(c)
            try appendBlock(.chunk, payload: c, entry: chunkEntry(header, offset: offset, length: FileLayout.blockHeaderSize + c.count),
                            flags: FileLayout.restatedFlag)
        }
    }

    func writePartMetadata() throws {
        let info = RotatedSet.Part(set: String(setID, radix: 16), part: part, pattern: path, restated: part == 1 ? 0 : retainedChunks.count,
                                    completeAfter: part == 1 ? 0 : lastEventTime)
        try writeMetadata(name: RotatedSet.metadataName, bytes: Array(try JSONEncoder.sorted.encode(info)), compress: false)
    }
}
