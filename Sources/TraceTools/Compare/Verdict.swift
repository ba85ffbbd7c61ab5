/// What compare concludes of one measure of one key.
public enum Verdict: Sendable, Equatable {
    /// A significant change, larger than --min-change, in the worse direction (higher
    /// latencies, more events per second).
    case regressed
    /// The same, in the better direction.
    case improved
    /// No change both significant and larger than --min-change (benchstat's `~`).
    case unchanged
    /// Not testable: the reason (too few samples).
    case inconclusive(String)

    /// The word the report prints.
    public var word: String {
        switch self {
        case .regressed: "regressed"
        case .improved: "improved"
        case .unchanged: "~"
        case .inconclusive: "inconclusive"
        }
    }
}
