import TraceReport

/// bpftrace's `-f json` output (0.17): one object per line, `{"type": T, "data": D}`, with its
/// spacing (`", "` and `": "`).
enum BtJSON {
    static func string(_ s: String) -> String { JSONText.quote(s) }

    static func line(_ type: String, _ data: String) -> String { "{\"type\": \(string(type)), \"data\": \(data)}\n" }

    static func value(_ v: BtValue) -> String {
        switch v {
        case .string, .stack: return string(v.text)
        default: return v.text
        }
    }

    static func buckets(_ items: [(low: Int64?, high: Int64?, count: UInt64)]) -> String {
        guard let first = items.firstIndex(where: { $0.count > 0 }), let last = items.lastIndex(where: { $0.count > 0 }) else { return "[]" }
        return "[" + items[first...last].map { b in
            var parts: [String] = []
            if let l = b.low { parts.append("\"min\": \(l)") }
            if let h = b.high { parts.append("\"max\": \(h)") }
            parts.append("\"count\": \(b.count)")
            return "{" + parts.joined(separator: ", ") + "}"
        }.joined(separator: ", ") + "]"
    }

    static func hist(_ h: BpftraceHistogram) -> String {
        buckets(h.buckets.indices.map { i in
            let b = BpftraceHistogram.bounds(i)
            return (b.low, b.high, h.buckets[i])
        })
    }

    static func lhist(_ h: BpftraceLinearHistogram) -> String {
        buckets(h.buckets.indices.map { i in
            if i == 0 { return (nil, h.min - 1, h.buckets[i]) }
            if i == h.buckets.count - 1 { return (h.max, nil, h.buckets[i]) }
            let low = h.min + Int64(i - 1) * h.step
            return (low, low + h.step - 1, h.buckets[i])
        })
    }
}

extension BtMaps {
    /// The map as bpftrace's JSON output prints it, or nil for an empty map (printed as nothing).
    func json(_ name: String, top: Int = 0, divisor: Int64 = 1) -> String? {
        let all = entries(name)
        guard let kind = kinds[name], !all.isEmpty else { return nil }
        let isKeyed = keyed[name] == true
        var rows = all.sorted { $0.key.precedes($1.key) }
        rows = rows.enumerated().sorted { ($0.element.value.sortValue, $0.offset) < ($1.element.value.sortValue, $1.offset) }.map(\.element)
        if top > 0, rows.count > top { rows.removeFirst(rows.count - top) }
        func data(_ e: BtMapEntry) -> String {
            switch e {
            case .value(let v):
                if case .string = v { return BtJSON.value(v) }
                return String(v.integer / divisor)
            case .scalar(let n): return String(n / divisor)
            case .mean(let c, let t):
                if kind == .avg { return String((c == 0 ? 0 : t / c) / divisor) }
                return "{\"count\": \(c / divisor), \"average\": \((c == 0 ? 0 : t / c) / divisor), \"total\": \(t / divisor)}"
            case .hist(let h): return BtJSON.hist(h)
            case .lhist(let h): return BtJSON.lhist(h)
            }
        }
        let type: String
        switch kind {
        case .hist, .lhist: type = "hist"
        case .avg, .stats: type = "stats"
        default: type = "map"
        }
        let body: String
        if isKeyed {
            body = "{" + rows.map { BtJSON.string($0.key.values.map(\.text).joined(separator: ",")) + ": " + data($0.value) }.joined(separator: ", ") + "}"
        } else {
            body = rows.first.map { data($0.value) } ?? "null"
        }
        return BtJSON.line(type, "{" + BtJSON.string(name) + ": " + body + "}")
    }
}
