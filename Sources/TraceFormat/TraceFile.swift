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
    private let metadataBlocks: [String: (offset: Int, length: Int)]
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
        do {
            let header = try Self.readFileHeader(bytes, path: path)
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
        hasFooter = indexer.indexFromFooter()
        if !hasFooter { indexer.indexByScanning() }
        tables = indexer.tables
        chunks = indexer.chunks
        damage = indexer.damage
        metadataBlocks = indexer.metadata
    }

    deinit {
        release(base)
    }

    private var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: fileSize) }

    private static func readFileHeader(_ bytes: UnsafeRawBufferPointer, path: String) throws -> (major: Int, minor: Int) {
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
        guard major <= Int(FileLayout.majorVersion) else {
            throw FormatError(path: path, offset: 8, "recording format \(major).\(minor) is newer than this reader understands (\(FileLayout.majorVersion).x); upgrade bpfan")
        }
        return (major, minor)
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
        var problems = damage
        for chunk in chunks {
            do { _ = try read(chunk) } catch let e as FormatError { problems.append(e) } catch {
                problems.append(FormatError(path: path, offset: chunk.offset, "\(error)"))
            }
        }
        if !hasFooter {
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

    public var metadataNames: [String] { metadataBlocks.keys.sorted() }

    /// The bytes of a metadata blob, or nil when the recording has none of that name.
    public func metadata(named name: String) throws -> [UInt8]? {
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
            throw FormatError(path: path, offset: metadataBlocks[name]?.offset, "metadata \(name) is not valid: \(error)")
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
