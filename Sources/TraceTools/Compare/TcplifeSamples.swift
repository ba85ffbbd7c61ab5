import TraceAnalysis

/// compare's samples of tcplife: every closed session, per comm (sessions themselves have other
/// ports and addresses in every run), counted at its close: its lifetime, and beside it the
/// bytes it sent and received (keys `COMM tx` and `COMM rx`, distributions in KB as tcplife's
/// TX_KB and RX_KB columns).
extension Tcplife: ComparableTool {
    public var measured: String? { "TCP session lifetime (and tx/rx bytes)" }
    public var ratesDecide: Bool { false }
    public var keyHeading: String { "comm" }

    public func samples(_ rec: Recording, bins: Int) throws -> NamedSamples {
        func empty() -> KeyedSamples { KeyedSamples(start: rec.effectiveStart, end: rec.effectiveEnd, binCount: bins, hasValues: true) }
        var spans = empty(), tx = empty(), rx = empty()
        var ids: [String: Int64] = [:]
        var names: [Int64: String] = [:]
        try sessions(rec) { e, s in
            let id: Int64
            if let known = ids[s.comm] { id = known } else {
                id = Int64(ids.count)
                ids[s.comm] = id
                names[id] = s.comm
            }
            spans.add(key: id, ts: e.ts, value: s.span)
            tx.add(key: id, ts: e.ts, value: Int64(clamping: s.close.bytesAcked))
            rx.add(key: id, ts: e.ts, value: Int64(clamping: s.close.bytesReceived))
        }
        let name: (Int64) -> String = { names[$0]! }
        return NamedSamples(spans, name: name).adding(bytes: NamedSamples(tx, name: name), suffix: "tx").adding(bytes: NamedSamples(rx, name: name), suffix: "rx")
    }
}
