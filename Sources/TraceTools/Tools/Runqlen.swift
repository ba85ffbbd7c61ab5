import ArgumentParser
import TraceAnalysis
import TraceReport

/// libbpf-tools runqlen: the CFS run queue length of each CPU, sampled, as a linear histogram
/// (or the share of samples with a queue, -O). Each cpu_sample holds the sampled task's
/// cfs_rq length, the running task included, as the live tool reads it.
public struct Runqlen: RecordingTool {
    public static let toolName = "runqlen"
    public static let notes = "samples at the recorded --stack-freq (the live default is 99 Hz); -f cannot change a recording's rate"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Summarize scheduler run queue length as a histogram.",
        discussion: """
        The samples are the recording's cpu_sample rows, taken at the rate given to `bpfrec \
        record --stack-freq` (49 Hz unless set); record with --stack-freq 99 for the live tool's \
        default rate.

        EXAMPLES:
            bpfan runqlen run.trc         # summarize run queue length as a histogram
            bpfan runqlen 1 10 run.trc    # print 1 second summaries, 10 times
            bpfan runqlen -T 1 run.trc    # 1s summaries and timestamps
            bpfan runqlen -O run.trc      # report run queue occupancy
            bpfan runqlen -C run.trc      # show each CPU separately
        """)

    @Flag(name: [.customShort("C"), .customLong("cpus")], help: "Print output for each CPU separately")
    var perCPU = false
    @Option(name: [.customShort("f", allowingJoined: true), .customLong("frequency")], help: ArgumentHelp("Sample with a certain frequency (must be the recorded rate)", valueName: "FREQUENCY"))
    var frequency: Int?
    @Flag(name: [.customShort("O"), .customLong("runqocc")], help: "Report run queue occupancy")
    var runqocc = false
    @Flag(name: [.customShort("T"), .customLong("timestamp")], help: "Include timestamp on output")
    var timestamp = false
    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Verbose debug output (no effect)")
    var verbose = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording, and the live tool's interval and count.", valueName: "recording [interval [count]]"))
    public var positionals: [String] = []

    public init() {}

    public static var numericPositionals: [String] { ["interval", "count"] }
    public var requiredTables: [String] { ["cpu_sample"] }

    /// runqlen.h MAX_SLOTS.
    static let slots = 32

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        _ = try rec.cpuSampleRate(tool: Self.toolName, requested: frequency, cannot: "run queue lengths cannot be summarized",
                                  consequence: "counts scale with the rate", into: &out)
        let cpus = perCPU ? try rec.hostCPUCount() : 1
        let buckets = IntervalBuckets(start: rec.effectiveStart, end: rec.effectiveEnd, intervalSeconds: numbers.first, count: numbers.count > 1 ? numbers[1] : nil)
        var hists = Array(repeating: Array(repeating: [UInt64](repeating: 0, count: Self.slots), count: perCPU ? cpus : 1), count: buckets.bucketCount)
        var outside = 0
        try rec.scanBatches(CpuSampleRow.self, reading: [\.cpu, \.runqLen]) { b in
            let ts = b[\CpuSampleRow.ts], cpu = b[\CpuSampleRow.cpu], len = b[\CpuSampleRow.runqLen]
            for r in 0..<b.count {
                guard let i = buckets.index(of: ts[r]) else { continue }
                // "subtracting the currently running task, if present. len 0 == idle".
                let slot = Int(min(max(len[r] - 1, 0), Int64(Self.slots - 1)))
                let c = perCPU ? Int(cpu[r]) : 0
                guard c >= 0 && c < hists[i].count else { outside += 1; continue }
                hists[i][c][slot] += 1
            }
        }
        if outside > 0 { out.warn("bpfan runqlen: warning: \(outside) samples name a CPU past the host's \(cpus); not shown") }
        out.text("Sampling run queue length... Hit Ctrl-C to end.\n")
        let stamp = RowLayout(.row, "time", columns: [Column("time", text: .hms)], header: nil, format: "%-8s\n")
        // print_runq_occupancy()'s two forms.
        let occupancyRow = perCPU ? RowLayout(.row, "runqocc", columns: [.jsonOnly("time"), Column("cpu"), Column("percent")], header: nil, format: "runqocc, CPU %-3d %6.2f%%\n")
            : RowLayout(.row, "runqocc", columns: [.jsonOnly("time"), Column("percent")], header: nil, format: "runqocc: %0.2f%%\n")
        for (i, perInterval) in hists.enumerated() {
            out.text("\n")
            let at = buckets.reportTime(of: i)
            if timestamp { out.row(stamp, [.time(at)]) }
            for (c, slots) in perInterval.enumerated() {
                if runqocc {
                    // Slot 0 is idle, the rest queued; `float runqocc = queued * 1.0 / samples`,
                    // printed as the float `100 * runqocc`.
                    let idle = slots[0], queued = slots.dropFirst().reduce(0, +)
                    let occupancy = Float(Double(queued) / Double(max(1, idle + queued)))
                    out.row(occupancyRow, [.time(at)] + (perCPU ? [.int(Int64(c))] : []) + [.double(Double(Float(100) * occupancy))])
                } else {
                    let labels: [(String, Value)] = [("time", .time(at))] + (perCPU ? [("cpu", .int(Int64(c)))] : [])
                    out.histogram(Histogram(.linear(base: 0, step: 1), unit: .count, unitLabel: "runqlen", labels: labels,
                                            heading: perCPU ? "cpu = \(c)\n" : "", slots: slots))
                }
            }
        }
    }
}
