import Foundation
import TraceStatistics

/// One `--fail-if` threshold:
///
///     CONDITION := METRIC [ "(" KEY ")" ] OP THRESHOLD
///     METRIC    := p50 | p90 | p99 | max | rate
///     OP        := ">" | "<"
///     THRESHOLD := [+|-]N%          relative change: crossed when the change is called (significant
///                                   after Holm, at least --min-change, interval clear of zero)
///                                   and beyond N% (">" takes +N%, "<" takes -N%); not for max
///                | N(ns|us|ms|s)    NEW's own value of p50, p90, p99 or max (no statistics)
///                | N                NEW's events per second, for rate
///
/// Without a KEY the condition applies to every key; `p99(vda)`, `rate(read)`, `p50(1234)` name
/// one, as the report prints it.
public struct FailCondition: Sendable, Equatable, CustomStringConvertible {
    public enum Metric: String, Sendable, CaseIterable {
        case p50, p90, p99, max, rate
        public var level: QuantileLevel? {
            switch self {
            case .p50: .p50
            case .p90: .p90
            case .p99: .p99
            case .max, .rate: nil
            }
        }
    }
    public enum Threshold: Sendable, Equatable {
        /// A relative change: 0.10 for +10%.
        case relative(Double)
        /// A duration in ns.
        case duration(Int64)
        /// Events per second.
        case rate(Double)
    }

    public let text: String
    public let metric: Metric
    public let key: String?
    /// True for ">", false for "<".
    public let above: Bool
    public let threshold: Threshold

    public var description: String { text }

    public init(_ text: String) throws {
        self.text = text
        func fail(_ why: String) -> CompareUsageError { CompareUsageError("--fail-if '\(text)': \(why)") }
        let s = text.filter { $0 != " " }
        guard let opIndex = s.lastIndex(where: { $0 == ">" || $0 == "<" }) else {
            throw fail("no '>' or '<'; write e.g. 'p99>+10%', 'rate(read)>+20%' or 'max>20ms'")
        }
        let lhs = String(s[..<opIndex]), rhs = String(s[s.index(after: opIndex)...])
        above = s[opIndex] == ">"
        var metricWord = lhs
        var key: String?
        if let open = lhs.firstIndex(of: "(") {
            guard lhs.hasSuffix(")"), lhs.index(after: open) < lhs.index(before: lhs.endIndex) else {
                throw fail("'\(lhs)': a key goes in parentheses, as in rate(read)")
            }
            metricWord = String(lhs[..<open])
            // The key as given, spaces kept (`p99(vda Write)`).
            let given = text[text.index(after: text.firstIndex(of: "(")!)..<text.lastIndex(of: ")")!]
            key = given.trimmingCharacters(in: .whitespaces)
        }
        guard let metric = Metric(rawValue: metricWord) else {
            throw fail("unknown metric '\(metricWord)'; expected one of \(Metric.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.metric = metric
        self.key = key
        guard !rhs.isEmpty else { throw fail("no threshold after '\(above ? ">" : "<")'") }
        if rhs.hasSuffix("%") {
            guard let n = Double(rhs.dropLast()), n.isFinite else { throw fail("'\(rhs)' is not a percentage like +10%") }
            if metric == .max { throw fail("max has no confidence interval to call a change with; give its bound, e.g. 'max>20ms'") }
            if above && n < 0 || !above && n > 0 {
                throw fail("'\(above ? ">" : "<")\(rhs)': a rise is '>+N%', a fall '<-N%'")
            }
            threshold = .relative(n / 100)
        } else if let ns = Self.durationNanoseconds(rhs), ns >= 9.2e18 {
            // Found by flag-fuzz: 9999999999999s trapped converting to ns.
            throw fail("'\(rhs)' is longer than a nanosecond count holds (292 years)")
        } else if let ns = Self.duration(rhs) {
            if metric == .rate { throw fail("rate thresholds are events per second ('rate>1000') or relative ('rate>+20%'), not durations") }
            threshold = .duration(ns)
        } else if let n = Double(rhs), n.isFinite, n >= 0 {
            guard metric == .rate else { throw fail("'\(rhs)' has no unit; \(metric.rawValue) thresholds are relative (+10%) or durations (20ms, 500us)") }
            threshold = .rate(n)
        } else {
            throw fail("'\(rhs)' is not a threshold; expected +N%, a duration (20ms, 500us, 1s, 800ns) or, for rate, events per second")
        }
    }

    /// `20ms`, `1.5s`, `500us`, `800ns` in ns.
    static func duration(_ s: String) -> Int64? {
        guard let ns = durationNanoseconds(s), ns < 9.2e18 else { return nil }
        return Int64(ns.rounded())
    }

    /// The same as a Double, any size (nil when it is not a duration).
    static func durationNanoseconds(_ s: String) -> Double? {
        for (suffix, scale) in [("ns", 1.0), ("us", 1e3), ("ms", 1e6), ("s", 1e9)] where s.hasSuffix(suffix) {
            guard let n = Double(s.dropLast(suffix.count)), n.isFinite, n >= 0 else { return nil }
            return n * scale
        }
        return nil
    }

    /// Whether the condition needs per-event values (every metric but rate).
    public var needsValues: Bool { metric != .rate }
}

/// A usage error of compare (exit 2), said in one line naming the flag, file or token.
public struct CompareUsageError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
