import Foundation
import TraceReport

/// A value of a bpftrace expression: integers are 64-bit, strings are bytes.
public enum BtValue: Hashable, Sendable, Comparable {
    case int(Int64)
    case string([UInt8])
    /// A pointer field's address, with the string it pointed to where the recorder read it
    /// (`str()` of it, even after a trip through a map, is that string).
    case pointer(Int64, [UInt8]?)
    /// A kernel stack (kstack): its frames as bpftrace names them (`sym+offset`), innermost
    /// first. A map key prints it with frames indented 4 spaces, printf("%s") with 8.
    case stack([String])

    var integer: Int64 {
        switch self {
        case .int(let v), .pointer(let v, _): return v
        case .string, .stack: return 0
        }
    }
    var bytes: [UInt8] {
        switch self {
        case .string(let s): return s
        case .stack(let frames): return Array(Self.stackText(frames, indent: 8).utf8)
        default: return []
        }
    }

    static func stackText(_ frames: [String], indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        return "\n" + frames.map { pad + $0 + "\n" }.joined()
    }

    /// As bpftrace prints a key or value: decimal, or the string up to its NUL.
    var text: String {
        switch self {
        case .int(let v), .pointer(let v, _): return String(v)
        case .string(let s): return String(decoding: s.prefix { $0 != 0 }, as: UTF8.self)
        case .stack(let frames): return Self.stackText(frames, indent: 4)
        }
    }

    /// Strings hash as one run of bytes: the synthesized hash combined them one byte at a
    /// time, and map keys are hashed on every event.
    public func hash(into h: inout Hasher) {
        switch self {
        case .int(let v):
            h.combine(v)
        case .string(let s):
            h.combine(s.count)
            s.withUnsafeBytes { h.combine(bytes: $0) }
        case .pointer(let v, _):
            h.combine(v)
        case .stack(let frames):
            h.combine(frames)
        }
    }

    public static func < (a: BtValue, b: BtValue) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): return x.lexicographicallyPrecedes(y)
        case (.stack, .stack): return a.text < b.text
        case (.string, _), (.stack, _): return false
        case (_, .string), (_, .stack): return true
        default: return a.integer < b.integer
        }
    }
}

/// What a map holds per key, fixed by its first assignment as bpftrace types it.
enum BtMapKind: Equatable, Sendable, CustomStringConvertible {
    case integer, string, count, sum, avg, min, max, stats, hist
    case lhist(min: Int64, max: Int64, step: Int64)

    var description: String {
        switch self {
        case .integer: return "an integer"
        case .string: return "a string"
        case .count: return "count()"
        case .sum: return "sum()"
        case .avg: return "avg()"
        case .min: return "min()"
        case .max: return "max()"
        case .stats: return "stats()"
        case .hist: return "hist()"
        case .lhist: return "lhist()"
        }
    }

    /// Maps bpftrace follows with a blank line when it prints them.
    var blankLineAfter: Bool {
        switch self {
        case .avg, .stats, .hist, .lhist: return true
        default: return false
        }
    }

    /// What bpftrace 0.17 leaves of a key-less map's entry after clear() and delete(), measured
    /// against it here (its per-CPU arrays cannot lose their element): a count() is zeroed and
    /// still printed (`@c: 0`) after either; an avg() or stats() is gone after clear() but after
    /// delete() keeps its total with a count of 0; any other map loses its entry.
    func keylessEntry(after clear: Bool, of entry: BtMapEntry) -> BtMapEntry? {
        switch (self, entry) {
        case (.count, _): return .scalar(0)
        case (.avg, .mean(_, let total)) where !clear, (.stats, .mean(_, let total)) where !clear: return .mean(count: 0, total: total)
        default: return nil
        }
    }
}

/// One map entry's state.
enum BtMapEntry: Sendable {
    case value(BtValue)
    /// count, sum, min, max: one integer; avg and stats: count and total.
    case scalar(Int64)
    case mean(count: Int64, total: Int64)
    case hist(BpftraceHistogram)
    case lhist(BpftraceLinearHistogram)

    var sortValue: Int64 {
        switch self {
        case .value(let v): return v.integer
        case .scalar(let v): return v
        case .mean(let c, let t): return c == 0 ? 0 : t / c
        case .hist(let h): return Int64(bitPattern: h.total)
        case .lhist(let h): return Int64(bitPattern: h.total)
        }
    }
}

/// A map key: no value, one, or several. One value is kept without an array: most maps have
/// one key, and allocating an array per event was the interpreter's main cost.
enum BtKey: Hashable, Sendable {
    case none
    case one(BtValue)
    case many([BtValue])

    init(_ values: [BtValue]) {
        switch values.count {
        case 0: self = .none
        case 1: self = .one(values[0])
        default: self = .many(values)
        }
    }

    var values: [BtValue] {
        switch self {
        case .none: return []
        case .one(let v): return [v]
        case .many(let vs): return vs
        }
    }

    func precedes(_ other: BtKey) -> Bool { values.lexicographicallyPrecedes(other.values) }
}

/// One map's entries, a reference the compiled program holds, so that an update does not
/// look its map up by name.
final class BtMapStore {
    fileprivate(set) var entries: [BtKey: BtMapEntry] = [:]
    /// The key updated last and where it is: consecutive events often share a key (a thread's
    /// burst of syscalls, whose comm is then the same array), and comparing it costs less than
    /// hashing it. Dropped whenever a key is added or removed, which can move the entries.
    fileprivate var lastKey: BtKey?
    fileprivate var lastIndex: Dictionary<BtKey, BtMapEntry>.Index?

    subscript(key: BtKey) -> BtMapEntry? {
        get { entries[key] }
        set {
            entries[key] = newValue
            lastKey = nil
        }
    }

    func removeAll() {
        entries = [:]
        lastKey = nil
    }
}

/// The program's maps: by name, then by key (BtKey.none for a map without one).
final class BtMaps {
    var kinds: [String: BtMapKind] = [:]
    /// Set for `bpfan compare`: every aggregation's value, with its event's time and key.
    var log: BtAggregationLog?
    private(set) var stores: [String: BtMapStore] = [:]
    /// Keyed maps (printed `@m[k]`) versus scalar ones (`@m`).
    var keyed: [String: Bool] = [:]
    var keyCount = 0
    /// A bound on map entries, so a hostile program cannot take all memory: 10,000,000, or
    /// bpftrace's own BPFTRACE_MAP_KEYS_MAX when set. Past it the run stops with an error;
    /// live bpftrace drops the updates instead, at 4096 keys by default, a kernel map's size,
    /// which a recording does not have.
    static let maxEntries: Int = {
        if let text = ProcessInfo.processInfo.environment["BPFTRACE_MAP_KEYS_MAX"], let n = Int(text), n > 0 { return n }
        return 10_000_000
    }()

    static var boundError: BtError {
        BtError(nil, "more than \(maxEntries) map entries: the program's maps grow without bound (BPFTRACE_MAP_KEYS_MAX raises the limit)")
    }

    func store(_ name: String) -> BtMapStore {
        if let s = stores[name] { return s }
        let s = BtMapStore()
        stores[name] = s
        return s
    }

    func entries(_ name: String) -> [BtKey: BtMapEntry] { stores[name]?.entries ?? [:] }

    /// Runs `body` on the key's entry (nil when new) in place: the entry is taken out of the
    /// dictionary while `body` runs, so that a histogram's buckets are not copied per event.
    func update(_ map: BtMapStore, _ key: BtKey, _ body: (inout BtMapEntry?) -> Void) throws(BtError) {
        var found: Dictionary<BtKey, BtMapEntry>.Index?
        if let last = map.lastKey, last == key { found = map.lastIndex } else {
            found = map.entries.index(forKey: key)
            if found != nil {
                map.lastKey = key
                map.lastIndex = found
            }
        }
        if let i = found {
            var e: BtMapEntry? = map.entries.values[i]
            map.entries.values[i] = .scalar(0)
            body(&e)
            map.entries.values[i] = e ?? .scalar(0)
            return
        }
        var e: BtMapEntry?
        body(&e)
        guard let e else { return }
        keyCount += 1
        if keyCount > Self.maxEntries { throw Self.boundError }
        map[key] = e
    }

    /// count() and sum() of the key updated last, the common case (a thread's burst of events),
    /// without update()'s closure and placeholder; any other case goes through update().
    @inline(__always)
    func add(_ map: BtMapStore, _ key: BtKey, _ delta: Int64) throws(BtError) {
        if let i = map.lastIndex, let last = map.lastKey, last == key, case .scalar(let n) = map.entries.values[i] {
            map.entries.values[i] = .scalar(n &+ delta)
            return
        }
        try update(map, key) { e in if case .scalar(let n)? = e { e = .scalar(n &+ delta) } else { e = .scalar(delta) } }
    }

    func clear(_ name: String) {
        if keyed[name] == false, let k = kinds[name], let e = store(name).entries[.none] {
            store(name).removeAll()
            store(name)[.none] = k.keylessEntry(after: true, of: e)
        } else {
            store(name).removeAll()
        }
    }

    /// delete(@m[k]), and delete(@m) of a key-less map.
    func delete(_ name: String, _ key: BtKey) {
        let map = store(name)
        if keyed[name] == false, let k = kinds[name], let e = map.entries[key] {
            map[key] = k.keylessEntry(after: false, of: e)
        } else {
            map[key] = nil
        }
    }

    func zero(_ name: String) {
        guard let k = kinds[name] else { return }
        let map = store(name)
        for key in map.entries.keys { map[key] = zeroed(k) }
    }

    func zeroed(_ k: BtMapKind) -> BtMapEntry {
        switch k {
        case .integer: return .value(.int(0))
        case .string: return .value(.string([]))
        case .count, .sum, .min, .max: return .scalar(0)
        case .avg, .stats: return .mean(count: 0, total: 0)
        case .hist: return .hist(BpftraceHistogram())
        case .lhist(let lo, let hi, let step): return .lhist(BpftraceLinearHistogram(min: lo, max: hi, step: step))
        }
    }

    /// The map as `print(@m)` and the exit print it (`top` largest, values divided by `divisor`).
    func text(_ name: String, top: Int = 0, divisor: Int64 = 1) -> String {
        let all = entries(name)
        guard let kind = kinds[name] else { return "\n" }
        // An empty avg() or stats() map is two newlines in bpftrace 0.17, any other one.
        if all.isEmpty { return kind == .avg || kind == .stats ? "\n\n" : "\n" }
        func key(_ k: BtKey) -> String? { keyed[name] == true ? k.values.map(\.text).joined(separator: ", ") : nil }
        let byKey = all.sorted { $0.key.precedes($1.key) }
        switch kind {
        case .hist, .lhist:
            var items: [(key: String?, lines: String, total: UInt64)] = []
            for (k, e) in byKey {
                switch e {
                case .hist(let h): items.append((key(k), BpftracePrinter.hist(h), h.total))
                case .lhist(let h): items.append((key(k), BpftracePrinter.lhist(h), h.total))
                default: break
                }
            }
            var sorted = items.enumerated().sorted { ($0.element.total, $0.offset) < ($1.element.total, $1.offset) }.map(\.element)
            if top > 0, sorted.count > top { sorted.removeFirst(sorted.count - top) }
            return sorted.map { BpftracePrinter.mapKeyText(name, $0.key) + ": \n" + $0.lines }.joined(separator: "\n") + "\n"
        case .stats:
            var rows = byKey.map { (k, e) -> (String, Int64) in
                guard case .mean(let c, let t) = e else { return ("", 0) }
                let avg = c == 0 ? 0 : t / c
                return (BpftracePrinter.mapKeyText(name, key(k)) + ": count \(c / divisor), average \(avg / divisor), total \(t / divisor)", c)
            }
            rows = rows.enumerated().sorted { ($0.element.1, $0.offset) < ($1.element.1, $1.offset) }.map(\.element)
            if top > 0, rows.count > top { rows.removeFirst(rows.count - top) }
            return rows.map(\.0).joined(separator: "\n") + "\n\n"
        case .string:
            return byKey.map { BpftracePrinter.mapKeyText(name, key($0.key)) + ": " + ($0.value.stringValue) }.joined(separator: "\n") + "\n"
        default:
            let text = BpftracePrinter.valueMap(name: name, entries: byKey.map { (key($0.key), $0.value.sortValue / divisor) }, top: top)
            return text + (kind.blankLineAfter ? "\n" : "")
        }
    }
}

extension BtMapEntry {
    var stringValue: String { if case .value(let v) = self { return v.text }; return "" }
}
