import Foundation

// hardirqs / softirqs outputs (live and bpfan) compared within the live tool's measured window
// (TimedLiveTool): bpfan answers for the window's inner and outer brackets, and the live output
// must lie between them, key by key; what the probe order may add to that is the per-event
// allowance, measured A/A (IrqDifferentialTests.swift says how much and why).

/// "NAME VALUE" rows under the header line starting with `header` (HARDIRQ, SOFTIRQ): the
/// last field is the value, the rest the name. Several intervals would add up; one is printed.
func irqTable(_ text: String, header: String) -> [String: Int64] {
    var out: [String: Int64] = [:]
    var inTable = false
    for line in text.split(separator: "\n") {
        if line.hasPrefix(header) { inTable = true; continue }
        guard inTable else { continue }
        let f = line.split(separator: " ")
        guard f.count >= 2, let v = Int64(f.last!) else { continue }
        out[f.dropLast().joined(separator: " "), default: 0] += v
    }
    return out
}

/// -d histograms by key ("hardirq = NAME" -> "NAME"), bucket index -> count.
func irqHistograms(_ text: String) -> [String: [Int: Int]] {
    var out: [String: [Int: Int]] = [:]
    for (label, h) in bccHistograms(text) {
        let key = label.split(separator: "=", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? label
        out[key] = h
    }
    return out
}

/// One key's live value against bpfan's inner and outer answers.
struct Bracketed {
    var key: String
    var live: Int64
    var inner: Int64
    var outer: Int64
    /// How far outside [inner, outer] the live value lies (0 inside).
    var excess: Int64 { abs(signedExcess) }
    /// live minus the nearest bracket end (0 inside).
    var signedExcess: Int64 { live > outer ? live - outer : live < inner ? live - inner : 0 }
    var text: String { "\(key): live \(live), bpfan [\(inner), \(outer)]" }
}

func bracket(live: [String: Int64], inner: [String: Int64], outer: [String: Int64]) -> [Bracketed] {
    Set(live.keys).union(inner.keys).union(outer.keys).sorted().map {
        Bracketed(key: $0, live: live[$0] ?? 0, inner: inner[$0] ?? 0, outer: outer[$0] ?? 0)
    }
}
