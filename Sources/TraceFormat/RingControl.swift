/// The state of a ring recording (`bpfrec record --ring SIZE`, format 2.0): where its live
/// chunks are in the circular data region and what was dropped to make room. Two copies live at
/// fixed offsets and are written alternately, each with a sequence number and a CRC, so a
/// writer killed in the middle of updating one leaves the other, one step older and whole.
/// schemas/FORMAT.md, "Ring recordings", is the byte-level description.
public struct RingControl: Sendable, Equatable {
    public static let magic: [UInt8] = Array("TRCRING\u{0}".utf8)
    /// Offsets of the two copies (each in its own 512-byte sector) and of the data region.
    public static let slotOffsets = [512, 1024]
    public static let dataStart = 4096
    static let encodedSize = 124

    /// Which update this is; the reader takes the sound copy with the highest.
    public var sequence: UInt64 = 0
    /// Bytes of the circular data region (the --ring SIZE), starting at `dataStart`.
    public var capacity: Int
    /// Where the permanent region (schemas, metadata, retained tables, footer) begins.
    public var permanentStart: Int { Self.dataStart + capacity }
    /// Offset in the data region of the oldest live chunk.
    public var tail = 0
    /// Walking from `tail`, the position at which the walk continues at 0 (the end of the lap
    /// the oldest chunks are in); `capacity` when the live chunks do not wrap.
    public var wrapEnd: Int
    /// How many live chunks the walk reads.
    public var liveChunks = 0
    public var liveBytes = 0
    /// The sequence number the next chunk written will carry (in its block header's flags), so
    /// a chunk written after this update is recognised and a stale one is not.
    public var nextChunk: UInt64 = 0
    /// What was dropped, oldest first, to make room: chunks, their bytes (headers included),
    /// rows, and the event-time span they covered (0 when nothing was dropped).
    public var droppedChunks = 0
    public var droppedBytes = 0
    public var droppedRows = 0
    public var droppedFirstTime: Int64 = 0
    public var droppedLastTime: Int64 = 0

    public init(capacity: Int) {
        self.capacity = capacity
        wrapEnd = capacity
    }

    func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: Self.encodedSize)
        w.raw(Self.magic)
        w.u64(sequence)
        w.u64(UInt64(Self.dataStart))
        w.u64(UInt64(capacity))
        w.u64(UInt64(permanentStart))
        w.u64(UInt64(tail))
        w.u64(UInt64(wrapEnd))
        w.u64(UInt64(liveChunks))
        w.u64(nextChunk)
        w.u64(UInt64(droppedChunks))
        w.u64(UInt64(droppedBytes))
        w.u64(UInt64(droppedRows))
        w.i64(droppedFirstTime)
        w.i64(droppedLastTime)
        w.u64(UInt64(liveBytes))
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    /// A sound copy, or nil (bad magic or CRC, or geometry that does not fit the file).
    static func parse(_ bytes: UnsafeRawBufferPointer, fileSize: Int) -> RingControl? {
        guard bytes.count >= encodedSize, Array(bytes[0..<8]) == magic else { return nil }
        let crc = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: encodedSize - 4, as: UInt32.self))
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<(encodedSize - 4)])) == crc else { return nil }
        func u(_ i: Int) -> UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 + 8 * i, as: UInt64.self)) }
        let limit = UInt64(1) << 50
        guard u(1) == UInt64(dataStart), u(2) < limit, u(2) > 0, u(4) < limit, u(5) < limit, u(6) < limit, u(7) < limit,
              u(9) < limit, u(10) < limit, u(13) < limit else { return nil }
        var c = RingControl(capacity: Int(u(2)))
        c.sequence = u(0)
        c.tail = Int(u(4))
        c.wrapEnd = Int(u(5))
        c.liveChunks = Int(u(6))
        c.nextChunk = u(7)
        c.droppedChunks = Int(u(8) & (limit - 1))
        c.droppedBytes = Int(u(9))
        c.droppedRows = Int(u(10))
        c.droppedFirstTime = Int64(bitPattern: u(11))
        c.droppedLastTime = Int64(bitPattern: u(12))
        c.liveBytes = Int(u(13))
        guard u(3) == UInt64(c.permanentStart), c.tail <= c.capacity, c.wrapEnd <= c.capacity,
              c.liveBytes <= c.capacity, c.liveChunks <= c.capacity / FileLayout.blockHeaderSize else { return nil }
        return c
    }

    /// The chunk sequence number a ring chunk carries in its block header's flags (its low 24
    /// bits, shifted past the flag bits).
    static func flags(forChunk seq: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: seq & 0xFF_FFFF) << 8 }
    static func chunkSequence(ofFlags flags: UInt32) -> UInt64 { UInt64(flags >> 8) }
}
