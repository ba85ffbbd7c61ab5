import TraceAnalysis

/// The report of libbpf-tools runqlat and cpudist: per interval, one log2 histogram per key
/// (pid, tid, or a single one), each remembering the comm of the task that created it in that
/// interval (the BPF side fills `hist.comm` once, when the map entry is made).
struct KeyedLog2Report {
    struct Entry {
        var comm: String
        var hist: Log2Histogram
    }

    let buckets: IntervalBuckets
    let slotCount: Int
    private(set) var intervals: [[Int64: Entry]]

    init(buckets: IntervalBuckets, slotCount: Int) {
        self.buckets = buckets
        self.slotCount = slotCount
        intervals = Array(repeating: [:], count: buckets.bucketCount)
    }

    /// Counts `value` (already in the histogram's unit) for `key` in the interval holding `ts`.
    mutating func add(ts: Int64, key: Int64, comm: @autoclosure () -> String, value: UInt64) {
        guard let i = buckets.index(of: ts) else { return }
        if intervals[i][key] == nil { intervals[i][key] = Entry(comm: comm(), hist: Log2Histogram(slotCount: slotCount)) }
        intervals[i][key]!.hist.add(value)
    }

    /// `header`, then per interval a blank line, the `-T` time, and per key (ascending) a
    /// `\n<label> = <key> <comm>` line per label (none when not keyed) and the histogram.
    func text(header: String, keyLabels: [String], unit: String, timestamp: Bool, clock: ClockAnchorsView?) -> String {
        var out = header + "\n"
        for (i, perKey) in intervals.enumerated() {
            out += "\n"
            if timestamp { out += BccHistogramPrinter.pad(clock?.hms(ofMonotonic: buckets.reportTime(of: i)) ?? "??:??:??", 8) + "\n" }
            for key in perKey.keys.sorted() {
                let e = perKey[key]!
                for label in keyLabels { out += "\n\(label) = \(key) \(e.comm)\n" }
                out += BccHistogramPrinter.log2(e.hist.slots, unit: unit)
            }
        }
        return out
    }

    func json(tool: String, keyLabel: String?, unit: String, timestamp: Bool, intervalGiven: Bool, clock: ClockAnchorsView?) -> String {
        var items: [(labels: [(String, JSONText)], buckets: [(low: Int64, high: Int64, count: UInt64)])] = []
        for (i, perKey) in intervals.enumerated() {
            for key in perKey.keys.sorted() {
                let e = perKey[key]!
                var labels: [(String, JSONText)] = [("interval", .int(Int64(i)))]
                if timestamp || intervalGiven, let clock { labels.append(("time", .string(clock.hms(ofMonotonic: buckets.reportTime(of: i))))) }
                if let keyLabel { labels += [(keyLabel, .int(key)), ("comm", .string(e.comm))] }
                let last = e.hist.slots.lastIndex { $0 > 0 } ?? -1
                items.append((labels, (0..<(last + 1)).map { s in
                    let r = Log2Histogram.range(ofSlot: s)
                    return (Int64(bitPattern: r.low), Int64(bitPattern: r.high), e.hist.slots[s])
                }))
            }
        }
        return JSONShapes.histograms(tool: tool, unit: unit, items)
    }
}
