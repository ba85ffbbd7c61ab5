import TraceReport
import TraceStatistics

/// What a `--fail-if` condition (or, without any, the default gate: any regressed verdict)
/// found over the compared keys.
public struct ThresholdCheck: Sendable {
    public enum Result: String, Sendable {
        case crossed
        case clear = "not crossed"
        case inconclusive
    }
    /// The condition as given, or `any regressed` for the default gate.
    public var condition: String
    public var result: Result
    /// The keys that crossed, each with the figure that crossed (`vda: p99 +52.1%`), or why
    /// nothing could be decided.
    public var detail: String

    /// The default gate: crossed by every regressed verdict; inconclusive when no test could be
    /// made at all.
    public static func anyRegression(_ keys: [KeyComparison]) -> ThresholdCheck {
        var crossed: [String] = [], decided = 0
        for k in keys {
            if let d = k.distribution {
                if case .inconclusive = d.verdict {} else { decided += 1 }
                if d.verdict == .regressed, let c = d.deciding { crossed.append("\(k.name): \(c.level.name) \(percent(c.estimate.relative))") }
            }
            if let r = k.rate {
                if case .inconclusive = r.verdict {} else { decided += 1 }
                if r.verdict == .regressed { crossed.append("\(k.name): rate \(percent(r.relative))") }
            }
        }
        if !crossed.isEmpty { return .init(condition: "any regressed", result: .crossed, detail: crossed.joined(separator: ", ")) }
        if decided == 0 { return .init(condition: "any regressed", result: .inconclusive, detail: keys.isEmpty ? "no events to compare" : "every key has too few samples") }
        return .init(condition: "any regressed", result: .clear, detail: "")
    }

    /// `condition` over `keys`; a key it names must be one of them (else a usage error).
    public static func evaluate(_ condition: FailCondition, _ keys: [KeyComparison], alpha: Double) throws -> ThresholdCheck {
        var scope = keys
        if let name = condition.key {
            scope = keys.filter { $0.name == name }
            if scope.isEmpty {
                let known = keys.prefix(8).map(\.name).joined(separator: ", ")
                throw CompareUsageError("--fail-if '\(condition.text)': no key '\(name)' in either recording" + (known.isEmpty ? "" : " (keys: \(known)\(keys.count > 8 ? ", ..." : ""))"))
            }
        }
        // A duration bound says nothing of byte counts or plain numbers.
        if case .duration = condition.threshold { scope = scope.filter { $0.unit == .ns } }
        var crossed: [String] = [], undecided: [String] = []
        var decided = 0
        for k in scope {
            switch check(condition, k, alpha: alpha) {
            case .crossed(let figure): crossed.append("\(k.name): \(figure)"); decided += 1
            case .clear: decided += 1
            case .undecided(let why): undecided.append("\(k.name): \(why)")
            }
        }
        if !crossed.isEmpty { return .init(condition: condition.text, result: .crossed, detail: crossed.joined(separator: ", ")) }
        // A named key must be decided; over all keys, at least one.
        if decided == 0 || (condition.key != nil && !undecided.isEmpty) {
            return .init(condition: condition.text, result: .inconclusive, detail: undecided.isEmpty ? "no events to compare" : undecided.joined(separator: "; "))
        }
        return .init(condition: condition.text, result: .clear, detail: "")
    }

    enum KeyResult { case crossed(String), clear, undecided(String) }

    static func check(_ c: FailCondition, _ k: KeyComparison, alpha: Double) -> KeyResult {
        switch c.threshold {
        case .relative(let limit):
            if c.metric == .rate {
                guard let r = k.rate else { return .undecided("rates not tested") }
                if case .inconclusive(let why) = r.verdict { return .undecided(why) }
                guard let rel = r.relative else { return .clear }
                let crossed = c.above ? r.called > 0 && rel > limit : r.called < 0 && rel < limit
                return crossed ? .crossed("rate \(percent(rel))") : .clear
            }
            guard let level = c.metric.level, let d = k.distribution else { return .undecided("no distribution tested") }
            if case .inconclusive(let why) = d.verdict { return .undecided(why) }
            // Between runs each quantile has its own test; else Mann-Whitney's is the key's.
            guard let change = d.change(level), let p = change.adjustedP ?? d.adjustedP, p < alpha else { return .clear }
            let rel = change.estimate.relative ?? (change.estimate.difference > 0 ? Double.infinity : -Double.infinity)
            let crossed = c.above ? change.called > 0 && rel > limit : change.called < 0 && rel < limit
            return crossed ? .crossed("\(level.name) \(percent(rel))") : .clear
        case .duration(let bound):
            let value: Int64?
            if c.metric == .max { value = k.new.max } else if let level = c.metric.level, let i = CompareSettings.quantiles.firstIndex(of: level) {
                value = k.new.quantiles?[i]
            } else { value = nil }
            guard let value else { return .undecided("no events in NEW") }
            let crossed = c.above ? value > bound : value < bound
            return crossed ? .crossed("\(c.metric.rawValue) \(ToolOutput.humanDuration(value, signed: false))") : .clear
        case .rate(let bound):
            let crossed = c.above ? k.new.rate > bound : k.new.rate < bound
            return crossed ? .crossed(printf("rate %.1f/s", .double(k.new.rate))) : .clear
        }
    }

    static func percent(_ r: Double?) -> String {
        guard let r else { return "(from 0)" }
        if r.isInfinite { return r > 0 ? "(new)" : "(gone)" }
        return printf("%+.1f%%", .double(r * 100))
    }
}
