import ArgumentParser
import TraceAnalysis
import TraceReport

/// bcc cpuunclaimed: from run queue samples taken on every CPU at once, how much idle CPU
/// there was while threads waited in other CPUs' queues. Samples are grouped as the live
/// tool groups them (a gap of 0.8 sample periods starts a group) and each group is counted in
/// the interval in which the next one begins, when the live tool would have seen it end.
public struct Cpuunclaimed: RecordingTool {
    public static let toolName = "cpuunclaimed"
    public static let notes = "samples at the recorded --stack-freq (the live tool at 99 Hz); cpu-clock samples where the live tool uses task-clock"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Sample CPU run queues and calculate unclaimed idle CPU",
        discussion: """
        The samples are the recording's cpu_sample rows, at the rate given to `bpfrec record \
        --stack-freq` (record with --stack-freq 99 for the live tool's rate). As the live tool, \
        the first interval also counts one empty sample group (all CPUs idle).

        examples:
            bpfan cpuunclaimed run.trc          # output every 1 second (default)
            bpfan cpuunclaimed 5 10 run.trc     # print 5 second summaries, 10 times
            bpfan cpuunclaimed -T 1 run.trc     # 1s summaries and timestamps
            bpfan cpuunclaimed -j run.trc       # raw dump of all samples (verbose),
                                                # CSV
        """)

    @Flag(name: [.customShort("j"), .customLong("csv")], help: "print sample summaries (verbose) as comma-separated values")
    var csv = false
    @Flag(name: [.customShort("J"), .customLong("fullcsv")], help: "print sample summaries with extra fields: CPU sample offsets")
    var fullCSV = false
    @Flag(name: [.customShort("T"), .customLong("timestamp")], help: "include timestamp on output")
    var timestamp = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording, and the live tool's interval and count.", valueName: "recording [interval [count]]"))
    public var positionals: [String] = []

    public init() {}

    public static var numericPositionals: [String] { ["interval", "count"] }
    public var requiredTables: [String] { ["cpu_sample"] }

    struct Sample {
        var ts: Int64
        var cpu: Int
        var len: Int64
    }

    /// One interval's totals: samples where an idle CPU could have run a queued thread, CPUs
    /// running, CPUs idle.
    struct Totals {
        var positive = 0, running = 0, idle = 0
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let csv = self.csv || fullCSV
        if csv && !numbers.isEmpty { throw AnalysisError("ERROR: cannot use interval with either -j or -J. Exiting.") }
        let rate = try rec.cpuSampleRate(tool: Self.toolName, cannot: "unclaimed idle CPU cannot be computed", into: &out)
        let ncpu = try rec.hostCPUCount()
        let interval = numbers.first ?? 1
        let buckets = IntervalBuckets(start: rec.effectiveStart, end: rec.effectiveEnd, intervalSeconds: interval, count: numbers.count > 1 ? numbers[1] : nil)
        let trigger = Int64(0.8 * (1_000_000_000 / Double(rate)))

        var summary = RowLayout.Builder(.row, "unclaimed", header: false)
        summary.add("time", .hms, header: "", row: "%-8s ", shown: timestamp)
        summary.add("cpu_percent", row: "%%CPU %6.2f%%, ")
        summary.add("unclaimed_idle_percent", row: "unclaimed idle %0.2f%%\n")
        let summaryLayout = summary.layout
        let cpuColumns = (0..<ncpu).map { "CPU\($0)" }, offsetColumns = (0..<ncpu).map { "OFFSET_ns_CPU\($0)" }
        let groupColumns = (timestamp ? ["TIME"] : []) + ["TIMESTAMP_ns"] + cpuColumns + (fullCSV ? offsetColumns : [])
        let groupLayout = RowLayout(.row, "sample_group", columns: groupColumns.map { Column($0.lowercased()) }, header: nil,
                                    format: groupColumns.map { _ in "%s" }.joined(separator: ",") + "\n")
        if csv {
            out.text(groupColumns.joined(separator: ",") + "\n")
        } else {
            out.text("Sampling run queues... Output every \(interval) seconds. Hit Ctrl-C to end.\n")
        }

        var totals = Totals()
        var group: [Sample] = []
        var last: Int64 = 0
        // Reports interval `i` as the live tool does when its sleep ends.
        func report(_ i: Int) {
            guard !csv else { return }
            let total = totals.running + totals.idle
            let util = total > 0 ? Double(totals.running) / Double(total) : 0, unclaimed = total > 0 ? Double(totals.positive) / Double(total) : 0
            out.row(summaryLayout, [.time(buckets.reportTime(of: i)), .double(100 * util), .double(100 * unclaimed)])
            totals = Totals()
        }
        // Processes the group `e` closes, as print_event's loop does.
        func close(at reportTime: Int64) throws {
            let first = group.map(\.ts).min() ?? 0, lastTs = group.map(\.ts).max() ?? 0
            if csv {
                if first > 0 {
                    var lens = Array(repeating: Int64(0), count: ncpu), offs = Array(repeating: Int64(0), count: ncpu)
                    for s in group.sorted(by: { $0.ts < $1.ts }) where s.cpu >= 0 && s.cpu < ncpu {
                        lens[s.cpu] = s.len
                        offs[s.cpu] = s.ts - first
                    }
                    let values = (timestamp ? [Value.string(rec.hms(reportTime))] : []) + [.string(String(first))] + lens.map { .string(String($0)) }
                        + (fullCSV ? offs.map { .string(String($0)) } : [])
                    out.row(groupLayout, values)
                }
            } else {
                let running = group.filter { $0.len > 0 }.count
                let queued = group.reduce(Int64(0)) { $0 + ($1.len > 1 ? $1.len - 1 : 0) }
                let idle = ncpu - running
                if idle > 0 && queued > 0 { totals.positive += Int(min(Int64(idle), queued)) }
                totals.running += running
                totals.idle += idle
            }
            if lastTs - first > trigger / 2 {
                throw AnalysisError("ERROR: CPU samples arrived at skewed offsets (CPUs may have powered down when idle), spanning \(lastTs - first) ns (expected < \(trigger / 2) ns). Debug with -J, and see the man page. As output may begin to be unreliable, exiting.")
            }
        }
        var current = 0
        try rec.scanMerged([ScanSource(CpuSampleRow.self, reading: [\.cpu, \.runqLen])]) { m in
            let row = CpuSampleRow(m)
            let s = Sample(ts: row.ts, cpu: Int(row.cpu), len: row.runqLen)
            guard let i = buckets.index(of: s.ts) else { return }
            while i > current {
                report(current)
                current += 1
            }
            if s.ts - last > trigger {
                try close(at: buckets.reportTime(of: current))
                group = []
                last = s.ts
            }
            group.append(s)
        }
        while current < buckets.bucketCount {
            report(current)
            current += 1
        }
    }
}
