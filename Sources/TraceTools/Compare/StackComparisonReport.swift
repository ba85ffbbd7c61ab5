import TraceReport

/// A stack profile's part of the report: every stack by its change (weight per second of each
/// recording, the change with its interval, the verdict), then the `top` stacks that appeared,
/// disappeared, grew and shrank most. The stack comes last in each row: folded stacks are long.
extension ComparisonReport {
    /// Which list a stack belongs to, by its weights (not its verdict: a stack that appeared
    /// can still be noise, and its row says so).
    enum StackMove: String, CaseIterable {
        case appeared, disappeared, grew, shrank

        init?(_ k: KeyComparison) {
            switch (k.base.count, k.new.count) {
            case (0, 0): return nil
            case (0, _): self = .appeared
            case (_, 0): self = .disappeared
            default:
                if k.new.rate > k.base.rate { self = .grew } else if k.new.rate < k.base.rate { self = .shrank } else { return nil }
            }
        }
    }

    func emitStacks(unit: String, into out: inout ToolOutput) {
        let byChange = keys.sorted { a, b in
            let (x, y) = (abs(a.new.rate - a.base.rate), abs(b.new.rate - b.base.rate))
            return x != y ? x > y : a.name < b.name
        }
        out.note("\n")
        let layout = stackLayout(unit: unit, list: false)
        out.header(layout)
        for k in byChange { out.row(layout, stackRow(k, list: nil)) }
        let listed = stackLayout(unit: unit, list: true)
        for move in StackMove.allCases {
            let members = byChange.filter { StackMove($0) == move }.prefix(top)
            out.note("\n\(move.rawValue) (\(members.count) of \(byChange.filter { StackMove($0) == move }.count) stacks, most first):\n")
            if members.isEmpty { continue }
            out.header(listed)
            for k in members { out.row(listed, stackRow(k, list: move)) }
        }
    }

    func stackLayout(unit: String, list: Bool) -> RowLayout {
        var l = RowLayout.Builder(.row, list ? "stack_move" : "stack")
        if list { l.add("list", header: "%-11s ", "LIST", row: "%-11s ") }
        l.add("base_weight", header: "%10s ", "BASE", row: "%10llu ")
        l.add("new_weight", header: "%10s ", "NEW", row: "%10llu ")
        l.add("base_rate", .formatted("%.1f", scale: 1), header: "%10s ", "BASE " + unit, row: "%10s ")
        l.add("new_rate", .formatted("%.1f", scale: 1), header: "%10s ", "NEW " + unit, row: "%10s ")
        l.add("change", .formatted("%+.1f", scale: 1), header: "%10s ", "CHANGE", row: "%10s ")
        l.json("unit")
        l.add("relative", Self.percent, header: "%8s ", "REL", row: "%8s ")
        l.add("relative_ci", .interval(Self.percent), header: "%-18s ", "\(confidencePercent)% CI", row: "%-18s ", inJSON: false)
        l.json("relative_low")
        l.json("relative_high")
        l.json("change_low")
        l.json("change_high")
        l.add("p", .formatted("%.2g", scale: 1), header: "%8s ", "P(HOLM)", row: "%8s ")
        l.json("p_raw")
        l.add("verdict", header: "%-13s ", "VERDICT", row: "%-13s ")
        l.json("reason")
        l.add("stack", header: "%s", "STACK", row: "%s")
        l.literal(header: "\n", row: "\n")
        return l.layout
    }

    func stackRow(_ k: KeyComparison, list: StackMove?) -> [Value] {
        let r = k.rate, w = r?.welch
        var v: [Value] = list.map { [.string($0.rawValue)] } ?? []
        v += [.uint(k.base.count), .uint(k.new.count), .double(k.base.rate), .double(k.new.rate), .double(k.new.rate - k.base.rate),
              .string(stackUnit ?? ""), Self.real(r?.relative), Self.range(r?.relativeLow, r?.relativeHigh), Self.real(r?.relativeLow), Self.real(r?.relativeHigh),
              Self.real(w?.low), Self.real(w?.high), Self.real(r?.adjustedP), Self.real(w?.p),
              .string(r?.verdict.word ?? "-"), Self.reason(r?.verdict), .string(k.name)]
        return v
    }
}
