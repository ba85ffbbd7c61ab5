/// Little-endian append-only byte buffer for building blocks.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    public mutating func raw<C: Collection>(_ data: C) where C.Element == UInt8 { bytes.append(contentsOf: data) }
    /// A length-prefixed (u32) byte string.
    public mutating func blob<C: Collection>(_ data: C) where C.Element == UInt8 {
        u32(UInt32(data.count))
        bytes.append(contentsOf: data)
    }
    public mutating func string(_ s: String) { blob(Array(s.utf8)) }
    public mutating func patchU32(at offset: Int, _ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { for i in 0..<4 { bytes[offset + i] = $0[i] } }
    }
    public var count: Int { bytes.count }
}

/// Bounds-checked little-endian reader over untrusted bytes: every read checks the remaining
/// length and throws instead of trapping.
struct ByteReader {
    let buffer: UnsafeRawBufferPointer
    private(set) var position = 0

    init(_ buffer: UnsafeRawBufferPointer) { self.buffer = buffer }

    var remaining: Int { buffer.count - position }

    mutating func need(_ n: Int, _ what: @autoclosure () -> String) throws(DecodeError) {
        if n < 0 || n > remaining {
            throw DecodeError(relativeOffset: position, message: "\(what()) needs \(n) bytes, \(remaining) left")
        }
    }
    mutating func u8(_ what: @autoclosure () -> String = "field") throws(DecodeError) -> UInt8 {
        try need(1, what())
        defer { position += 1 }
        return buffer.load(fromByteOffset: position, as: UInt8.self)
    }
    mutating func u16(_ what: @autoclosure () -> String = "field") throws(DecodeError) -> UInt16 {
        try need(2, what())
        defer { position += 2 }
        return UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: position, as: UInt16.self))
    }
    mutating func u32(_ what: @autoclosure () -> String = "field") throws(DecodeError) -> UInt32 {
        try need(4, what())
        defer { position += 4 }
        return UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: position, as: UInt32.self))
    }
    mutating func u64(_ what: @autoclosure () -> String = "field") throws(DecodeError) -> UInt64 {
        try need(8, what())
        defer { position += 8 }
        return UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: position, as: UInt64.self))
    }
    mutating func i64(_ what: @autoclosure () -> String = "field") throws(DecodeError) -> Int64 {
        Int64(bitPattern: try u64(what()))
    }
    /// A slice of the next `n` bytes, without copying.
    mutating func slice(_ n: Int, _ what: @autoclosure () -> String) throws(DecodeError) -> UnsafeRawBufferPointer {
        try need(n, what())
        defer { position += n }
        return UnsafeRawBufferPointer(rebasing: buffer[position..<(position + n)])
    }
    /// A u32-length-prefixed byte string bounded by `limit`.
    mutating func blob(limit: Int, _ what: @autoclosure () -> String) throws(DecodeError) -> [UInt8] {
        let n = Int(try u32(what()))
        if n > limit { throw DecodeError(relativeOffset: position - 4, message: "\(what()) of \(n) bytes exceeds the limit of \(limit)") }
        return Array(try slice(n, what()))
    }
    mutating func string(limit: Int, _ what: @autoclosure () -> String) throws(DecodeError) -> String {
        String(decoding: try blob(limit: limit, what()), as: UTF8.self)
    }
}
