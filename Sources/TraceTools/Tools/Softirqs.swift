import ArgumentParser
import TraceAnalysis
import TraceReport

/// libbpf-tools softirqs (0.26): time in each soft irq vector, summed (or as log2 histograms
/// with -d), from the irq family's softirq_entry / softirq_exit rows. As the live
/// tool, one start stamp per CPU: an exit takes the last entry's time on its CPU, and a CPU's
/// stamp is 0 until its first entry (the live map starts zeroed).
public struct Softirqs: RecordingTool {
    public static let toolName = "softirqs"
    public static let notes = ""
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Summarize soft irq event time as histograms.",
        discussion: """
        EXAMPLES:
            bpfan softirqs run.trc            # sum soft irq event time
            bpfan softirqs -d run.trc         # show soft irq event time as histograms
            bpfan softirqs 1 10 run.trc       # print 1 second summaries, 10 times
            bpfan softirqs -NT 1 run.trc      # 1s summaries, nanoseconds, and
                                              # timestamps
        """)

    @Flag(name: [.customShort("d"), .customLong("distributed")], help: "Show distributions as histograms")
    var distributed = false
    @Flag(name: [.customShort("T"), .customLong("timestamp")], help: "Include timestamp on output")
    var timestamp = false
    @Flag(name: [.customShort("N"), .customLong("nanoseconds")], help: "Output in nanoseconds")
    var nanoseconds = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("[interval] [count] and the recording.", valueName: "interval count recording"))
    public var positionals: [String] = []

    public init() {}

    public static let numericPositionals = ["interval", "count"]
    public var requiredTables: [String] { [SoftirqEntryRow.table, SoftirqExitRow.table] }

    /// softirqs.c's vec_names (NR_SOFTIRQS = 10).
    static let vectors = ["hi", "timer", "net_tx", "net_rx", "block", "irq_poll", "tasklet", "sched", "hrtimer", "rcu"]

    /// Each softirq run in time order, shared by the summary and compare's samples: its vector
    /// (an index of `vectors`), exit time and time in it (ns), `stamped` false for an exit before
    /// any entry on its CPU (measured from a zero stamp, as the live tool does). Returns how
    /// many exits were unstamped.
    func softirqRuns(_ rec: Recording, _ each: (_ vec: Int, _ ts: Int64, _ ns: UInt64, _ stamped: Bool) -> Void) throws -> Int {
        var stamps = PerCPUStamp()
        let sources = [ScanSource(SoftirqEntryRow.self, reading: [\.cpu]), ScanSource(SoftirqExitRow.self, reading: [\.cpu, \.vec])]
        try rec.scanMerged(sources) { m in
            if m.source == 0 { stamps.stamp(cpu: SoftirqEntryRow(m).cpu, at: m.ts); return }
            let row = SoftirqExitRow(m)
            let vec = Int(row.vec)
            guard vec >= 0 && vec < Self.vectors.count else { return }
            let before = stamps.unstamped
            let ns = stamps.elapsed(cpu: row.cpu, at: row.ts, divisor: 1)
            each(vec, row.ts, ns, stamps.unstamped == before)
        }
        return stamps.unstamped
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let buckets = IntervalBuckets(start: rec.effectiveStart, end: rec.effectiveEnd, intervalSeconds: numbers.first, count: numbers.count > 1 ? numbers[1] : nil)
        var totals = Array(repeating: [UInt64](repeating: 0, count: Self.vectors.count), count: buckets.bucketCount)
        var hists = Array(repeating: Array(repeating: Log2Histogram(slotCount: 20), count: Self.vectors.count), count: buckets.bucketCount)
        let divisor: UInt64 = nanoseconds ? 1 : 1000
        let distributed = distributed
        let unstamped = try softirqRuns(rec) { vec, ts, ns, _ in
            guard let i = buckets.index(of: ts) else { return }
            let delta = ns / divisor
            if distributed { hists[i][vec].add(delta) } else { totals[i][vec] &+= delta }
        }
        if unstamped > 0 {
            out.warn("bpfan softirqs: \(unstamped) softirq exit(s) came before any entry on their CPU (a softirq running when the window starts); the live tool counts them from a zero stamp, and so does this output")
        }
        let units = nanoseconds ? "nsecs" : "usecs"
        out.text("Tracing soft irq event time... Hit Ctrl-C to end.\n")
        // print_count(): printf("%-16s %6s%5s\n", "SOFTIRQ", "TOTAL_", units), then
        // printf("%-16s %11llu\n", vec_names[vec], count) for each vector with a count.
        var b = RowLayout.Builder(.row, "softirq_time")
        b.json("interval")
        b.json("time")
        b.add("softirq", header: "%-16s ", "SOFTIRQ", row: "%-16s ")
        b.add("total", header: "%6s", "TOTAL_", row: "%11llu\n")
        b.literal(header: printf("%5s\n", .string(units)), row: "")
        let layout = b.layout
        for i in 0..<buckets.bucketCount {
            out.text("\n")
            let time = buckets.reportTime(of: i)
            if timestamp { out.text(printf("%-8s\n", .string(rec.clock?.hms(ofMonotonic: time) ?? "??:??:??"))) }
            if !distributed {
                out.header(layout)
                for (vec, total) in totals[i].enumerated() where total > 0 {
                    out.row(layout, [.int(Int64(i)), .time(time), .string(Self.vectors[vec]), .uint(total)])
                }
                continue
            }
            for (vec, hist) in hists[i].enumerated() where hist.slots.contains(where: { $0 > 0 }) {
                out.histogram(Histogram(.log2, unit: nanoseconds ? .ns : .us, unitLabel: units,
                                        labels: [("interval", Value(i)), ("time", .time(time)), ("softirq", .string(Self.vectors[vec]))],
                                        heading: printf("softirq = %s\n", .string(Self.vectors[vec])), slots: hist.slots))
                out.text("\n")
            }
        }
    }
}
