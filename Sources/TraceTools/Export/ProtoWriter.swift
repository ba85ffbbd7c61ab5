/// Protocol Buffers wire format, written (never read): varints and length-delimited fields,
/// the two wire types Perfetto's trace messages need. A message is built into its bytes, then
/// embedded in its parent as a length-delimited field.
struct ProtoWriter {
    private(set) var bytes: [UInt8] = []

    init() {}

    private mutating func raw(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    private mutating func tag(_ field: Int, wireType: UInt64) { raw(UInt64(field) << 3 | wireType) }

    /// uint32/uint64/enum/bool fields.
    mutating func varint(_ field: Int, _ v: UInt64) {
        tag(field, wireType: 0)
        raw(v)
    }

    /// int32/int64 fields: negative values as ten-byte two's complement, as protobuf encodes them.
    mutating func int(_ field: Int, _ v: Int64) { varint(field, UInt64(bitPattern: v)) }

    mutating func bool(_ field: Int, _ v: Bool) { varint(field, v ? 1 : 0) }

    mutating func bytes(_ field: Int, _ v: [UInt8]) {
        tag(field, wireType: 2)
        raw(UInt64(v.count))
        bytes += v
    }

    mutating func string(_ field: Int, _ v: String) { bytes(field, Array(v.utf8)) }

    mutating func message(_ field: Int, _ m: ProtoWriter) { bytes(field, m.bytes) }

    /// A nested message built in place.
    mutating func message(_ field: Int, _ build: (inout ProtoWriter) -> Void) {
        var m = ProtoWriter()
        build(&m)
        message(field, m)
    }
}
