import TraceAnalysis

/// Syscalls the snoop tools select, by the names a recording may list and their x86_64 numbers.
enum Syscalls {
    static let open = (["open"], [2])
    static let openat = (["openat"], [257])
    static let kill = (["kill"], [62])
    static let tkill = (["tkill"], [200])
    static let tgkill = (["tgkill"], [234])
    static let statfs = (["statfs"], [137])
    static let newstat = (["stat", "newstat"], [4])
    static let newlstat = (["lstat", "newlstat"], [6])
    static let statx = (["statx"], [332])
    static let newfstatat = (["newfstatat", "fstatat"], [262])
}

extension Recording {
    func ids(_ calls: ([String], [Int])...) -> Set<Int64> {
        calls.reduce(into: Set<Int64>()) { $0.formUnion(syscallIDs(named: $1.0, x86_64: $1.1)) }
    }

    func isCall(_ id: Int64, _ call: ([String], [Int])) -> Bool { syscallIDs(named: call.0, x86_64: call.1).contains(id) }

    /// `HH:MM:SS` of a monotonic instant on the recording host's wall clock (strftime %H:%M:%S).
    func hms(_ ts: Int64) -> String { clock?.hms(ofMonotonic: ts) ?? "??:??:??" }

    /// The end of a live tool's `-d DURATION` run started with the recording (or at --from).
    func durationEnd(_ seconds: Int?) -> Int64 {
        guard let seconds else { return Int64.max }
        return effectiveStart + Int64(seconds) * 1_000_000_000
    }
}

/// C `%-Nd` / `%Nd` / `%-Ns` for the tools' row formats.
func left(_ s: String, _ w: Int) -> String { BccHistogramPrinter.pad(s, w) }
func right(_ s: String, _ w: Int) -> String { BccHistogramPrinter.padLeft(s, w) }
func left(_ v: Int64, _ w: Int) -> String { BccHistogramPrinter.pad(String(v), w) }
func right(_ v: Int64, _ w: Int) -> String { BccHistogramPrinter.padLeft(String(v), w) }

/// A C `int` view of a 64-bit register or return value (the live tools store them in ints).
func cInt(_ v: Int64) -> Int64 { Int64(Int32(truncatingIfNeeded: v)) }
func cInt(_ v: UInt64) -> Int64 { Int64(Int32(truncatingIfNeeded: v)) }

/// bpftrace's `str()` keeps at most BPFTRACE_STRLEN - 1 = 63 bytes.
func bpftraceStr(_ s: String, limit: Int = 63) -> String {
    let bytes = Array(s.utf8)
    return bytes.count <= limit ? s : String(decoding: bytes[0..<limit], as: UTF8.self)
}
