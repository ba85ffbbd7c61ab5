import Foundation

// The differential test's latency comparisons: bpfan's per-event values against what a live
// tool printed, each event allowed the range its probe order gives it, measured for that event
// (`Spread`, MarkerProbe.swift), and nothing else. Each verdict also says how much wider every
// range would have had to be (`neededNs`; 0 when the measurement explains everything), which
// the test prints when it fails.

struct SkewVerdict {
    var ok: Bool
    /// How far beyond its measured range (either side) the worst event had to move; nil when
    /// no widening up to the search limit reconciles the two (a count differs).
    var neededNs: Double?
    var detail: String
}

/// A live log2 histogram (slot -> count, bccHistograms' indices; the live tool prints ns /
/// `divisor`) against bpfan's events: below each bucket edge E the live tool counts at least
/// the events whose whole range is below E and at most those whose range reaches below it.
/// Totals must be equal. `missed`: events the live tool's programs were not run for (their
/// recursion_misses): each can drop, add or move one of its samples, so counts may be off by
/// that many at any edge, and no more.
func compareHistogram(live: [Int: Int], events: [Spread], divisor: Int64 = 1000, missed: Int = 0) -> SkewVerdict {
    let n = live.values.reduce(0, +)
    guard abs(n - events.count) <= missed else {
        return SkewVerdict(ok: false, neededNs: nil, detail: "\(n) live samples vs \(events.count) bpfan samples")
    }
    let lows = events.map(\.low).sorted(), highs = events.map(\.high).sorted()
    func below(_ v: [Int64], _ t: Int64) -> Int {
        var lo = 0, hi = v.count
        while lo < hi { let mid = (lo + hi) / 2; if v[mid] < t { lo = mid + 1 } else { hi = mid } }
        return lo
    }
    let top = max(live.keys.max() ?? 0, highs.last.map { log2Slot(max(0, $0) / divisor) } ?? 0)
    var needed: Int64 = 0
    var worst = ""
    var cumulative = 0
    for k in 0...top {
        cumulative += live[k] ?? 0
        let edge = divisor << (k + 1)
        let atLeast = below(highs, edge) - missed, atMost = below(lows, edge) + missed
        if cumulative < atLeast, edge - highs[cumulative + missed] > needed {
            needed = edge - highs[cumulative + missed]
            worst = "below \(edge / divisor): live \(cumulative), bpfan's events at least \(atLeast)"
        }
        if cumulative > atMost, lows[cumulative - 1 - missed] - edge + 1 > needed {
            needed = lows[cumulative - 1 - missed] - edge + 1
            worst = "below \(edge / divisor): live \(cumulative), bpfan's events at most \(atMost)"
        }
    }
    return SkewVerdict(ok: needed == 0, neededNs: Double(needed), detail: worst)
}

/// Live event rows (µs, printed when above `thresholdUs`) against bpfan's events: each live
/// row is one event whose range meets the row's microsecond, one to one, and every event the
/// live tool had to print (its whole range above the threshold) is a row. Both halves are
/// earliest-deadline greedy matchings (maximum for points against intervals); where each side
/// can be covered, one matching covers both (Mendelsohn-Dulmage). `missed` (the live tool's
/// recursion_misses) rows and events may go unmatched each: a missed wakeup leaves the live
/// tool an older start, so a latency bpfan does not have.
func compareEvents(liveUs: [Int64], events: [Spread], thresholdUs: Int64, missed: Int = 0) -> SkewVerdict {
    func check(widen d: Int64) -> (unmatchedRows: [Int64], unmatchedEvents: [Int64]) {
        let rows = liveUs.sorted()
        func meets(_ row: Int64, _ e: Spread) -> Bool { row * 1000 <= e.high + d && row * 1000 + 999 >= e.low - d }
        // Rows, ascending, each to the open event that ends first.
        var used = [Bool](repeating: false, count: events.count)
        let byLow = events.indices.sorted { events[$0].low < events[$1].low }
        var unmatchedRows: [Int64] = []
        for row in rows {
            var best: Int?
            for i in byLow where !used[i] && meets(row, events[i]) {
                if best == nil || events[i].high < events[best!].high { best = i }
            }
            if let b = best { used[b] = true } else { unmatchedRows.append(row) }
        }
        // Events that had to be printed, by end, each to the smallest row it meets.
        let required = events.filter { $0.low - d >= (thresholdUs + 1) * 1000 }.sorted { $0.high < $1.high }
        var free = rows
        var unmatchedEvents: [Int64] = []
        for e in required {
            if let j = free.firstIndex(where: { meets($0, e) }) { free.remove(at: j) } else { unmatchedEvents.append(e.value / 1000) }
        }
        return (unmatchedRows, unmatchedEvents)
    }
    func fits(_ m: (unmatchedRows: [Int64], unmatchedEvents: [Int64])) -> Bool { m.unmatchedRows.count <= missed && m.unmatchedEvents.count <= missed }
    let first = check(widen: 0)
    if fits(first) {
        return SkewVerdict(ok: true, neededNs: 0, detail: first.unmatchedRows.isEmpty && first.unmatchedEvents.isEmpty ? "" : "unmatched within the live tool's \(missed) missed events: live \(first.unmatchedRows), bpfan \(first.unmatchedEvents)")
    }
    let detail = "live rows (us) that are no bpfan event: \(first.unmatchedRows); bpfan events (us) the live tool had to print: \(first.unmatchedEvents)"
    var lo: Int64 = 0, hi: Int64 = 1_000_000
    let widest = check(widen: hi)
    if !fits(widest) { return SkewVerdict(ok: false, neededNs: nil, detail: detail) }
    while hi - lo > 10 {
        let mid = (lo + hi) / 2
        if fits(check(widen: mid)) { hi = mid } else { lo = mid }
    }
    return SkewVerdict(ok: false, neededNs: Double(hi), detail: detail)
}

/// A total (µs) over events: the live tool's lies between the sums of its events' lowest and
/// highest readings, `roundingUs` either way for how each side prints it.
func compareTotal(liveUs: Double, range: (low: Double, high: Double), roundingUs: Double) -> SkewVerdict {
    let lo = range.low - roundingUs, hi = range.high + roundingUs
    let needed = liveUs < lo ? lo - liveUs : liveUs > hi ? liveUs - hi : 0
    return SkewVerdict(ok: needed == 0, neededNs: needed * 1000,
                       detail: String(format: "live %.3f us, the recorded events allow [%.3f, %.3f] us", liveUs, lo, hi))
}
