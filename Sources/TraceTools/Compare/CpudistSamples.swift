import TraceAnalysis

/// compare's samples of cpudist: every on-CPU span (off-CPU with -O), per pid (-P) or tid
/// (-L), counted where it ends; keys are matched by number, shown with the comm first seen.
extension Cpudist: ComparableTool {
    public var measured: String? { offCPU ? "off-CPU time" : "on-CPU time" }
    public var ratesDecide: Bool { false }
    public var keyHeading: String { perProcess ? "pid" : perThread ? "tid" : "all" }

    public func samples(_ rec: Recording, bins: Int) throws -> NamedSamples {
        let pairing = try self.pairing()
        let perProcess = perProcess, perThread = perThread, keyed = perProcess || perThread
        let initial = KeyedSamples(start: rec.effectiveStart, end: rec.effectiveEnd, binCount: bins, hasValues: true)
        let samples = try rec.scanPaired(pairing.sources(reading: keyColumns), initial: { initial }, ops: { pairing.ops($0, &$1) }, matched: { samples, row, m in
            guard let span = CpuTimePairing.span(row, m) else { return }
            let key = Self.key(span, perProcess: perProcess, perThread: perThread)
            samples.add(key: key, ts: row.ts, value: span.duration)
            if keyed { samples.detail(key: key, row: row, Self.comm(row, span)) }
        }, merge: { $0.merge($1) })
        return NamedSamples(samples) { keyed ? String($0) : "all" }
    }
}
