import TraceAnalysis
import TraceReport

/// The report of libbpf-tools runqlat and cpudist: per interval, one log2 histogram per key
/// (pid, tid, or a single one), each remembering the comm of the task that created it in that
/// interval (the BPF side fills `hist.comm` once, when the map entry is made).
struct KeyedLog2Report: Sendable {
    struct Entry {
        var comm: String
        var hist: Log2Histogram
    }
    /// Where an entry was made, (ts, order) of its first row: partials merged out of time order
    /// keep the comm of the earliest.
    private struct Made: Sendable {
        var interval: Int
        var key: Int64
        var comm: String
        var ts: Int64
        var order: UInt64
    }

    let buckets: IntervalBuckets
    let slotCount: Int
    // Flat storage (entry e's slots at e * slotCount), one hash per new (interval, key) and
    // none for a run of rows with the same key: this is touched once per measured event.
    private var made: [Made] = []
    private var counts: [UInt64] = []
    private var lookup: [[Int64: Int]]
    private var lastInterval = -1, lastKey: Int64 = 0, lastEntry = 0

    init(buckets: IntervalBuckets, slotCount: Int) {
        self.buckets = buckets
        self.slotCount = slotCount
        lookup = Array(repeating: [:], count: buckets.bucketCount)
    }

    @inline(__always) private mutating func entry(_ i: Int, _ key: Int64) -> Int? {
        if i == lastInterval && key == lastKey { return lastEntry }
        guard let e = lookup[i][key] else { return nil }
        (lastInterval, lastKey, lastEntry) = (i, key, e)
        return e
    }

    private mutating func make(_ i: Int, _ key: Int64, comm: String, ts: Int64, order: UInt64) -> Int {
        let e = made.count
        made.append(Made(interval: i, key: key, comm: comm, ts: ts, order: order))
        counts.append(contentsOf: repeatElement(0, count: slotCount))
        lookup[i][key] = e
        (lastInterval, lastKey, lastEntry) = (i, key, e)
        return e
    }

    @inline(__always) private mutating func count(_ e: Int, _ value: UInt64, _ n: UInt64 = 1) {
        counts[e &* slotCount &+ min(Log2Histogram.slot(of: value), slotCount - 1)] += n
    }

    /// Counts `value` (already in the histogram's unit) for `key` in the interval holding `ts`.
    mutating func add(ts: Int64, key: Int64, comm: @autoclosure () -> String, value: UInt64) {
        guard let i = buckets.index(of: ts) else { return }
        let e = entry(i, key) ?? make(i, key, comm: comm(), ts: .min, order: 0)
        count(e, value)
    }

    /// `add` for a row of a paired scan, whose rows reach a partial out of time order.
    mutating func add(row: PairRow, key: Int64, comm: @autoclosure () -> String, value: UInt64) {
        guard let i = buckets.index(of: row.ts) else { return }
        if let e = entry(i, key) {
            if row.precedes(ts: made[e].ts, order: made[e].order) {
                made[e].comm = comm()
                made[e].ts = row.ts
                made[e].order = row.order
            }
            count(e, value)
        } else {
            count(make(i, key, comm: comm(), ts: row.ts, order: row.order), value)
        }
    }

    /// Joins a partial over other rows (same buckets): histograms add, the earliest comm stays.
    mutating func merge(_ other: KeyedLog2Report) {
        for (o, m) in other.made.enumerated() {
            let e: Int
            if let mine = entry(m.interval, m.key) {
                e = mine
                if (m.ts, m.order) < (made[e].ts, made[e].order) {
                    made[e].comm = m.comm
                    made[e].ts = m.ts
                    made[e].order = m.order
                }
            } else {
                e = make(m.interval, m.key, comm: m.comm, ts: m.ts, order: m.order)
            }
            for s in 0..<slotCount { counts[e * slotCount + s] += other.counts[o * slotCount + s] }
        }
    }

    /// Per interval, the entries by key.
    var intervals: [[Int64: Entry]] {
        var out: [[Int64: Entry]] = Array(repeating: [:], count: lookup.count)
        for (e, m) in made.enumerated() {
            var hist = Log2Histogram(slotCount: slotCount)
            hist.slots = Array(counts[e * slotCount..<(e + 1) * slotCount])
            out[m.interval][m.key] = Entry(comm: m.comm, hist: hist)
        }
        return out
    }

    /// `header`, then per interval a blank line, the `-T` time, and per key (ascending) a
    /// `\n<label> = <key> <comm>` line per label (none when not keyed) and the histogram. JSON
    /// labels: interval, its time, and the key (`jsonKey`) with its comm.
    func emit(into out: inout ToolOutput, header: String, keyLabels: [String], jsonKey: String?, unit: Unit, unitLabel: String, timestamp: Bool) {
        out.text(header + "\n")
        for (i, perKey) in intervals.enumerated() {
            out.text("\n")
            let time = buckets.reportTime(of: i)
            if timestamp { out.text(printf("%-8s\n", .string(out.clock?.hms(time) ?? "??:??:??"))) }
            for key in perKey.keys.sorted() {
                let e = perKey[key]!
                var labels: [(String, Value)] = [("interval", Value(i)), ("time", .time(time))]
                if let jsonKey { labels += [(jsonKey, .int(key)), ("comm", .string(e.comm))] }
                let heading = keyLabels.map { printf("\n%s = %d %s\n", .string($0), .int(key), .string(e.comm)) }.joined()
                out.histogram(Histogram(.log2, unit: unit, unitLabel: unitLabel, labels: labels, heading: heading, slots: e.hist.slots))
            }
        }
    }
}
