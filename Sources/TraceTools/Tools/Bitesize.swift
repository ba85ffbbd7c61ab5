import ArgumentParser
import TraceAnalysis
import TraceReport

/// libbpf-tools bitesize: I/O sizes (Kbytes, at issue) per issuing process name, per interval.
public struct Bitesize: RecordingTool {
    public static let toolName = "bitesize"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Summarize block device I/O size as a histogram.",
        discussion: """
        EXAMPLES:
            bpfan bitesize run.trc             # trace block I/O size
            bpfan bitesize run.trc 1 10        # print 1 second summaries, 10 times
            bpfan bitesize -T run.trc 1        # 1s summaries with timestamps
            bpfan bitesize -c fio run.trc      # trace fio only
            bpfan bitesize -d sdc run.trc      # trace sdc only
        """)
    public static let numericPositionals = ["interval", "count"]

    @Option(name: [.customShort("c", allowingJoined: true), .customLong("comm")], help: ArgumentHelp("Trace this comm only", valueName: "COMM"))
    var comm: String?
    @Option(name: [.customShort("d", allowingJoined: true), .customLong("disk")], help: ArgumentHelp("Trace this disk only", valueName: "DISK"))
    var disk: String?
    @Flag(name: [.customShort("T"), .customLong("timestamp")], help: "Include timestamp on output")
    var timestamp = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording, then the live tool's [interval] [count] (recording time).", valueName: "recording [interval] [count]"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["block_rq_issue"] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let targetDev = try disk.map { try rec.device(named: $0) }
        let buckets = IntervalBuckets(start: rec.effectiveStart, end: rec.effectiveEnd, intervalSeconds: numbers.first, count: numbers.count > 1 ? numbers[1] : nil)
        var hists = Array(repeating: [String: Log2Histogram](), count: buckets.bucketCount)
        // The BPF side compares only the bytes of the given name: a prefix match.
        let prefix = comm.map { Array($0.utf8.prefix(16)) }
        try rec.scanBatches(BlockRqIssueRow.self, reading: [\.dev, \.nrBytes, \.comm]) { b in
            let ts = b[\BlockRqIssueRow.ts], dev = b[\BlockRqIssueRow.dev], bytes = b[\BlockRqIssueRow.nrBytes], comms = b[\BlockRqIssueRow.comm]
            for r in 0..<b.count {
                if let targetDev, UInt32(truncatingIfNeeded: dev[r]) != targetDev { continue }
                if let prefix, !comms[r].starts(with: prefix) { continue }
                guard let i = buckets.index(of: ts[r]) else { continue }
                hists[i][comms.string(r), default: Log2Histogram(slotCount: 20)].add(UInt64(UInt32(truncatingIfNeeded: bytes[r])) / 1024)
            }
        }
        out.text("Tracing block device I/O... Hit Ctrl-C to end.\n")
        for (i, perComm) in hists.enumerated() {
            out.text("\n")
            let time = buckets.reportTime(of: i)
            if timestamp { out.text(printf("%-8s\n", .string(rec.hms(time)))) }
            for name in perComm.keys.sorted() {
                out.histogram(Histogram(.log2, unit: .kbytes, unitLabel: "Kbytes", labels: [("interval", Value(i)), ("time", .time(time)), ("comm", .string(name))],
                                        heading: printf("\nProcess Name = %s\n", .string(name)), slots: perComm[name]!.slots))
            }
        }
    }
}
