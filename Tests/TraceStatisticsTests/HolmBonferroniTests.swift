import Testing
@testable import TraceStatistics

@Test func holmAdjustsStepDownAndKeepsOrder() {
    // Sorted: 0.005 (x4), 0.01 (x3), 0.03 (x2 -> 0.06), 0.04 (x1 -> 0.04, raised to 0.06 by the
    // step before it).
    let adjusted = HolmBonferroni.adjust([0.01, 0.04, 0.03, 0.005])
    let expected = [0.03, 0.06, 0.06, 0.02]
    for (a, e) in zip(adjusted, expected) { #expect(abs(a - e) < 1e-15) }
    #expect(HolmBonferroni.adjust([0.5, 0.9]) == [1, 1])
    #expect(HolmBonferroni.adjust([]) == [])
}
