/// The container: a 32-byte file header, then blocks, each a 24-byte header and a payload, then
/// (when the writer closed cleanly) a footer block and a 16-byte trailer pointing at it.
/// schemas/FORMAT.md is the byte-level description.
public enum FileLayout {
    public static let magic: [UInt8] = [0x89, 0x54, 0x52, 0x43, 0x0D, 0x0A, 0x1A, 0x0A]  // "\x89TRC\r\n\x1a\n"
    public static let trailerMagic: [UInt8] = Array("TRCINDEX".utf8)
    public static let majorVersion: UInt16 = 1
    /// Ring recordings (`TraceLayout.ring`) are 2.0: a 1.x reader would take their circular
    /// region for a damaged file, so the major version makes it refuse them instead. Linear
    /// recordings stay 1.0, readable by every bpfan.
    public static let ringMajorVersion: UInt16 = 2
    /// File header flags: bit 0, the file is a ring (control copies at 512 and 1024).
    public static let ringFlag: UInt32 = 1
    /// Block header flags: bit 0, a chunk restated from an earlier file of a rotated set (the
    /// retained tables each file starts with again); a reader of the whole set skips it.
    public static let restatedFlag: UInt32 = 1
    public static let minorVersion: UInt16 = 0
    public static let fileHeaderSize = 32
    public static let blockHeaderSize = 24
    public static let trailerSize = 16
}

/// What a block holds.
public enum BlockTag: UInt32, Sendable, CaseIterable {
    case schema = 0x4D48_4353  // "SCHM"
    case metadata = 0x4154_454D  // "META"
    case chunk = 0x4B4E_4843  // "CHNK"
    case footer = 0x544F_4F46  // "FOOT"

    public var name: String {
        switch self {
        case .schema: "schema"
        case .metadata: "metadata"
        case .chunk: "chunk"
        case .footer: "footer"
        }
    }
}

struct BlockHeader {
    var tag: UInt32
    var flags: UInt32
    var payloadLength: Int
    var payloadCRC: UInt32

    func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: FileLayout.blockHeaderSize)
        w.u32(tag)
        w.u32(flags)
        w.u64(UInt64(payloadLength))
        w.u32(payloadCRC)
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    /// Parses a header and checks its own CRC; nil when the bytes are not a sound header.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> BlockHeader? {
        guard bytes.count >= FileLayout.blockHeaderSize else { return nil }
        var r = ByteReader(bytes)
        guard let tag = try? r.u32(), let flags = try? r.u32(), let length = try? r.u64(),
              let crc = try? r.u32(), let headerCRC = try? r.u32() else { return nil }
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<20])) == headerCRC else { return nil }
        guard length <= UInt64(FormatLimits.maxBlockBytes) else { return nil }
        return BlockHeader(tag: tag, flags: flags, payloadLength: Int(length), payloadCRC: crc)
    }
}
