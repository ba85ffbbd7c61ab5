import Testing
@testable import TraceTools

@Test func failConditionGrammarReadsTheDocumentedForms() throws {
    let p99 = try FailCondition("p99>+10%")
    #expect(p99.metric == .p99 && p99.key == nil && p99.above && p99.threshold == .relative(0.10))
    let rate = try FailCondition("rate(read)>+20%")
    #expect(rate.metric == .rate && rate.key == "read" && rate.threshold == .relative(0.20))
    #expect(try FailCondition("max>20ms").threshold == .duration(20_000_000))
    #expect(try FailCondition("p50(vda Write) > 1.5us").key == "vda Write")
    #expect(try FailCondition("p50(vda Write) > 1.5us").threshold == .duration(1500))
    let fall = try FailCondition("rate(openat)<-50%")
    #expect(!fall.above && fall.threshold == .relative(-0.5))
    #expect(try FailCondition("rate>1000").threshold == .rate(1000))
    #expect(try FailCondition("p90<2s").threshold == .duration(2_000_000_000))
}

@Test func failConditionErrorsNameTheToken() {
    let cases: [(String, String)] = [
        ("p99", "no '>' or '<'"),
        ("p95>+10%", "unknown metric 'p95'"),
        ("p99>", "no threshold"),
        ("p99>+10", "'+10' has no unit"),
        ("p99>10xs", "'10xs' is not a threshold"),
        ("max>+10%", "max has no confidence interval"),
        ("rate>20ms", "rate thresholds are events per second"),
        ("p99>-10%", "a rise is '>+N%', a fall '<-N%'"),
        ("rate(read>+10%", "a key goes in parentheses"),
    ]
    for (text, message) in cases {
        do {
            _ = try FailCondition(text)
            Issue.record("'\(text)' parsed")
        } catch {
            #expect("\(error)".contains("--fail-if '\(text)': ") && "\(error)".contains(message), "\(text): \(error)")
        }
    }
}

/// Found by flag-fuzz (make fuzz-flags): a duration past Int64 nanoseconds trapped.
@Test func aThresholdTooLongForNanosecondsIsRefused() throws {
    #expect(throws: CompareUsageError("--fail-if 'max((x))>9999999999999s': '9999999999999s' is longer than a nanosecond count holds (292 years)")) {
        try FailCondition("max((x))>9999999999999s")
    }
    #expect(try FailCondition("max>9000000000s").threshold == .duration(9_000_000_000_000_000_000))
}
