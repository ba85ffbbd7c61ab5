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
        addRateTest(&l, width: 10, rateHeadings: ("BASE " + unit, "NEW " + unit, "CHANGE"), verdict: "%-13s ")
        l.json("unit")
        l.add("stack", header: "%s", "STACK", row: "%s")
        l.literal(header: "\n", row: "\n")
        return l.layout
    }

    func stackRow(_ k: KeyComparison, list: StackMove?) -> [Value] {
        let v: [Value] = list.map { [.string($0.rawValue)] } ?? []
        return v + [.uint(k.base.count), .uint(k.new.count)] + rateTestValues(k) + [.string(stackUnit ?? ""), .string(k.name)]
    }
}
