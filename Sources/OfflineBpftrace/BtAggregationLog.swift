import TraceReport

/// Every value a program gave its maps' aggregations (count, sum, min, max, avg, stats, hist,
/// lhist), with its event's time and its key as the map prints it: what `bpfan compare` tests.
/// Raw per-event values, not the buckets a hist() keeps, so distributions are compared on what
/// the program measured. Kept only when asked for (BtInterpreter.run's `log`), in a run
/// folded in time order on one core.
public final class BtAggregationLog {
    public struct Series: Sendable {
        /// The aggregation: count, sum, min, max, avg, stats, hist or lhist.
        public var function: String
        /// `@name` or `@name[key, ...]`, as the map prints the entry.
        public var key: String
        public var times: [Int64] = []
        public var values: [Int64] = []
    }

    var kinds: [String: String] = [:]
    private var entries: [String: [BtKey: (times: [Int64], values: [Int64])]] = [:]
    var keyed: [String: Bool] = [:]

    public init() {}

    func note(_ name: String, _ key: BtKey, time: Int64, value: Int64) {
        entries[name, default: [:]][key, default: ([], [])].times.append(time)
        entries[name]![key]!.values.append(value)
    }

    /// Every map's entries, by map name then key.
    public var series: [Series] {
        entries.keys.sorted().flatMap { name in
            entries[name]!.sorted { $0.key.precedes($1.key) }.map { key, e in
                let text = keyed[name] == true ? key.values.map(\.text).joined(separator: ", ") : nil
                return Series(function: kinds[name] ?? "", key: BpftracePrinter.mapKeyText(name, text), times: e.times, values: e.values)
            }
        }
    }
}
