import ArgumentParser
import TraceAnalysis
import TraceReport

/// bcc pidpersec: new tasks (sched_fork, here the sched_process_fork rows: a fork that copy_process
/// gave up on after sched_fork is not in them) counted per second of recording time, printed
/// after each whole second as the live tool prints them; it exits on Ctrl-C without printing
/// the second under way, so a partial last second is not printed either.
public struct Pidpersec: RecordingTool {
    public static let toolName = "pidpersec"
    public static let notes = "counts successful forks (sched_process_fork), not every sched_fork attempt"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Count new processes (via fork).",
        discussion: """
        EXAMPLES:
            bpfan pidpersec run.trc            # new processes each second of the
                                               # recording
            bpfan pidpersec --from 10 run.trc  # from 10 seconds in
        """)

    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["process_fork"] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let buckets = IntervalBuckets(start: rec.effectiveStart, end: rec.effectiveEnd, intervalSeconds: 1, count: nil)
        var counts = Array(repeating: Int64(0), count: buckets.bucketCount)
        try rec.scanBatches(ProcessForkRow.self, reading: [\.ts]) { b in
            for t in b[\ProcessForkRow.ts] { if let i = buckets.index(of: t) { counts[i] += 1 } }
        }
        out.text("Tracing... Ctrl-C to end.\n")
        // print("%s: PIDs/sec: %d" % (strftime("%H:%M:%S"), count))
        let layout = RowLayout(.row, "forks_per_second", columns: [Column("time", text: .hms), Column("forks")], header: nil, format: "%s: PIDs/sec: %d\n")
        let whole = buckets.wholeCount
        for i in 0..<whole { out.row(layout, [.time(buckets.reportTime(of: i)), .int(counts[i])]) }
        if whole < counts.count, counts[whole] > 0 {
            out.warn("bpfan pidpersec: \(counts[whole]) forks in the last \(buckets.cutSeconds) s, less than a whole second, are not printed (the live tool prints each second when it ends)")
        }
    }
}
