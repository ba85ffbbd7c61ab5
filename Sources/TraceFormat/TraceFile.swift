import Glibc
import Foundation

/// One chunk as the index knows it: where it is and what it holds, without its data.
public struct ChunkInfo: Sendable {
    /// Offset of the chunk's block header in the file.
    public var offset: Int
    /// Block length including its header.
    public var length: Int
    public var summary: ChunkSummary
    public var tableID: UInt32 { summary.tableID }
    public var rowCount: Int { summary.rowCount }
    /// Which file of a set (`TraceFile(paths:)`) holds it; 0 in a single file.
    public var part = 0
}

/// A recording opened for reading: memory-mapped, indexed from its footer (or, when the writer
/// was killed, by scanning its blocks), with every problem found listed in `damage` rather than
/// thrown, so that the sound part stays usable.
public final class TraceFile: @unchecked Sendable {
    // @unchecked: everything is immutable after init, and the mapping is read-only.
    public let path: String
    public let majorVersion: Int
    public let minorVersion: Int
    public let fileSize: Int
    /// Tables by id, as their schema blocks describe them.
    public let tables: [UInt32: TableSchema]
    public let chunks: [ChunkInfo]
    /// Damage found while indexing (torn tail, bad CRCs, skipped bytes).
    public let damage: [FormatError]
    /// True when the footer was found and used; false when the index was rebuilt by scanning.
    public let hasFooter: Bool
    /// A ring recording's control block (what it holds, what it dropped); nil for a linear file.
    public let ring: RingControl?
    /// The files of a set read as one (`TraceFile(paths:)`), in order; empty for one file.
    public let members: [TraceFile]
    /// Parts of a rotated set missing between the first and the last given ("0002").
    public let missingParts: [Int]
    /// The rotated set this file belongs to, when it is one of `--rotate`'s numbered files.
    public let rotation: RotatedSet.Part?
    private let metadataBlocks: [String: (offset: Int, length: Int)]
    private let metadataMember: [String: Int]
    private let base: UnsafeRawPointer
    private let release: @Sendable (UnsafeRawPointer) -> Void
    private let mapped: Bool

    public convenience init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FormatError(path: path, offset: nil, "cannot open: \(String(cString: strerror(errno)))") }
        defer { Glibc.close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FormatError(path: path, offset: nil, "cannot stat: \(String(cString: strerror(errno)))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw FormatError(path: path, offset: nil, "not a regular file") }
        let size = Int(st.st_size)
        guard size >= FileLayout.fileHeaderSize else {
            throw FormatError(path: path, offset: 0, "not a bpfrec recording: \(size) bytes, shorter than the 32-byte file header")
        }
        guard let map = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else {
            throw FormatError(path: path, offset: nil, "cannot map: \(String(cString: strerror(errno)))")
        }
        try self.init(path: path, base: UnsafeRawPointer(map), size: size, mapped: true, release: { munmap(UnsafeMutableRawPointer(mutating: $0), size) })
    }

    /// Reads a recording held in memory (tests, fuzzing); `name` stands for the path in messages.
    public convenience init(bytes: [UInt8], name: String = "<memory>") throws {
        let copy = UnsafeMutableRawPointer.allocate(byteCount: max(1, bytes.count), alignment: 16)
        bytes.withUnsafeBytes { if let b = $0.baseAddress { copy.copyMemory(from: b, byteCount: bytes.count) } }
        guard bytes.count >= FileLayout.fileHeaderSize else {
            copy.deallocate()
            throw FormatError(path: name, offset: 0, "not a bpfrec recording: \(bytes.count) bytes, shorter than the 32-byte file header")
        }
        try self.init(path: name, base: UnsafeRawPointer(copy), size: bytes.count, mapped: false, release: { UnsafeMutableRawPointer(mutating: $0).deallocate() })
    }

    private init(path: String, base: UnsafeRawPointer, size: Int, mapped: Bool, release: @escaping @Sendable (UnsafeRawPointer) -> Void) throws {
        self.path = path
        self.mapped = mapped
        self.base = base
        self.release = release
        fileSize = size
        let bytes = UnsafeRawBufferPointer(start: base, count: size)
        let header: (major: Int, minor: Int, flags: UInt32)
        do {
            header = try Self.readFileHeader(bytes, path: path)
            majorVersion = header.major
            minorVersion = header.minor
        } catch {
            release(base)
            throw error
        }
        var indexer = Indexer(path: path, bytes: bytes)
        if mapped {
            indexer.scanned = { offset, length in Self.dropPages(base: base, fileSize: size, offset: offset, length: length) }
        }
        var ring: RingControl?
        if header.major >= 2 && header.flags & FileLayout.ringFlag != 0 {
            // The sound copy with the highest sequence number is the ring's state.
            let copies = RingControl.slotOffsets.compactMap { o in
                o + 512 <= size ? RingControl.parse(UnsafeRawBufferPointer(rebasing: bytes[o..<(o + 512)]), fileSize: size) : nil
            }
            ring = copies.max { $0.sequence < $1.sequence }
            if ring == nil { indexer.damage.append(FormatError(path: path, offset: RingControl.slotOffsets[0], "both copies of the ring's control block are damaged; its chunks cannot be found")) }
        }
        self.ring = ring
        hasFooter = indexer.indexFromFooter()
        if !hasFooter {
            if let ring { indexer.indexRing(ring) } else if header.flags & FileLayout.ringFlag == 0 || header.major < 2 { indexer.indexByScanning() }
        }
        tables = indexer.tables
        chunks = indexer.chunks
        damage = indexer.damage
        metadataBlocks = indexer.metadata
        metadataMember = [:]
        members = []
        missingParts = []
        rotation = nil
        // Read after init's stored properties: the part blob is small and uncompressed.
        let part = (try? metadata(named: RotatedSet.metadataName)).flatMap { $0 }.flatMap { try? JSONDecoder().decode(RotatedSet.Part.self, from: Data($0)) }
        rotationStorage = part
    }

    private var rotationStorage: RotatedSet.Part?

    /// Where the events the file still holds begin being complete, when older ones were lost:
    /// after the newest event of the chunks a ring dropped, or the start of the first file of
    /// a rotated set given when the files before it are not. Nil when nothing was lost so.
    public var firstCoveredTime: Int64? {
        if let ring, ring.droppedChunks > 0, ring.droppedLastTime > 0 { return ring.droppedLastTime &+ 1 }
        if let first = members.first?.rotatedPart, first.part > 1, first.completeAfter > 0 { return first.completeAfter &+ 1 }
        if members.isEmpty, let p = rotationStorage, p.part > 1, p.completeAfter > 0 { return p.completeAfter &+ 1 }
        return nil
    }

    /// What of the recording is not in the file(s), in words, or nil: the ring's dropped chunks,
    /// the files of a rotated set missing.
    public var lostOldestData: String? {
        var parts: [String] = []
        if let r = ring, r.droppedChunks > 0 {
            parts.append("the ring (\(r.capacity) bytes) dropped its oldest \(r.droppedChunks) chunks (\(r.droppedBytes) bytes, \(r.droppedRows) rows) to make room")
        }
        for m in members { if let r = m.ring, r.droppedChunks > 0 { parts.append("\(m.path): the ring dropped \(r.droppedChunks) chunks (\(r.droppedBytes) bytes)") } }
        if let first = members.first?.rotatedPart, first.part > 1 {
            parts.append("the set starts at file \(first.part): files 1–\(first.part - 1) are not given")
        }
        if members.isEmpty, let p = rotationStorage, p.part > 1 {
            parts.append("this is file \(p.part) of a rotated set (\(p.pattern)), read alone: files 1–\(p.part - 1) are not given")
        }
        if !missingParts.isEmpty {
            parts.append("file\(missingParts.count > 1 ? "s" : "") \(missingParts.map(String.init).joined(separator: ", ")) of the rotated set \(missingParts.count > 1 ? "are" : "is") missing: \(missingParts.count > 1 ? "their" : "its") span is not covered")
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// The part metadata of a rotated file (read once at open).
    public var rotatedPart: RotatedSet.Part? { members.isEmpty ? rotationStorage : rotation }

    /// Opens several files as one recording: the numbered files of `--rotate` (in any order:
    /// they are put in their numbered order; files of different recordings are refused), or
    /// one path as `init(path:)`. Chunks of all, metadata of the latest file that has each name.
    public convenience init(paths: [String]) throws {
        guard paths.count > 1 else {
            try self.init(path: paths.first ?? "")
            return
        }
        let files = try paths.map { try TraceFile(path: $0) }
        try self.init(union: files)
    }

    private init(union given: [TraceFile]) throws {
        var files = given
        for f in files where f.rotatedPart == nil {
            throw FormatError(path: f.path, offset: nil, "is not one of the numbered files of bpfrec record --rotate; give one recording, or the files of one rotated set")
        }
        for f in files where !(1...10_000_000).contains(f.rotatedPart!.part) {
            throw FormatError(path: f.path, offset: nil, "claims to be file \(f.rotatedPart!.part) of a rotated set; numbers run from 1")
        }
        files.sort { $0.rotatedPart!.part < $1.rotatedPart!.part }
        let first = files[0]
        for f in files.dropFirst() {
            guard f.rotatedPart!.set == first.rotatedPart!.set else {
                throw FormatError(path: f.path, offset: nil, "belongs to another recording than \(first.path) (rotated set \(f.rotatedPart!.set), not \(first.rotatedPart!.set))")
            }
        }
        for (a, b) in zip(files, files.dropFirst()) where a.rotatedPart!.part == b.rotatedPart!.part {
            throw FormatError(path: b.path, offset: nil, "is part \(b.rotatedPart!.part) again (\(a.path) is too)")
        }
        var tables: [UInt32: TableSchema] = [:]
        var chunks: [ChunkInfo] = []
        var damage: [FormatError] = []
        var metadata: [String: Int] = [:]
        for (i, f) in files.enumerated() {
            for (id, t) in f.tables {
                if let known = tables[id], known != t {
                    throw FormatError(path: f.path, offset: nil, "table \(id) is \(t.name) here but \(known.name) in \(files[0].path): not files of one recording")
                }
                tables[id] = t
            }
            // Every file after the first restates the retained chunks (snapshot, maps) first.
            let skip = i == 0 ? 0 : f.rotatedPart!.restated
            for (n, c) in f.chunks.enumerated() where n >= skip {
                var c = c
                c.part = i
                chunks.append(c)
            }
            damage += f.damage
            for name in f.metadataNames { metadata[name] = i }
        }
        // The gaps between the numbers given (at most 1000 listed: a hostile file may claim any).
        let numbers = files.map { $0.rotatedPart!.part }
        var missing: [Int] = []
        for (a, b) in zip(numbers, numbers.dropFirst()) where b > a + 1 && missing.count < 1000 {
            missing += Array((a + 1)..<min(b, a + 1 + 1000 - missing.count))
        }
        missingParts = missing
        path = files.map(\.path).joined(separator: " ")
        majorVersion = first.majorVersion
        minorVersion = first.minorVersion
        fileSize = files.reduce(0) { $0 + $1.fileSize }
        self.tables = tables
        self.chunks = chunks
        self.damage = damage
        hasFooter = files.allSatisfy(\.hasFooter)
        ring = nil
        members = files
        rotation = files.last!.rotatedPart
        metadataBlocks = [:]
        metadataMember = metadata
        let dummy = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 16)
        base = UnsafeRawPointer(dummy)
        release = { UnsafeMutableRawPointer(mutating: $0).deallocate() }
        mapped = false
    }

    deinit {
        release(base)
    }

    private var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: fileSize) }

    private static func readFileHeader(_ bytes: UnsafeRawBufferPointer, path: String) throws -> (major: Int, minor: Int, flags: UInt32) {
        guard Array(bytes[0..<8]) == FileLayout.magic else {
            throw FormatError(path: path, offset: 0, "not a bpfrec recording (bad magic)")
        }
        var r = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[0..<FileLayout.fileHeaderSize]))
        _ = try? r.slice(8, "magic")
        let major = Int((try? r.u16()) ?? 0)
        let minor = Int((try? r.u16()) ?? 0)
        let crc = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 28, as: UInt32.self))
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<28])) == crc else {
            throw FormatError(path: path, offset: 0, "file header is damaged (CRC mismatch)")
        }
        guard major <= Int(FileLayout.ringMajorVersion) else {
            throw FormatError(path: path, offset: 8, "recording format \(major).\(minor) is newer than this reader understands (\(FileLayout.ringMajorVersion).x); upgrade bpfan")
        }
        let flags = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 24, as: UInt32.self))
        return (major, minor, flags)
    }

    // MARK: Tables and chunks

    public func tableID(named name: String) -> UInt32? {
        tables.first { $0.value.name == name }?.key
    }

    public func schema(named name: String) -> TableSchema? {
        tables.values.first { $0.name == name }
    }

    /// Chunks of a table in file order.
    public func chunks(ofTable name: String) -> [ChunkInfo] {
        guard let id = tableID(named: name) else { return [] }
        return chunks.filter { $0.tableID == id }
    }

    public func rowCount(ofTable name: String) -> Int {
        chunks(ofTable: name).reduce(0) { $0 + $1.rowCount }
    }

    /// Decodes the named columns of a chunk (all columns when `names` is nil). Columns the chunk's
    /// table does not have are left out of the result; the payload CRC is checked first.
    public func read(_ chunk: ChunkInfo, columns names: [String]? = nil) throws -> [String: ColumnData] {
        if !members.isEmpty {
            var c = chunk
            c.part = 0
            return try members[chunk.part].read(c, columns: names)
        }
        guard let schema = tables[chunk.tableID] else {
            throw FormatError(path: path, offset: chunk.offset, "chunk of undefined table \(chunk.tableID)")
        }
        let payload = try verifiedPayload(at: chunk.offset, expectedTag: .chunk)
        let payloadStart = chunk.offset + FileLayout.blockHeaderSize
        let header: ChunkHeader
        do throws(DecodeError) { header = try ChunkHeader.parse(payload) } catch {
            throw FormatError(path: path, offset: payloadStart + error.relativeOffset, error.message)
        }
        // The decoded columns are copies: let the kernel drop the chunk's file pages from this
        // process, so resident memory follows the chunks in flight, not the bytes read so far.
        defer { forget(offset: chunk.offset, length: chunk.length) }
        var out: [String: ColumnData] = [:]
        for column in header.columns {
            guard column.index < schema.columns.count else { continue }
            let name = schema.columns[column.index].name
            if let names, !names.contains(name) { continue }
            do throws(DecodeError) { out[name] = try ChunkDecoder.decode(payload, header: header, column: column) } catch {
                throw FormatError(path: path, offset: payloadStart + error.relativeOffset, "\(schema.name) \(name): \(error.message)")
            }
        }
        return out
    }

    private func forget(offset: Int, length: Int) {
        guard mapped else { return }
        Self.dropPages(base: base, fileSize: fileSize, offset: offset, length: length)
    }

    /// Pages the kernel may have mapped around a fault: a fault maps the cached pages of its
    /// aligned fault-around window (64 KiB by default), or a whole large folio of the page cache
    /// (up to 2 MiB, PMD-aligned), so reading one block also maps the tails of its neighbours,
    /// which a drop of the block's own range alone would leave resident for good (hundreds of
    /// MB over a long recording). Drops cover whole 2 MiB-aligned windows; a neighbour being
    /// decoded at the same time just faults its pages in again.
    static let dropAlignment = 2 << 20

    private static func dropPages(base: UnsafeRawPointer, fileSize: Int, offset: Int, length: Int) {
        let align = dropAlignment
        let start = (offset / align) * align
        let end = min(fileSize, ((offset + length + align - 1) / align) * align)
        guard end > start else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }

    /// Checks every block's CRC and every chunk's structure; returns all damage (indexing damage
    /// included). Empty means the file is sound.
    public func verify() -> [FormatError] {
        if !members.isEmpty { return members.flatMap { $0.verify() } }
        var problems = damage
        for chunk in chunks {
            do { _ = try read(chunk) } catch let e as FormatError { problems.append(e) } catch {
                problems.append(FormatError(path: path, offset: chunk.offset, "\(error)"))
            }
        }
        // A ring's control block is its index at every moment (a flight recorder is usually
        // stopped by its end, not closed): only a linear file needs the footer.
        if !hasFooter && ring == nil {
            problems.append(FormatError(path: path, offset: nil, "no footer: the recording was not closed (index rebuilt by scanning)"))
        }
        return problems
    }

    private func verifiedPayload(at offset: Int, expectedTag: BlockTag) throws -> UnsafeRawBufferPointer {
        guard offset >= 0, offset + FileLayout.blockHeaderSize <= fileSize,
              let header = BlockHeader.parse(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + FileLayout.blockHeaderSize)])) else {
            throw FormatError(path: path, offset: offset, "damaged block header")
        }
        guard header.tag == expectedTag.rawValue else {
            throw FormatError(path: path, offset: offset, "expected a \(expectedTag.name) block")
        }
        let start = offset + FileLayout.blockHeaderSize
        guard header.payloadLength <= fileSize - start else {
            throw FormatError(path: path, offset: offset, "truncated \(expectedTag.name): needs \(header.payloadLength) bytes, file has \(fileSize - start)")
        }
        let payload = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + header.payloadLength)])
        guard CRC32C.checksum(payload) == header.payloadCRC else {
            throw FormatError(path: path, offset: offset, "\(expectedTag.name) block is damaged (CRC mismatch)")
        }
        return payload
    }

    // MARK: Metadata

    public var metadataNames: [String] { members.isEmpty ? metadataBlocks.keys.sorted() : metadataMember.keys.sorted() }

    /// The bytes of a metadata blob, or nil when the recording has none of that name.
    public func metadata(named name: String) throws -> [UInt8]? {
        if !members.isEmpty {
            guard let i = metadataMember[name] else { return nil }
            return try members[i].metadata(named: name)
        }
        guard let block = metadataBlocks[name] else { return nil }
        let payload = try verifiedPayload(at: block.offset, expectedTag: .metadata)
        do throws(DecodeError) {
            return try Self.decodeMetadata(payload).data
        } catch {
            throw FormatError(path: path, offset: block.offset + FileLayout.blockHeaderSize + error.relativeOffset, "metadata \(name): \(error.message)")
        }
    }

    public func metadata<T: Decodable>(named name: String, as type: T.Type) throws -> T? {
        guard let data = try metadata(named: name) else { return nil }
        do { return try JSONDecoder().decode(T.self, from: Data(data)) } catch {
            let owner = metadataMember[name].map { members[$0] } ?? self
            throw FormatError(path: owner.path, offset: owner.metadataBlocks[name]?.offset, "metadata \(name) is not valid: \(error)")
        }
    }

    static func metadataName(_ payload: UnsafeRawBufferPointer) throws(DecodeError) -> String {
        var r = ByteReader(payload)
        return try r.string(limit: FormatLimits.maxNameBytes, "metadata name")
    }

    static func decodeMetadata(_ payload: UnsafeRawBufferPointer) throws(DecodeError) -> (name: String, data: [UInt8]) {
        var r = ByteReader(payload)
        let name = try r.string(limit: FormatLimits.maxNameBytes, "metadata name")
        let compression = try r.u8("compression")
        let rawLength = try r.u64("raw length")
        guard rawLength <= UInt64(FormatLimits.maxMetadataBytes) else {
            throw DecodeError(relativeOffset: r.position - 8, message: "claims \(rawLength) bytes, limit \(FormatLimits.maxMetadataBytes)")
        }
        let rest = try r.slice(r.remaining, "data")
        switch compression {
        case 0:
            guard rest.count == Int(rawLength) else { throw DecodeError(relativeOffset: r.position, message: "holds \(rest.count) bytes, header says \(rawLength)") }
            return (name, Array(rest))
        case 1:
            return (name, try Zstd.decompress(rest, expected: Int(rawLength)))
        default:
            throw DecodeError(relativeOffset: r.position, message: "unknown compression \(compression)")
        }
    }
}
