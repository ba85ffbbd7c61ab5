#if canImport(Glibc)
import Glibc
#endif

/// Codes for the byte strings of a dictionary-encoded column: each distinct value is stored
/// once, numbered in first-seen order. Values repeat a lot (comm, paths, rwbs), and this is on the
/// recorder's hot path (two comm strings per context switch): a small direct-mapped cache keyed
/// by a hash of the bytes finds the code of a recent value without allocating; misses go to the
/// dictionary. Inlinable, so the recorder's drain loop pays no call per value.
public struct BlobDictionary: Sendable {
    @usableFromInline var values: [[UInt8]] = []
    @usableFromInline var index: [[UInt8]: UInt32] = [:]
    @usableFromInline var cacheHash = [UInt64](repeating: 0, count: 256)
    @usableFromInline var cacheCode = [UInt32](repeating: UInt32.max, count: 256)

    public init() {}

    /// The code of the `n` bytes at `p`, adding them when new.
    @inlinable @inline(__always)
    public mutating func code(_ p: UnsafeRawPointer, _ n: Int) -> UInt32 {
        // FNV-1a.
        var h: UInt64 = 0xcbf29ce484222325
        for i in 0..<n { h = (h ^ UInt64(p.load(fromByteOffset: i, as: UInt8.self))) &* 0x100000001b3 }
        let slot = Int(truncatingIfNeeded: (h ^ (h >> 29)) & 255)
        let cached = cacheCode[slot]
        if cached != UInt32.max && cacheHash[slot] == h {
            let known = values[Int(cached)]
            if known.count == n && (n == 0 || known.withUnsafeBytes({ memcmp($0.baseAddress!, p, n) == 0 })) {
                return cached
            }
        }
        let key = Array(UnsafeRawBufferPointer(start: p, count: n))
        let code: UInt32
        if let c = index[key] {
            code = c
        } else {
            code = UInt32(values.count)
            values.append(key)
            index[key] = code
        }
        cacheHash[slot] = h
        cacheCode[slot] = code
        return code
    }

    /// The distinct values by code; the dictionary starts over.
    public mutating func take() -> [[UInt8]] {
        defer {
            values = []
            index = [:]
            for i in 0..<256 { cacheCode[i] = UInt32.max }
        }
        return values
    }
}
