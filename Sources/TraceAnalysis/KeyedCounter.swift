/// Counts and summed nanoseconds per integer key, for aggregates over millions of rows. Small
/// non-negative keys (syscall numbers, CPUs) index flat arrays; any other key (pids) goes to a
/// dictionary. Hashing every row was most of syscount's time.
public struct KeyedCounter: Sendable {
    public static let denseKeys = 1024
    private var denseCount = [UInt64](repeating: 0, count: KeyedCounter.denseKeys)
    private var denseNs = [UInt64](repeating: 0, count: KeyedCounter.denseKeys)
    private var sparse: [Int64: (count: UInt64, ns: UInt64)] = [:]

    public init() {}

    @inline(__always)
    public mutating func add(_ key: Int64, count: UInt64 = 1, ns: UInt64 = 0) {
        if key >= 0 && key < Int64(Self.denseKeys) {
            denseCount[Int(key)] &+= count
            denseNs[Int(key)] &+= ns
        } else {
            let old = sparse[key] ?? (0, 0)
            sparse[key] = (old.count &+ count, old.ns &+ ns)
        }
    }

    public mutating func merge(_ other: KeyedCounter) {
        for e in other.entries { add(e.key, count: e.count, ns: e.ns) }
    }

    /// Every key with a non-zero count.
    public var entries: [(key: Int64, count: UInt64, ns: UInt64)] {
        var out: [(key: Int64, count: UInt64, ns: UInt64)] = []
        for k in 0..<Self.denseKeys where denseCount[k] != 0 { out.append((Int64(k), denseCount[k], denseNs[k])) }
        for (k, v) in sparse { out.append((k, v.count, v.ns)) }
        return out
    }

    public var isEmpty: Bool { entries.isEmpty }
}
