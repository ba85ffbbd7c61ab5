import Foundation

/// Builds a recording's index: from the footer when the writer closed cleanly, otherwise by
/// walking the blocks from the start, checking each one, and resynchronising past damage.
struct Indexer {
    let path: String
    let bytes: UnsafeRawBufferPointer
    var tables: [UInt32: TableSchema] = [:]
    var chunks: [ChunkInfo] = []
    var metadata: [String: (offset: Int, length: Int)] = [:]
    var damage: [FormatError] = []

    /// Called with (offset, length) of each block the scan has checked, so a mapped file's pages
    /// need not stay resident: indexing a footer-less recording reads every byte of it.
    var scanned: (Int, Int) -> Void = { _, _ in }

    init(path: String, bytes: UnsafeRawBufferPointer) {
        self.path = path
        self.bytes = bytes
    }

    private func problem(_ offset: Int?, _ message: String) -> FormatError {
        FormatError(path: path, offset: offset, message)
    }

    private func header(at offset: Int) -> BlockHeader? {
        guard offset >= 0, offset <= bytes.count - FileLayout.blockHeaderSize else { return nil }
        return BlockHeader.parse(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + FileLayout.blockHeaderSize)]))
    }

    /// The payload of a sound block: header CRC, bounds and payload CRC all checked.
    private func payload(at offset: Int, _ header: BlockHeader) -> UnsafeRawBufferPointer? {
        let start = offset + FileLayout.blockHeaderSize
        guard header.payloadLength <= bytes.count - start else { return nil }
        let p = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + header.payloadLength)])
        return CRC32C.checksum(p) == header.payloadCRC ? p : nil
    }

    // MARK: Footer

    /// Reads the trailer and the footer it points at. False (with no damage recorded for a plain
    /// absence) when there is no usable footer.
    mutating func indexFromFooter() -> Bool {
        let size = bytes.count
        guard size >= FileLayout.fileHeaderSize + FileLayout.trailerSize else { return false }
        let trailer = UnsafeRawBufferPointer(rebasing: bytes[(size - FileLayout.trailerSize)..<size])
        guard Array(trailer[8..<16]) == FileLayout.trailerMagic else { return false }
        let footerOffset = Int(truncatingIfNeeded: UInt64(littleEndian: trailer.loadUnaligned(as: UInt64.self)))
        guard footerOffset >= FileLayout.fileHeaderSize, footerOffset < size - FileLayout.trailerSize,
              let h = header(at: footerOffset), h.tag == BlockTag.footer.rawValue,
              footerOffset + FileLayout.blockHeaderSize + h.payloadLength == size - FileLayout.trailerSize,
              let p = payload(at: footerOffset, h) else {
            damage.append(problem(size - FileLayout.trailerSize, "footer is damaged; index rebuilt by scanning"))
            return false
        }
        var entries: [FooterEntry] = []
        do throws(DecodeError) {
            var r = ByteReader(p)
            let count = Int(try r.u32("entry count"))
            guard count <= p.count / 20 else { throw DecodeError(relativeOffset: 0, message: "claims \(count) entries") }
            for i in 0..<count {
                let tag = try r.u32("entry \(i) tag")
                let offset = Int(truncatingIfNeeded: try r.u64("entry \(i) offset"))
                let length = Int(truncatingIfNeeded: try r.u64("entry \(i) length"))
                guard offset >= FileLayout.fileHeaderSize, length >= FileLayout.blockHeaderSize, offset <= footerOffset - length else {
                    throw DecodeError(relativeOffset: r.position, message: "entry \(i) points outside the file")
                }
                var summary: ChunkSummary?
                if tag == BlockTag.chunk.rawValue {
                    let table = try r.u32()
                    let rows = Int(try r.u32())
                    let minT = try r.i64()
                    let maxT = try r.i64()
                    let ncols = Int(try r.u16())
                    guard ncols <= FormatLimits.maxColumnsPerTable, rows <= FormatLimits.maxRowsPerChunk else {
                        throw DecodeError(relativeOffset: r.position, message: "entry \(i) has impossible counts")
                    }
                    var stats: [ColumnStats] = []
                    for _ in 0..<ncols { stats.append(ColumnStats(min: try r.i64(), max: try r.i64())) }
                    summary = ChunkSummary(tableID: table, rowCount: rows, minTime: minT, maxTime: maxT, stats: stats)
                }
                entries.append(FooterEntry(tag: tag, offset: offset, length: length, chunk: summary))
            }
        } catch {
            damage.append(problem(footerOffset + FileLayout.blockHeaderSize + error.relativeOffset, "footer: \(error.message); index rebuilt by scanning"))
            return false
        }
        for e in entries {
            switch BlockTag(rawValue: e.tag) {
            case .schema?, .metadata?:
                guard let h = header(at: e.offset), h.tag == e.tag, let p = payload(at: e.offset, h) else {
                    damage.append(problem(e.offset, "\(BlockTag(rawValue: e.tag)!.name) block is damaged"))
                    continue
                }
                absorb(tag: BlockTag(rawValue: e.tag)!, offset: e.offset, length: e.length, payload: p)
            case .chunk?:
                chunks.append(ChunkInfo(offset: e.offset, length: e.length, summary: e.chunk!))
            default:
                continue
            }
        }
        return true
    }

    // MARK: Scanning

    mutating func indexByScanning(from start: Int = FileLayout.fileHeaderSize) {
        var offset = start
        let size = bytes.count
        while offset < size {
            let left = size - offset
            guard left >= FileLayout.blockHeaderSize else {
                damage.append(problem(offset, "truncated block header: \(left) bytes at the end of the file"))
                return
            }
            guard let h = header(at: offset) else {
                guard let next = resync(after: offset) else {
                    damage.append(problem(offset, "damaged block header; nothing readable in the last \(left) bytes"))
                    return
                }
                damage.append(problem(offset, "damaged block header; skipped \(next - offset) bytes"))
                offset = next
                continue
            }
            let length = FileLayout.blockHeaderSize + h.payloadLength
            guard h.payloadLength <= left - FileLayout.blockHeaderSize else {
                let name = BlockTag(rawValue: h.tag)?.name ?? "block"
                damage.append(problem(offset, "truncated \(name): needs \(h.payloadLength) bytes, file ends after \(left - FileLayout.blockHeaderSize) (the writer stopped mid-block)"))
                return
            }
            guard let tag = BlockTag(rawValue: h.tag) else {
                offset += length  // a block kind from a newer minor version: skipped
                continue
            }
            guard let p = payload(at: offset, h) else {
                damage.append(problem(offset, "\(tag.name) block is damaged (CRC mismatch); skipped"))
                offset += length
                continue
            }
            let blockStart = offset
            defer { scanned(blockStart, length) }
            if tag == .chunk {
                do throws(DecodeError) {
                    let ch = try ChunkHeader.parse(p)
                    let summary = ChunkSummary(tableID: ch.tableID, rowCount: ch.rowCount, minTime: ch.minTime, maxTime: ch.maxTime,
                                               stats: Self.statsByIndex(ch))
                    chunks.append(ChunkInfo(offset: offset, length: length, summary: summary))
                } catch {
                    damage.append(problem(offset + FileLayout.blockHeaderSize + error.relativeOffset, "chunk: \(error.message)"))
                }
            } else if tag != .footer {
                absorb(tag: tag, offset: offset, length: length, payload: p)
            }
            offset += length
            // A footer followed by the trailer ends the file; a footer elsewhere is only a block.
            if tag == .footer && size - offset == FileLayout.trailerSize { return }
        }
    }

    // MARK: Ring

    /// The live chunks of a ring recording whose writer did not close it: walked from the
    /// control block's oldest chunk, then the one chunk the writer may have written after its
    /// last update (recognised by its sequence number), then the permanent region by scanning.
    mutating func indexRing(_ c: RingControl) {
        let base = RingControl.dataStart
        var pos = c.tail
        for i in 0..<c.liveChunks {
            if pos >= c.wrapEnd { pos = 0 }
            guard let h = header(at: base + pos), h.tag == BlockTag.chunk.rawValue,
                  pos + FileLayout.blockHeaderSize + h.payloadLength <= c.capacity, let p = payload(at: base + pos, h),
                  let ch = try? ChunkHeader.parse(p) else {
                damage.append(problem(base + pos, "ring chunk \(i + 1) of the \(c.liveChunks) the control block names is damaged; the ring's later chunks are not read"))
                break
            }
            let length = FileLayout.blockHeaderSize + h.payloadLength
            chunks.append(ChunkInfo(offset: base + pos, length: length, summary: Self.summary(ch)))
            pos += length
        }
        // A chunk written after the last control update: at the head, or at 0 if it wrapped.
        for at in Set([pos, 0]) where at + FileLayout.blockHeaderSize <= c.capacity {
            guard let h = header(at: base + at), h.tag == BlockTag.chunk.rawValue,
                  RingControl.chunkSequence(ofFlags: h.flags) == c.nextChunk & 0xFF_FFFF else { continue }
            let length = FileLayout.blockHeaderSize + h.payloadLength
            if at + length <= c.capacity, let p = payload(at: base + at, h), let ch = try? ChunkHeader.parse(p) {
                chunks.append(ChunkInfo(offset: base + at, length: length, summary: Self.summary(ch)))
            } else {
                damage.append(problem(base + at, "the ring's newest chunk is torn (the writer stopped while writing it); the chunks before it are whole"))
            }
            break
        }
        indexByScanning(from: c.permanentStart)
    }

    static func summary(_ ch: ChunkHeader) -> ChunkSummary {
        ChunkSummary(tableID: ch.tableID, rowCount: ch.rowCount, minTime: ch.minTime, maxTime: ch.maxTime, stats: statsByIndex(ch))
    }

    /// The next offset after `offset` where a block header with a sound CRC starts.
    private func resync(after offset: Int) -> Int? {
        var o = offset + 1
        let last = bytes.count - FileLayout.blockHeaderSize
        while o <= last {
            let tag = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: o, as: UInt32.self))
            if BlockTag(rawValue: tag) != nil, header(at: o) != nil { return o }
            o += 1
        }
        return nil
    }

    static func statsByIndex(_ header: ChunkHeader) -> [ColumnStats] {
        let n = (header.columns.map(\.index).max() ?? -1) + 1
        var stats = Array(repeating: ColumnStats(min: Int64.min, max: Int64.max), count: n)
        for c in header.columns { stats[c.index] = c.stats }
        return stats
    }

    private mutating func absorb(tag: BlockTag, offset: Int, length: Int, payload p: UnsafeRawBufferPointer) {
        switch tag {
        case .schema:
            var r = ByteReader(p)
            guard let id = try? r.u32("table id"), let json = try? r.blob(limit: 1 << 24, "schema") else {
                damage.append(problem(offset, "schema block is malformed"))
                return
            }
            guard let schema = try? JSONDecoder().decode(TableSchema.self, from: Data(json)) else {
                damage.append(problem(offset, "schema block for table \(id) is not a valid table description"))
                return
            }
            guard schema.columns.count <= FormatLimits.maxColumnsPerTable, tables.count < FormatLimits.maxTables else {
                damage.append(problem(offset, "schema for \(schema.name) exceeds the format's limits"))
                return
            }
            if tables[id] != nil {
                damage.append(problem(offset, "table id \(id) defined twice; the second definition is ignored"))
                return
            }
            tables[id] = schema
        case .metadata:
            guard let name = try? TraceFile.metadataName(p) else {
                damage.append(problem(offset, "metadata block is malformed"))
                return
            }
            metadata[name] = (offset, length)
        case .chunk, .footer:
            break
        }
    }
}
