import Glibc
import Foundation

/// How a recording is laid out on disk.
public enum TraceLayout: Sendable, Equatable {
    /// Format 1.0: one append-only file (the default).
    case linear
    /// Format 2.0, `bpfrec record --ring SIZE`: chunks go round a circular region of
    /// `capacity` bytes, the oldest whole chunks dropped to make room; schemas, metadata and the
    /// tables `defineTable(_:retained:)` names retained go to a permanent region after it.
    case ring(capacity: Int)
    /// Format 1.0 files numbered `run.0001.trc`, `run.0002.trc` … (`RotatedSet.path`), a new
    /// one begun before a chunk would take the file past `bytes`, or once it is `seconds` old;
    /// each starts with the schemas, the latest metadata and the retained tables' chunks again.
    case rotate(bytes: Int?, seconds: Double?)
}

/// Writes a recording. A linear file only ever grows: a writer killed at any point leaves every
/// block it finished readable, and `close()` adds the footer index and the trailer. A ring file
/// keeps its two control copies true after every step (`RingControl`). Not thread-safe: one
/// owner appends blocks in order (encode chunks elsewhere in parallel).
public final class TraceWriter {
    /// The path given; under `.rotate`, the pattern the numbered files are named after.
    public let path: String
    public let layout: TraceLayout
    /// The file being written now (`path`, or the current numbered file).
    public internal(set) var currentPath: String
    private let overwrite: Bool
    var fd: Int32 = -1
    /// Where the next block goes (linear: end of file; ring: end of the permanent region).
    var offset: Int
    var index: [FooterEntry] = []
    var schemas: [UInt32: TableSchema] = [:]
    private var nextTableID: UInt32 = 1
    var closed = false
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
    var footerBytes = 4

    // Ring state: the live chunks oldest first (`liveStart` is the first), the control block.
    var ring: RingControl?
    var live: [FooterEntry] = []
    var liveStart = 0
    /// Where the next ring chunk goes, and where the lap the head is in began wrapping.
    var ringHead = 0
    var lapEnd = 0
    var retainedTables: Set<UInt32> = []

    // Rotation state: what each new file starts with again, and the current file's facts.
    var schemaBlocks: [[UInt8]] = []
    var latestMetadata: [(name: String, payload: [UInt8])] = []
    var retainedChunks: [[UInt8]] = []
    var part = 0
    var partChunks = 0
    var partStarted = 0.0
    /// The newest event time written so far (event tables only), for the next file's part blob.
    var lastEventTime: Int64 = 0
    var setID = UInt64.random(in: 1...UInt64.max)
    /// Files of a rotated set closed so far, in order.
    public internal(set) var finishedParts: [String] = []
    /// Called before a numbered file is closed for the next: metadata blocks (name, bytes) to
    /// write in it last (the recorder's stop time for that file).
    public var closingMetadata: (() -> [(name: String, bytes: [UInt8])])?
    /// Called with the path of each numbered file after the first once it is created (to give
    /// it to the recording's owner).
    public var created: ((String) -> Void)?

    /// Creates the file (mode 0600: recordings hold paths, argv and addresses) and writes the
    /// file header. Refuses to replace an existing file unless `overwrite`; then the recording
    /// is a new 0600 file, created beside the old one and renamed over it once its header is
    /// written, so the path always names either the old file, whole, or the new recording (an
    /// O_TRUNC over the old file would keep its mode, 0644 say, and its owner).
    public init(path: String, overwrite: Bool = false, layout: TraceLayout = .linear) throws {
        self.path = path
        self.layout = layout
        self.overwrite = overwrite
        offset = 0
        currentPath = path
        if case .ring(let capacity) = layout {
            // bpfrec asks for at least 1 MiB; smaller rings are for tests and fuzzing seeds.
            guard capacity >= 4096 else { throw FormatError(path: path, offset: nil, "a ring of \(capacity) bytes is too small (at least 4 KiB)") }
            ring = RingControl(capacity: capacity)
        }
        if case .rotate = layout {
            part = 1
            currentPath = RotatedSet.path(path, part: 1)
        }
        try openFile(currentPath)
        if case .rotate = layout { try writePartMetadata() }
    }

    func openFile(_ target: String) throws {
        var st = stat()
        if stat(target, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            throw FormatError(path: target, offset: nil, "is a directory")
        }
        let created = overwrite ? Self.siblingPath(target) : target
        let fd = open(created, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            let err = errno
            if err == EEXIST && !overwrite { throw FormatError(path: target, offset: nil, "file exists (use --force to overwrite)") }
            throw FormatError(path: target, offset: nil, "cannot create: \(String(cString: strerror(err)))")
        }
        self.fd = fd
        offset = 0
        closed = false
        index = []
        footerBytes = 4
        partChunks = 0
        partStarted = Self.now()
        var w = ByteWriter(capacity: FileLayout.fileHeaderSize)
        w.raw(FileLayout.magic)
        w.u16(ring == nil ? FileLayout.majorVersion : FileLayout.ringMajorVersion)
        w.u16(FileLayout.minorVersion)
        w.u32(UInt32(FileLayout.fileHeaderSize))
        w.u64(UInt64(max(0, Int64(Date().timeIntervalSince1970 * 1e9))))
        w.u32(ring == nil ? 0 : FileLayout.ringFlag)
        w.u32(CRC32C.checksum(w.bytes))
        do {
            try writeAll(w.bytes)
            if let ring {
                // Both copies sound from the start; the permanent region begins after the data
                // region, which stays a hole until chunks fill it.
                try writeControl(ring)
                try writeControl(ring)
                offset = ring.permanentStart
            }
        } catch {
            if overwrite { unlink(created) }
            throw error
        }
        if overwrite && rename(created, target) != 0 {
            let err = errno
            unlink(created)
            throw FormatError(path: target, offset: nil, "cannot replace: \(String(cString: strerror(err)))")
        }
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
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

    /// Bytes of the current file so far (a ring file: its size, the data region counted whole).
    public var bytesWritten: Int { offset }

    /// The ring's state after the last chunk (nil unless `.ring`).
    public var ringState: RingControl? { ring }

    /// Declares a table; its schema block is written now, before any of its chunks. A
    /// `retained` table's chunks are never dropped from a ring and start every rotated file
    /// again (the process snapshot, memory maps: what every other chunk needs to be read).
    public func defineTable(_ schema: TableSchema, retained: Bool = false) throws -> UInt32 {
        let id = nextTableID
        nextTableID += 1
        var w = ByteWriter()
        w.u32(id)
        let json = try JSONEncoder.sorted.encode(schema)
        w.blob(json)
        schemas[id] = schema
        if retained { retainedTables.insert(id) }
        schemaBlocks.append(w.bytes)
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
        if case .rotate = layout, name != RotatedSet.metadataName {
            if let i = latestMetadata.firstIndex(where: { $0.name == name }) { latestMetadata[i].payload = w.bytes } else { latestMetadata.append((name, w.bytes)) }
        }
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
        let header = try chunkHeader(payload)
        let retained = retainedTables.contains(header.tableID)
        if case .rotate(let bytes, let seconds) = layout, partChunks > 0 {
            let tooBig = bytes.map { offset + FileLayout.blockHeaderSize + payload.count + footerBytes + 4096 > $0 } ?? false
            let tooOld = seconds.map { Self.now() - partStarted >= $0 } ?? false
            if tooBig || tooOld { try rotate() }
        }
        if case .rotate = layout, retained { retainedChunks.append(payload) }
        if header.rowCount > 0, schemas[header.tableID]?.source == .bpf { lastEventTime = max(lastEventTime, header.maxTime) }
        if ring != nil && !retained { return try writeRingChunk(payload, header: header) }
        let entry = chunkEntry(header, offset: offset, length: FileLayout.blockHeaderSize + payload.count)
        partChunks += 1
        do { try appendBlock(.chunk, payload: payload, entry: entry) } catch let e as SizeLimitReached {
            refusedRows += header.rowCount
            throw e
        }
    }

    func chunkHeader(_ payload: [UInt8]) throws -> ChunkHeader {
        let parsed = payload.withUnsafeBytes { b in Result { () throws(DecodeError) in try ChunkHeader.parse(b) } }
        guard case .success(let header) = parsed else {
            throw FormatError(path: currentPath, offset: offset, "writer was handed a malformed chunk")
        }
        guard schemas[header.tableID] != nil else {
            throw FormatError(path: currentPath, offset: offset, "chunk for undefined table id \(header.tableID)")
        }
        return header
    }

    func chunkEntry(_ header: ChunkHeader, offset: Int, length: Int) -> FooterEntry {
        FooterEntry(tag: BlockTag.chunk.rawValue, offset: offset, length: length,
                    chunk: ChunkSummary(tableID: header.tableID, rowCount: header.rowCount, minTime: header.minTime, maxTime: header.maxTime,
                                        stats: header.columns.map { $0.stats }))
    }

    /// Forces written blocks to stable storage (for power loss, not only for a killed process).
    public func sync() {
        fdatasync(fd)
    }

    /// Writes the footer index and trailer and closes the file.
    public func close() throws {
        guard !closed else { return }
        try closeFile()
    }

    func closeFile() throws {
        let footerOffset = offset
        var w = ByteWriter()
        let entries = index + live[liveStart...]
        w.u32(UInt32(entries.count))
        for e in entries { e.encode(into: &w) }
        do {
            try appendBlock(.footer, payload: w.bytes, entry: nil)
            var t = ByteWriter(capacity: FileLayout.trailerSize)
            t.u64(UInt64(footerOffset))
            t.raw(FileLayout.trailerMagic)
            try writeAll(t.bytes)
        } catch {
            // No room for the index (a full disk): the blocks before it stay whole, and a
            // reader rebuilds the index by scanning.
            ftruncate(fd, off_t(footerOffset))
            offset = footerOffset
            Glibc.close(fd)
            fd = -1
            closed = true
            throw error
        }
        closed = true
        fdatasync(fd)
        Glibc.close(fd)
        fd = -1
    }

    // MARK: Blocks

    func appendBlock(_ tag: BlockTag, payload: [UInt8], entry: FooterEntry?, closing: Bool = false, flags: UInt32 = 0) throws {
        precondition(!closed, "write after close")
        guard payload.count <= FormatLimits.maxBlockBytes else {
            throw FormatError(path: currentPath, offset: offset, "\(tag.name) block of \(payload.count) bytes exceeds the format's limit")
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
        let header = BlockHeader(tag: tag.rawValue, flags: flags, payloadLength: payload.count, payloadCRC: CRC32C.checksum(payload))
        let start = offset
        // Header and payload in one write: a kill lands between blocks or inside one, never in a way
        // that leaves a sound header pointing at a foreign payload.
        do { try writeAll(header.encoded() + payload) } catch {
            // A failed write (a full disk) leaves no torn block behind: the file ends at the
            // last whole one, and the footer may still fit.
            ftruncate(fd, off_t(start))
            offset = start
            throw error
        }
        footerBytes += entrySize
        if tag != .footer {
            index.append(entry ?? FooterEntry(tag: tag.rawValue, offset: start, length: FileLayout.blockHeaderSize + payload.count, chunk: nil))
        }
    }

    /// Appends at `offset` and advances it.
    func writeAll(_ bytes: [UInt8]) throws {
        try writeAll(bytes, at: offset)
        offset += bytes.count
    }

    /// Tests: sees every write (bytes, file offset) before it is made, so a test can rebuild the
    /// file as it stood after any prefix of them, or in the middle of one (a kill -9).
    var writeLog: (([UInt8], Int) -> Void)?

    func writeAll(_ bytes: [UInt8], at position: Int) throws {
        writeLog?(bytes, position)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, bytes.count - done, off_t(position + done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FormatError(path: currentPath, offset: position + done, "write failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { throw FormatError(path: currentPath, offset: position + done, "write failed: no progress") }
            done += n
        }
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
