import TraceAnalysis

/// compare's samples of softirqs: the time of every softirq run per vector (timer, net_rx...),
/// counted at its exit (exits with no entry on their CPU in the window are not measurable and
/// left out).
extension Softirqs: ComparableTool {
    public var measured: String? { "soft irq time" }
    public var ratesDecide: Bool { false }
    public var keyHeading: String { "softirq" }

    public func samples(_ rec: Recording, bins: Int) throws -> NamedSamples {
        var samples = KeyedSamples(start: rec.effectiveStart, end: rec.effectiveEnd, binCount: bins, hasValues: true)
        _ = try softirqRuns(rec) { vec, ts, ns, stamped in
            if stamped { samples.add(key: Int64(vec), ts: ts, value: Int64(bitPattern: ns)) }
        }
        return NamedSamples(samples) { Self.vectors[Int($0)] }
    }
}
