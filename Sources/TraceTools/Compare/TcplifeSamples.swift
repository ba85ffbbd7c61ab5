import TraceAnalysis

/// compare's samples of tcplife: every closed session's lifetime, per comm (sessions themselves
/// have other ports and addresses in every run), counted at its close. Bytes are not compared
/// yet (a key has one value per event).
extension Tcplife: ComparableTool {
    public var measured: String? { "TCP session lifetime" }
    public var ratesDecide: Bool { false }
    public var keyHeading: String { "comm" }

    public func samples(_ rec: Recording, bins: Int) throws -> NamedSamples {
        var samples = KeyedSamples(start: rec.effectiveStart, end: rec.effectiveEnd, binCount: bins, hasValues: true)
        var ids: [String: Int64] = [:]
        var names: [Int64: String] = [:]
        try sessions(rec) { e, s in
            let id: Int64
            if let known = ids[s.comm] { id = known } else {
                id = Int64(ids.count)
                ids[s.comm] = id
                names[id] = s.comm
            }
            samples.add(key: id, ts: e.ts, value: s.span)
        }
        return NamedSamples(samples) { names[$0]! }
    }
}
