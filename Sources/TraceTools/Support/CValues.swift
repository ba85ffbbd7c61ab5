/// A C `int` view of a 64-bit register or return value (the live tools store them in ints).
func cInt(_ v: Int64) -> Int64 { Int64(Int32(truncatingIfNeeded: v)) }
func cInt(_ v: UInt64) -> Int64 { Int64(Int32(truncatingIfNeeded: v)) }

/// bpftrace's `str()` keeps at most BPFTRACE_STRLEN - 1 = 63 bytes.
func bpftraceStr(_ s: String, limit: Int = 63) -> String {
    let bytes = Array(s.utf8)
    return bytes.count <= limit ? s : String(decoding: bytes[0..<limit], as: UTF8.self)
}
