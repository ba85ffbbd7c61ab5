import Glibc
import Foundation

/// Appends blocks to a recording. The file only ever grows: a writer killed at any point leaves
/// every block it finished readable, and `close()` adds the footer index and the trailer.
/// Not thread-safe: one owner appends blocks in order (encode chunks elsewhere in parallel).
public final class TraceWriter {
    public let path: String
    private var fd: Int32
    private var offset: Int
    private var index: [FooterEntry] = []
    private var schemas: [UInt32: TableSchema] = [:]
    private var nextTableID: UInt32 = 1
    private var closed = false
    /// The file never grows past this many bytes (bpfrec --max-size). A block that would leave
    /// less than `closingReserve` below it for closing is refused with `SizeLimitReached`, and
    /// so is every block after it but the closing ones: the file covers one unbroken span.
    public var sizeLimit: Int?
    /// Bytes kept below `sizeLimit` for the blocks written at close (`closing: true`).
    public var closingReserve = 64 << 10
    /// Whether a block was refused for the size limit, and the rows of the chunks refused.
    public private(set) var sizeLimitReached = false
    public private(set) var refusedRows = 0
    /// Bytes the footer index will take (its count, then one entry per block).
    private var footerBytes = 4

    /// Creates the file (mode 0600: recordings hold paths, argv and addresses) and writes the
    /// file header. Refuses to replace an existing file unless `overwrite`; then the recording
    /// is a new 0600 file, created beside the old one and renamed over it once its header is
    /// written, so the path always names either the old file, whole, or the new recording (an
    /// O_TRUNC over the old file would keep its mode, 0644 say, and its owner).
    public init(path: String, overwrite: Bool = false) throws {
        self.path = path
        var st = stat()
        if stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            throw FormatError(path: path, offset: nil, "is a directory")
        }
        let target = overwrite ? Self.siblingPath(path) : path
        let fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            let err = errno
            if err == EEXIST && !overwrite { throw FormatError(path: path, offset: nil, "file exists (use --force to overwrite)") }
            throw FormatError(path: path, offset: nil, "cannot create: \(String(cString: strerror(err)))")
        }
        self.fd = fd
        offset = 0
        var w = ByteWriter(capacity: FileLayout.fileHeaderSize)
        w.raw(FileLayout.magic)
        w.u16(FileLayout.majorVersion)
        w.u16(FileLayout.minorVersion)
        w.u32(UInt32(FileLayout.fileHeaderSize))
        w.u64(UInt64(max(0, Int64(Date().timeIntervalSince1970 * 1e9))))
        w.u32(0)
        w.u32(CRC32C.checksum(w.bytes))
        do { try writeAll(w.bytes) } catch {
            if overwrite { unlink(target) }
            throw error
        }
        if overwrite && rename(target, path) != 0 {
            let err = errno
            unlink(target)
            throw FormatError(path: path, offset: nil, "cannot replace: \(String(cString: strerror(err)))")
        }
    }

    /// A fresh name in the directory of `path` (rename needs the same file system).
    private static func siblingPath(_ path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[...$0]) } ?? ""
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        return "\(dir).\(base).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).new"
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }

    /// Bytes written so far.
    public var bytesWritten: Int { offset }

    /// Declares a table; its schema block is written now, before any of its chunks.
    public func defineTable(_ schema: TableSchema) throws -> UInt32 {
        let id = nextTableID
        nextTableID += 1
        var w = ByteWriter()
        w.u32(id)
        let json = try JSONEncoder.sorted.encode(schema)
        w.blob(json)
        schemas[id] = schema
        try appendBlock(.schema, payload: w.bytes, entry: nil)
        return id
    }

    /// Writes a metadata blob, zstd-compressed when that is smaller.
    public func writeMetadata(name: String, bytes: [UInt8], compress: Bool = true, closing: Bool = false) throws {
        var w = ByteWriter(capacity: bytes.count + name.utf8.count + 16)
        w.string(name)
        var data = bytes
        var compression: UInt8 = 0
        if compress && bytes.count > 256 {
            let packed = bytes.withUnsafeBytes { Zstd.compress($0, level: 6) }
            if packed.count < bytes.count {
                data = packed
                compression = 1
            }
        }
        w.u8(compression)
        w.u64(UInt64(bytes.count))
        w.raw(data)
        try appendBlock(.metadata, payload: w.bytes, entry: nil, closing: closing)
    }

    public func writeMetadata<T: Encodable>(name: String, json value: T) throws {
        try writeMetadata(name: name, bytes: Array(try JSONEncoder.sorted.encode(value)))
    }

    /// Encodes and writes a table buffer's rows as one chunk (nothing when empty).
    public func flush(_ buffer: inout TableBuffer, zstdLevel: Int32 = 3) throws {
        guard buffer.rowCount > 0 else { return }
        let payload = ChunkEncoder.encode(tableID: buffer.tableID, schema: buffer.schema, columns: buffer.takeColumns(), zstdLevel: zstdLevel)
        try writeChunk(payload)
    }

    /// Writes a chunk payload made by `ChunkEncoder`.
    public func writeChunk(_ payload: [UInt8]) throws {
        let parsed = payload.withUnsafeBytes { b in Result { () throws(DecodeError) in try ChunkHeader.parse(b) } }
        guard case .success(let header) = parsed else {
            throw FormatError(path: path, offset: offset, "writer was handed a malformed chunk")
        }
        guard schemas[header.tableID] != nil else {
            throw FormatError(path: path, offset: offset, "chunk for undefined table id \(header.tableID)")
        }
        let entry = FooterEntry(tag: BlockTag.chunk.rawValue, offset: offset, length: FileLayout.blockHeaderSize + payload.count,
                                chunk: ChunkSummary(tableID: header.tableID, rowCount: header.rowCount, minTime: header.minTime, maxTime: header.maxTime,
                                                    stats: header.columns.map { $0.stats }))
        do { try appendBlock(.chunk, payload: payload, entry: entry) } catch let e as SizeLimitReached {
            refusedRows += header.rowCount
            throw e
        }
    }

    /// Forces written blocks to stable storage (for power loss, not only for a killed process).
    public func sync() {
        fdatasync(fd)
    }

    /// Writes the footer index and trailer and closes the file.
    public func close() throws {
        guard !closed else { return }
        let footerOffset = offset
        var w = ByteWriter()
        w.u32(UInt32(index.count))
        for e in index { e.encode(into: &w) }
        try appendBlock(.footer, payload: w.bytes, entry: nil)
        var t = ByteWriter(capacity: FileLayout.trailerSize)
        t.u64(UInt64(footerOffset))
        t.raw(FileLayout.trailerMagic)
        try writeAll(t.bytes)
        closed = true
        fdatasync(fd)
        Glibc.close(fd)
        fd = -1
    }

    private func appendBlock(_ tag: BlockTag, payload: [UInt8], entry: FooterEntry?, closing: Bool = false) throws {
        precondition(!closed, "write after close")
        guard payload.count <= FormatLimits.maxBlockBytes else {
            throw FormatError(path: path, offset: offset, "\(tag.name) block of \(payload.count) bytes exceeds the format's limit")
        }
        let entrySize = tag == .footer ? 0 : (entry ?? FooterEntry(tag: 0, offset: 0, length: 0, chunk: nil)).encodedSize
        if let limit = sizeLimit, tag != .footer {
            // After this block: the block itself, the footer with its entry, and the trailer.
            let end = offset + FileLayout.blockHeaderSize + payload.count
                + FileLayout.blockHeaderSize + footerBytes + entrySize + FileLayout.trailerSize
            if (sizeLimitReached && !closing) || end + (closing ? 0 : closingReserve) > limit {
                sizeLimitReached = true
                throw SizeLimitReached(limit: limit)
            }
        }
        footerBytes += entrySize
        let header = BlockHeader(tag: tag.rawValue, flags: 0, payloadLength: payload.count, payloadCRC: CRC32C.checksum(payload))
        let start = offset
        // Header and payload in one write: a kill lands between blocks or inside one, never in a way
        // that leaves a sound header pointing at a foreign payload.
        try writeAll(header.encoded() + payload)
        index.append(entry ?? FooterEntry(tag: tag.rawValue, offset: start, length: FileLayout.blockHeaderSize + payload.count, chunk: nil))
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FormatError(path: path, offset: offset + done, "write failed: \(String(cString: strerror(errno)))")
            }
            done += n
        }
        offset += bytes.count
    }
}

/// Per-chunk facts the footer keeps so a reader can plan a scan without touching the chunks.
public struct ChunkSummary: Sendable, Equatable {
    public var tableID: UInt32
    public var rowCount: Int
    public var minTime: Int64
    public var maxTime: Int64
    /// Min/max of each column, by column index.
    public var stats: [ColumnStats]
}

struct FooterEntry {
    var tag: UInt32
    var offset: Int
    var length: Int
    var chunk: ChunkSummary?

    /// Bytes `encode` writes.
    var encodedSize: Int { 20 + (chunk.map { 26 + 16 * $0.stats.count } ?? 0) }

    func encode(into w: inout ByteWriter) {
        w.u32(tag)
        w.u64(UInt64(offset))
        w.u64(UInt64(length))
        if let c = chunk {
            w.u32(c.tableID)
            w.u32(UInt32(c.rowCount))
            w.i64(c.minTime)
            w.i64(c.maxTime)
            w.u16(UInt16(c.stats.count))
            for s in c.stats {
                w.i64(s.min)
                w.i64(s.max)
            }
        }
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}
