import TraceAnalysis

/// What one recording gives compare for one tool: per key, every event's value (a latency in
/// ns) when the tool measures a distribution, and how many of its events fell in each of
/// `binCount` equal parts of the analysed window (its rate, and the rate's noise). A tool
/// declares how it fills one (`ComparableTool`); the statistics never see a recording.
public struct KeyedSamples: Sendable {
    public struct Series: Sendable {
        /// Per-event values, unsorted (empty when the tool counts events only).
        public var values: [Int64] = []
        /// Events per bin of the window.
        public var bins: [UInt64]
        public var count: UInt64 = 0

        @inline(__always) mutating func record(bin: Int, value: Int64?, weight: UInt64) {
            count += weight
            bins[bin] += weight
            if let value { values.append(value) }
        }
    }
    /// Where the key's detail (a pid's comm) was seen first: partials merged out of time order
    /// keep the earliest, so the detail does not depend on how the scan was cut.
    struct Detail: Sendable {
        var text: String
        var ts: Int64
        var order: UInt64
    }

    public let start: Int64
    public let end: Int64
    public let binCount: Int
    /// Whether events carry a value.
    public let hasValues: Bool
    public private(set) var series: [Int64: Series] = [:]
    var details: [Int64: Detail] = [:]

    public init(start: Int64, end: Int64, binCount: Int, hasValues: Bool) {
        precondition(end > start && binCount > 0, "an empty window or no bins")
        self.start = start
        self.end = end
        self.binCount = binCount
        self.hasValues = hasValues
    }

    /// The window's length in seconds.
    public var seconds: Double { Double(end - start) / 1e9 }
    /// One bin's length in seconds.
    public var binSeconds: Double { seconds / Double(binCount) }

    /// Counts an event of `key` at `ts` with `value` (ignored without values); events outside
    /// the window are not counted. A stack profile's events weigh what they accumulated (us off
    /// CPU): `weight` goes into the count and the bin instead of 1, so its rate is weight/s.
    @inline(__always) public mutating func add(key: Int64, ts: Int64, value: Int64 = 0, weight: UInt64 = 1) {
        guard ts >= start && ts < end else { return }
        let bin = Int((Double(ts - start) / Double(end - start) * Double(binCount)).rounded(.down))
        let bins = binCount, keepsValue = hasValues
        // One hash per event: the default subscript's in-place modify.
        series[key, default: Series(bins: [UInt64](repeating: 0, count: bins))].record(bin: min(bin, bins - 1), value: keepsValue ? value : nil, weight: weight)
    }

    /// Names `key` with a detail seen on `row` (the comm of a pid), keeping the earliest.
    public mutating func detail(key: Int64, row: PairRow, _ text: @autoclosure () -> String) {
        if let d = details[key], !row.precedes(ts: d.ts, order: d.order) { return }
        details[key] = Detail(text: text(), ts: row.ts, order: row.order)
    }

    /// Names `key` with `text` unless it has a detail already.
    public mutating func detail(key: Int64, _ text: String) {
        if details[key] == nil { details[key] = Detail(text: text, ts: .min, order: 0) }
    }

    public mutating func merge(_ other: KeyedSamples) {
        for (key, s) in other.series {
            if var mine = series[key] {
                mine.count += s.count
                for i in 0..<binCount { mine.bins[i] += s.bins[i] }
                mine.values += s.values
                series[key] = mine
            } else {
                series[key] = s
            }
        }
        for (key, d) in other.details {
            if let mine = details[key], (mine.ts, mine.order) <= (d.ts, d.order) { continue }
            details[key] = d
        }
    }

    /// The detail of `key`, if any.
    public func detail(of key: Int64) -> String? { details[key]?.text }
}

/// Samples of one recording with their keys named, the form the comparison works on: keys are
/// matched between the two recordings by name (a disk's name, a syscall's, a pid), not by the
/// number each host gave them.
public struct NamedSamples: Sendable {
    public struct Series: Sendable {
        public var name: String
        /// Shown beside the name (a pid's comm); not used to match.
        public var detail: String?
        /// Sorted ascending.
        public var values: [Int64]
        public var bins: [UInt64]
        public var count: UInt64
        /// What the values are: ns, byte counts (tcplife's bytes per session), plain numbers
        /// (a bt program's hist()).
        public var unit: SampleUnit = .ns
        /// The key counts (or sums) and has no values: its rate is tested whatever the tool's
        /// `ratesDecide` (a bt program's count() and sum() maps beside its hist() maps).
        public var counted = false
    }
    public var seconds: Double
    public var binCount: Int
    public var hasValues: Bool
    public var series: [String: Series]
    public var binSeconds: Double { seconds / Double(binCount) }

    public init(seconds: Double, binCount: Int, hasValues: Bool, series: [String: Series]) {
        self.seconds = seconds
        self.binCount = binCount
        self.hasValues = hasValues
        self.series = series
    }

    /// `samples` with each key named by `name` (keys given one name are joined).
    public init(_ samples: KeyedSamples, name: (Int64) -> String) {
        seconds = samples.seconds
        binCount = samples.binCount
        hasValues = samples.hasValues
        var out: [String: Series] = [:]
        for key in samples.series.keys.sorted() {
            let s = samples.series[key]!
            let n = name(key)
            if var joined = out[n] {
                joined.values += s.values
                for i in joined.bins.indices { joined.bins[i] += s.bins[i] }
                joined.count += s.count
                out[n] = joined
            } else {
                out[n] = Series(name: n, detail: samples.detail(of: key), values: s.values, bins: s.bins, count: s.count)
            }
        }
        for n in out.keys { out[n]!.values.sort() }
        series = out
    }

    /// The same samples keyed by their details (a pid's comm) instead of their names: the
    /// processes of two runs of one workload have other pids but the same comms. Keys with one
    /// comm are joined; keys without a detail keep their name.
    public func keyedByDetail() -> NamedSamples {
        var out: [String: Series] = [:]
        for name in series.keys.sorted() {
            let s = series[name]!
            let n = s.detail ?? s.name
            if var joined = out[n] {
                joined.values += s.values
                for i in joined.bins.indices { joined.bins[i] += s.bins[i] }
                joined.count += s.count
                out[n] = joined
            } else {
                out[n] = Series(name: n, detail: nil, values: s.values, bins: s.bins, count: s.count, unit: s.unit, counted: s.counted)
            }
        }
        for n in out.keys { out[n]!.values.sort() }
        return NamedSamples(seconds: seconds, binCount: binCount, hasValues: hasValues, series: out)
    }

    /// These samples and `other`'s (of the same window), its keys named `KEY SUFFIX` and marked
    /// as byte counts: a second distribution per key beside the first (tcplife's tx and rx).
    public func adding(bytes other: NamedSamples, suffix: String) -> NamedSamples {
        var joined = self
        for (name, s) in other.series {
            var s = s
            s.name = name + " " + suffix
            s.unit = .bytes
            joined.series[s.name] = s
        }
        return joined
    }
}

/// What a key's per-event values are, which decides how the report shows them.
public enum SampleUnit: String, Sendable {
    case ns
    case bytes
    /// A number without a unit (a bt program's hist() of whatever it was given).
    case number
}
