import ArgumentParser
import TraceAnalysis
import TraceReport

/// libbpf-tools biopattern: per disk, the share of completions that continue where the previous
/// one ended (sequential) versus not (random), per interval.
public struct Biopattern: RecordingTool {
    public static let toolName = "biopattern"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Show block device I/O pattern.",
        discussion: """
        EXAMPLES:
            bpfan biopattern run.trc            # show block I/O pattern
            bpfan biopattern run.trc 1 10       # print 1 second summaries, 10 times
            bpfan biopattern -T run.trc 1       # 1s summaries with timestamps
            bpfan biopattern -d sdc run.trc     # trace sdc only
        """)
    public static let numericPositionals = ["interval", "count"]

    @Flag(name: [.customShort("T"), .customLong("timestamp")], help: "Include timestamp on output")
    var timestamp = false
    @Option(name: [.customShort("d", allowingJoined: true), .customLong("disk")], help: ArgumentHelp("Trace this disk only", valueName: "DISK"))
    var disk: String?
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording, then the live tool's [interval] [count] (recording time).", valueName: "recording [interval] [count]"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["block_rq_complete"] }

    struct Counter { var lastSector: Int64 = 0; var sequential: Int64 = 0; var random: Int64 = 0; var bytes: Int64 = 0 }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let targetDev = try disk.map { try rec.device(named: $0) }
        let buckets = IntervalBuckets(start: rec.effectiveStart, end: rec.effectiveEnd, intervalSeconds: numbers.first, count: numbers.count > 1 ? numbers[1] : nil)
        var counters = Array(repeating: [UInt32: Counter](), count: buckets.bucketCount)
        // Completions from different CPUs reach the file slightly out of order; the live tool sees
        // them in time order.
        try rec.scanMerged([ScanSource(BlockRqCompleteRow.self, reading: [\.dev, \.sector, \.nrBytes])]) { m in
            let row = BlockRqCompleteRow(m)
            let dev = UInt32(truncatingIfNeeded: row.dev)
            if let targetDev, dev != targetDev { return }
            guard let i = buckets.index(of: row.ts) else { return }
            let sector = row.sector, nrSector = Int64(UInt32(truncatingIfNeeded: row.nrBytes)) / 512
            var c = counters[i][dev] ?? Counter()
            if c.lastSector != 0 {
                if c.lastSector == sector { c.sequential += 1 } else { c.random += 1 }
                c.bytes &+= nrSector * 512
            }
            c.lastSector = sector &+ nrSector
            counters[i][dev] = c
        }
        out.text("Tracing block device I/O requested seeks... Hit Ctrl-C to end.\n")
        // biopattern.c's header and print_map().
        var l = RowLayout.Builder(.row, "seeks")
        l.json("interval")
        l.add("time", .hms, header: "%-9s ", "TIME", row: "%-9s ", shown: timestamp)
        l.add("disk", header: "%-7s ", "DISK", row: "%-7s ")
        l.add("rnd_pct", header: "%5s ", "%RND", row: "%5d ")
        l.add("seq_pct", header: "%5s ", "%SEQ", row: "%5d ")
        l.add("count", header: "%8s ", "COUNT", row: "%8d ")
        l.add("bytes", .divided(1024), header: "%10s", "KBYTES", row: "%10lld")
        l.literal(header: "\n", row: "\n")
        let layout = l.layout
        out.header(layout)
        for (i, perDev) in counters.enumerated() {
            for dev in perDev.keys.sorted() {
                let c = perDev[dev]!
                let total = c.sequential + c.random
                guard total > 0 else { continue }
                out.row(layout, [Value(i), .time(buckets.reportTime(of: i)), .string(rec.diskName(dev) ?? "Unknown"), .int(c.random * 100 / total),
                                 .int(c.sequential * 100 / total), .int(total), .int(c.bytes)])
            }
        }
    }
}
