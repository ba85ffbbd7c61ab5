import TraceAnalysis

/// compare's samples of runqlat: every run-queue wait (wakeup or preemption to switch-in), per
/// pid (-P) or tid (-L), counted at the switch-in; keys are matched by number, shown with the
/// comm first seen.
extension Runqlat: ComparableTool {
    public var measured: String? { "run queue latency" }
    public var ratesDecide: Bool { false }
    public var keyHeading: String { perProcess ? "pid" : perThread ? "tid" : "all" }

    public func samples(_ rec: Recording, bins: Int) throws -> NamedSamples {
        let pairing = try self.pairing()
        let perProcess = perProcess, perThread = perThread, keyed = perProcess || perThread
        let initial = KeyedSamples(start: rec.effectiveStart, end: rec.effectiveEnd, binCount: bins, hasValues: true)
        let samples = try rec.scanPaired(pairing.sources(reading: keyColumns), initial: { initial }, ops: { pairing.ops($0, &$1) }, matched: { samples, row, m in
            guard let latency = RunQueuePairing.latency(row, m) else { return }
            let key = Self.key(row, perProcess: perProcess, perThread: perThread)
            samples.add(key: key, ts: row.ts, value: latency)
            if keyed { samples.detail(key: key, row: row, row.string(RunQueueTracker.SwitchColumn.nextComm)) }
        }, merge: { $0.merge($1) })
        return NamedSamples(samples) { keyed ? String($0) : "all" }
    }
}
