import Testing

/// The differential test's comparators on hand-made events (no root): what each accepts is what
/// the measured ranges allow, and each known error fails.
struct SkewComparisonTests {
    /// Events of `us` microseconds, each read live anywhere up to `slack` us either way.
    func events(_ us: [Int64], slack: Int64 = 2) -> [Spread] {
        us.map { Spread(value: $0 * 1000, low: $0 * 1000 - slack * 1000, high: $0 * 1000 + slack * 1000) }
    }

    @Test func histogramWithinTheRangesAgrees() {
        // 15 us read as 16 live (within 2 us) moves one sample across the 16 us edge: allowed.
        let e = events([10, 15, 40, 100])
        #expect(compareHistogram(live: [3: 1, 4: 1, 5: 1, 6: 1], events: e).ok)
        #expect(compareHistogram(live: [3: 2, 5: 1, 6: 1], events: e).ok)
    }

    @Test func histogramFailsOnABucketShiftACountAndATotal() {
        let e = events([10, 15, 40, 100])
        // 100 us printed in [128, 256): a shift of one bucket above 64 us.
        let shifted = compareHistogram(live: [3: 2, 5: 1, 7: 1], events: e)
        #expect(!shifted.ok)
        #expect((shifted.neededNs ?? 0) > 20_000)
        // One sample moved across an edge it cannot reach (10 us is never 16).
        #expect(!compareHistogram(live: [4: 2, 5: 1, 6: 1], events: e).ok)
        // A count off by one.
        let missing = compareHistogram(live: [3: 2, 5: 1], events: e)
        #expect(!missing.ok && missing.neededNs == nil)
    }

    @Test func eventRowsMatchOneToOne() {
        let e = events([90, 105, 130, 400], slack: 5)
        // Threshold 100: 90 read as 102 is beyond reach (5 us); 105 may fall under it.
        #expect(compareEvents(liveUs: [130, 400], events: e, thresholdUs: 100).ok)
        #expect(compareEvents(liveUs: [104, 133, 398], events: e, thresholdUs: 100).ok)
        // A row that is no event, a row missing, a row twice.
        #expect(!compareEvents(liveUs: [130, 400, 250], events: e, thresholdUs: 100).ok)
        #expect(!compareEvents(liveUs: [130], events: e, thresholdUs: 100).ok)
        #expect(!compareEvents(liveUs: [130, 130, 400], events: e, thresholdUs: 100).ok)
    }

    @Test func totalWithinTheSumOfRanges() {
        #expect(compareTotal(liveUs: 105, range: (low: 100, high: 110), roundingUs: 0.001).ok)
        let v = compareTotal(liveUs: 111, range: (low: 100, high: 110), roundingUs: 0.001)
        #expect(!v.ok && abs((v.neededNs ?? 0) - 999) < 1)
    }

    @Test func markerDelaysAlignEventByEvent() {
        // Marker lines as bpftrace prints them (per-CPU buffers: out of order), one event missed.
        var m = MarkerProbe(output: "Attaching 9 probes...\nmarker attached\nw 1500\nw 1020\nw 3040\n")
        m.align(recorded: ["w": [1000, 1490, 2000, 3000]])
        #expect(m.delays["w"] == [1000: 20, 1490: 10, 3000: 40])
        #expect(m.largest["w"] == 40)
        // An end of a kind the marker measured no event of: no range at all.
        let s = m.spreads([TimedValue(start: 2000, end: 2600, startKey: "w", endKey: "x")])
        guard case .failure = s else { Issue.record("an end with no marker of its kind must fail"); return }
        // The missed start gets the largest delay measured for wakeups.
        let ok = m.spreads([TimedValue(start: 2000, end: 3000, startKey: "w", endKey: "w")])
        guard case .success(let r) = ok else { Issue.record("\(ok)"); return }
        #expect(r.unmeasured == 1)
        #expect(r.spreads.first.map { ($0.low, $0.high) } ?? (0, 0) == (960, 1040))
    }
}
