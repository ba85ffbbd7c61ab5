import TraceAnalysis

/// compare's samples of hardirqs: the time of every handler run per handler name, counted at
/// its exit (exits with no entry on their CPU in the window are not measurable and left out);
/// with -C, the handlers' entries, as rates.
extension Hardirqs: ComparableTool {
    public var measured: String? { count ? nil : "hard irq handler time" }
    public var ratesDecide: Bool { count }
    public var keyHeading: String { "hardirq" }

    public func samples(_ rec: Recording, bins: Int) throws -> NamedSamples {
        var samples = KeyedSamples(start: rec.effectiveStart, end: rec.effectiveEnd, binCount: bins, hasValues: !count)
        var ids: [String: Int64] = [:]
        var names: [Int64: String] = [:]
        _ = try handlerRuns(rec) { name, ts, ns, stamped in
            guard stamped else { return }
            let id: Int64
            if let known = ids[name] { id = known } else {
                id = Int64(ids.count)
                ids[name] = id
                names[id] = name
            }
            samples.add(key: id, ts: ts, value: Int64(bitPattern: ns))
        }
        return NamedSamples(samples) { names[$0]! }
    }
}
