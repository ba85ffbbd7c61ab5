import ArgumentParser
import Foundation
import TraceFormat

/// `--max-memory SIZE`: bytes, or a number with K, M, G or T (powers of 1024, as bpfrec's
/// --max-size reads them).
public enum MemorySize {
    public static func parse(_ text: String, flag: String) throws -> Int64 {
        // SQLite needs a few MB to compile and run anything.
        switch ByteSize.parse(text, atLeast: 8 << 20) {
        case .success(let bytes): return Int64(bytes)
        case .failure(.malformed): throw ValidationError("\(flag) \(text): expected a size such as 500M, 2G or 1048576 (bytes)")
        case .failure(.tooSmall): throw ValidationError("\(flag) \(text): too small; at least 8M")
        case .failure(.tooLarge): throw ValidationError("\(flag) \(text): too large")
        }
    }
}
