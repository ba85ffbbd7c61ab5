import TraceAnalysis

/// bcc's probe pattern (`func`, `lib:func`, `p:lib:func`, `t:SUBSYS:EVENT`, `u:lib:probe`) as
/// funccount and stackcount take it, narrowed to what a recording holds: tracepoints. The other
/// forms are refused with the reason.
enum TracepointProbe {
    /// The `SUBSYS:EVENT` pattern of a `t:` probe, as a matcher (globs, or a regex with -r).
    static func parse(_ pattern: String, regex: Bool) throws -> TracepointPattern {
        let parts = pattern.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch (parts.count, parts.first) {
        case (3, "t"?): break
        case (3, "u"?), (2, _):
            throw AnalysisError("'\(pattern)': USDT probes and user functions are not in recordings; only t:SUBSYS:EVENT tracepoints can be counted")
        case (1, _), (3, "p"?):
            throw AnalysisError("'\(pattern)': kernel functions need kprobes, which recordings do not hold (and this kernel lacks); count tracepoints with t:SUBSYS:EVENT")
        case (3, let t?):
            throw AnalysisError("Type must be 'p', 't', or 'u', but got \(t)")
        default:
            throw AnalysisError("Too many ':'-separated components in pattern \(pattern)")
        }
        return try TracepointPattern(parts[1] + ":" + parts[2], regex: regex)
    }
}
