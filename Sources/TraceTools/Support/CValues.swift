import Glibc
import TraceAnalysis

/// A C `int` view of a 64-bit register or return value (the live tools store them in ints).
func cInt(_ v: Int64) -> Int64 { Int64(Int32(truncatingIfNeeded: v)) }
func cInt(_ v: UInt64) -> Int64 { Int64(Int32(truncatingIfNeeded: v)) }

/// NAME_MAX of the libbpf-tools event headers (`char fname[NAME_MAX]`: 254 bytes of a path).
let nameMax = 255

/// A string as a live tool's `char buf[size]` holds it: at most size - 1 bytes.
func cString(_ s: String, buffer size: Int) -> String {
    let bytes = Array(s.utf8)
    return bytes.count < size ? s : String(decoding: bytes[0..<(size - 1)], as: UTF8.self)
}

/// bpftrace's `str()` keeps at most BPFTRACE_STRLEN - 1 = 63 bytes.
func bpftraceStr(_ s: String, limit: Int = 63) -> String { cString(s, buffer: limit + 1) }

/// libbpf-tools' get_int / get_uint (tcpconnect, tcptracer): strtol / strtoul read as far as
/// they go (leading blanks and a sign taken, trailing text ignored); nil when nothing was read,
/// it overflowed, or it is outside `range`.
func libbpfToolsInteger(_ arg: String, in range: ClosedRange<Int64>, unsigned: Bool = false) -> Int64? {
    arg.withCString { start -> Int64? in
        var end: UnsafeMutablePointer<CChar>?
        errno = 0
        let value: Int64
        if unsigned {
            let u = strtoul(start, &end, 10)
            // strtoul's result is a long compared in the live code: past Int64.max it is negative.
            value = Int64(bitPattern: UInt64(u))
        } else {
            value = Int64(strtol(start, &end, 10))
        }
        guard errno == 0, end != UnsafeMutablePointer(mutating: start), range.contains(value) else { return nil }
        return value
    }
}

/// -p PID as libbpf-tools' get_int(arg, 1, INT_MAX) takes it.
func libbpfToolsPID(_ arg: String) throws -> Int64 {
    guard let v = libbpfToolsInteger(arg, in: 1...Int64(Int32.max)) else { throw AnalysisError("invalid PID: \(arg)") }
    return v
}

/// -u UID as libbpf-tools' get_uint(arg, 0, (uid_t)-2) takes it.
func libbpfToolsUID(_ arg: String) throws -> Int64 {
    guard let v = libbpfToolsInteger(arg, in: 0...Int64(UInt32.max - 1), unsigned: true) else { throw AnalysisError("invalid UID: \(arg)") }
    return v
}
