import TraceAnalysis

/// compare's samples of biolatency: every request's latency (issue, or insert with -Q, to
/// completion), per disk (-D) and flag set (-F), counted at its completion.
extension Biolatency: ComparableTool {
    public var measured: String? { queued ? "block I/O latency, queued time included" : "block I/O latency" }
    public var ratesDecide: Bool { false }
    public var keyHeading: String { perDisk && perFlag ? "disk flags" : perDisk ? "disk" : perFlag ? "flags" : "all" }

    public func samples(_ rec: Recording, bins: Int) throws -> NamedSamples {
        let pairing = try self.pairing(rec)
        let initial = KeyedSamples(start: rec.effectiveStart, end: rec.effectiveEnd, binCount: bins, hasValues: true)
        let samples = try rec.scanPaired(pairing.sources, initial: { initial }, ops: { pairing.ops($0, &$1) }, matched: { samples, row, m in
            guard let hit = pairing.latency(row, m) else { return }
            samples.add(key: hit.key.packed, ts: row.ts, value: hit.ns)
        }, merge: { $0.merge($1) })
        let perDisk = perDisk, perFlag = perFlag
        return NamedSamples(samples) { packed in
            let key = Key(packed: packed)
            var words: [String] = []
            if perDisk { words.append(rec.diskName(key.dev) ?? "Unknown") }
            if perFlag { words.append(String(BlockRequestFlags.describe(key.flags).dropFirst(8))) }
            return words.isEmpty ? "all" : words.joined(separator: " ")
        }
    }
}
