/// Holm's step-down correction of p-values for testing many keys at once: the family-wise
/// error rate (the chance of any false alarm among them) stays at most alpha, where testing 50
/// syscalls each at alpha would give about 2.5 false alarms.
public enum HolmBonferroni {
    /// Adjusted p-values in the order given: the k-th smallest of m becomes
    /// max over j <= k of min(1, (m - j + 1) p_(j)). A test is significant at alpha when its
    /// adjusted value is below alpha.
    public static func adjust(_ p: [Double]) -> [Double] {
        let m = p.count
        let order = p.indices.sorted { (p[$0], $0) < (p[$1], $1) }
        var adjusted = [Double](repeating: 1, count: m)
        var running = 0.0
        for (k, i) in order.enumerated() {
            running = max(running, min(1, Double(m - k) * p[i]))
            adjusted[i] = running
        }
        return adjusted
    }
}
