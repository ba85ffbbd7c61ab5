import CSQLite
import TraceFormat

/// A constraint xBestIndex handed to the scan: which column, which comparison.
struct PushedConstraint: Equatable {
    enum Op: Character { case eq = "e", gt = "g", ge = "G", lt = "l", le = "L", among = "i" }
    var column: Int
    var op: Op
}

/// The plan of one scan, carried from xBestIndex to xFilter as idxStr, in words, so that
/// `EXPLAIN QUERY PLAN` says what a scan decodes and pushes down:
/// "decode ts,duration; push ts>=,pid IN" (columns by name; "decode -" for none).
struct ScanPlan: Equatable {
    var decoded: [Int]
    var constraints: [PushedConstraint]

    static let ops: [(PushedConstraint.Op, String)] = [(.among, " IN"), (.ge, ">="), (.le, "<="), (.eq, "="), (.gt, ">"), (.lt, "<")]

    init(decoded: [Int], constraints: [PushedConstraint]) {
        self.decoded = decoded
        self.constraints = constraints
    }

    /// The columns SQLite's colUsed names (bit 63 stands for every column from 63 on).
    init(used: UInt64, columnCount: Int, constraints: [PushedConstraint]) {
        let decoded = (0..<columnCount).filter { used & (1 << UInt64(min($0, 63))) != 0 }
        self.init(decoded: decoded, constraints: constraints)
    }

    func text(_ names: [String]) -> String {
        let d = decoded.isEmpty ? "-" : decoded.map { names[$0] }.joined(separator: ",")
        let p = constraints.map { c in names[c.column] + (Self.ops.first { $0.0 == c.op }?.1 ?? "?") }.joined(separator: ",")
        return "decode " + d + (p.isEmpty ? "" : "; push " + p)
    }

    init?(text: String, names: [String]) {
        let index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let halves = text.components(separatedBy: "; push ")
        guard halves[0].hasPrefix("decode ") else { return nil }
        let d = String(halves[0].dropFirst("decode ".count))
        var decoded: [Int] = []
        if d != "-" {
            for n in d.split(separator: ",") {
                guard let i = index[String(n)] else { return nil }
                decoded.append(i)
            }
        }
        var cs: [PushedConstraint] = []
        if halves.count > 1 {
            for item in halves[1].split(separator: ",").map(String.init) {
                guard let (op, suffix) = Self.ops.first(where: { item.hasSuffix($0.1) }),
                      let i = index[String(item.dropLast(suffix.count))] else { return nil }
                cs.append(PushedConstraint(column: i, op: op))
            }
        }
        self.init(decoded: decoded, constraints: cs)
    }

    func uses(_ i: Int) -> Bool { decoded.contains(i) }
}

/// What the constraints on one integer column allow, in an order-preserving Int64 "key" of the
/// column's values (u64 values are mapped so that unsigned order is key order). A chunk whose
/// min/max keys miss the range or every listed key is skipped; a row outside is not returned.
/// Always a superset of what SQLite's own check lets through (it still runs), never a subset.
struct ColumnPredicate {
    var column: Int
    var unsigned64: Bool
    var low = Int64.min
    var high = Int64.max
    var keys: Set<Int64>?
    var impossible = false

    @inline(__always) func key(_ v: Int64) -> Int64 {
        unsigned64 ? Int64(bitPattern: UInt64(bitPattern: v) ^ 0x8000_0000_0000_0000) : v
    }

    /// A value of the constraint as a key, or nil when it cannot be pushed (a real, a string
    /// that is not a u64 above 2^63, NULL): SQLite alone checks it then.
    enum Bound { case key(Int64), belowAll }
    func bound(_ value: OpaquePointer?) -> Bound? {
        guard let value else { return nil }
        switch sqlite3_value_type(value) {
        case SQLITE_INTEGER:
            let n = sqlite3_value_int64(value)
            if unsigned64 { return n < 0 ? .belowAll : .key(key(n)) }
            return .key(n)
        case SQLITE_TEXT:
            // Only the form u64 values above 2^63 read as (U64Text); anything else compares as
            // text against text in SQL and cannot be mapped onto the column's numbers.
            guard unsigned64, let p = sqlite3_value_text(value) else { return nil }
            let s = String(cString: p)
            guard s.utf8.count == 18, let u = U64Text.parse(s), u > UInt64(Int64.max) else { return nil }
            return .key(key(Int64(bitPattern: u)))
        default:
            return nil
        }
    }

    mutating func apply(_ op: PushedConstraint.Op, _ value: OpaquePointer?) {
        if op == .among {
            var set = Set<Int64>()
            var v: OpaquePointer?
            var rc = sqlite3_vtab_in_first(value, &v)
            while rc == SQLITE_OK, let item = v {
                switch bound(item) {
                case .key(let k)?: set.insert(k)
                case .belowAll?: break
                case nil: return  // a value that cannot be mapped: leave the list to SQLite
                }
                rc = sqlite3_vtab_in_next(value, &v)
            }
            keys = keys.map { $0.intersection(set) } ?? set
            return
        }
        guard let b = bound(value) else { return }
        switch (op, b) {
        case (.gt, .belowAll), (.ge, .belowAll): return
        case (.lt, .belowAll), (.le, .belowAll), (.eq, .belowAll): impossible = true
        case (.eq, .key(let k)):
            low = max(low, k)
            high = min(high, k)
        case (.gt, .key(let k)):
            if k == .max { impossible = true } else { low = max(low, k + 1) }
        case (.ge, .key(let k)): low = max(low, k)
        case (.lt, .key(let k)):
            if k == .min { impossible = true } else { high = min(high, k - 1) }
        case (.le, .key(let k)): high = min(high, k)
        case (.among, _): break
        }
    }

    var restricts: Bool { impossible || low != .min || high != .max || keys != nil }

    /// Whether a chunk with these min/max statistics may hold a matching row.
    func mayMatch(_ s: ColumnStats) -> Bool {
        if impossible || low > high { return false }
        let lo = key(s.min), hi = key(s.max)
        if hi < low || lo > high { return false }
        if let keys { return keys.contains { $0 >= lo && $0 <= hi && $0 >= low && $0 <= high } }
        return true
    }

    /// Whether every value of a chunk with these statistics matches (so its rows need no check).
    func coversAll(_ s: ColumnStats) -> Bool {
        if impossible || keys != nil { return false }
        return key(s.min) >= low && key(s.max) <= high
    }

    @inline(__always) func matches(_ v: Int64) -> Bool {
        let k = key(v)
        if k < low || k > high { return false }
        if let keys { return keys.contains(k) }
        return true
    }
}
