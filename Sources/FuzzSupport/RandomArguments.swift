import ArgumentParser

/// The random source of the flag fuzzers: SplitMix64, so that a seed replays a run exactly.
public struct SplitMix: Sendable {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func pick<T>(_ a: [T]) -> T { a[Int(next() % UInt64(a.count))] }
}

/// Argument vectors built from commands' own flags, edge values and mutated bytes.
public enum RandomArguments {
    /// Every long and short flag the commands declare, from their help.
    public static func flags(_ commands: [ParsableCommand.Type]) -> [String] {
        var out = Set<String>()
        for c in commands {
            for token in c.helpMessage(columns: 200).split(whereSeparator: { " ,[]<>=|\n".contains($0) }) where token.hasPrefix("-") && token.count > 1 {
                out.insert(String(token))
            }
        }
        return out.sorted()
    }

    /// A flag, a value, both (`--x=v`, or attached as argp allows: -p7916, -T-5), or a mutation.
    public static func argument(flags: [String], values: [String], _ rng: inout SplitMix) -> String {
        switch rng.next() % 6 {
        case 0, 1: return rng.pick(flags)
        case 2: return rng.pick(values)
        case 3: return rng.pick(flags) + "=" + rng.pick(values)
        case 4: return rng.pick(flags) + rng.pick(values)
        default: return mutate(rng.pick(values) + rng.pick(flags), &rng)
        }
    }

    /// Up to three random byte insertions, deletions or replacements.
    public static func mutate(_ s: String, _ rng: inout SplitMix, edits: Int = 4) -> String {
        var b = Array(s.utf8)
        for _ in 0..<Int(rng.next() % UInt64(edits)) {
            let i = b.isEmpty ? 0 : Int(rng.next() % UInt64(b.count))
            switch rng.next() % 3 {
            case 0: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: i)
            case 1: if !b.isEmpty { b.remove(at: i) }
            default: if !b.isEmpty { b[i] = UInt8(truncatingIfNeeded: rng.next()) }
            }
        }
        return String(decoding: b, as: UTF8.self)
    }
}
