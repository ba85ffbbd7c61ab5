import ArgumentParser
import Foundation
import TraceAnalysis
import TraceReport

/// libbpf-tools biotop (0.26): per interval, I/O count, Kbytes and average latency by
/// submitting process, direction and disk. The loadavg line is the recorder's latest read of
/// /proc/loadavg before each report (it reads the file once a second; the live tool reads it as
/// it prints).
public struct Biotop: RecordingTool {
    public static let toolName = "biotop"
    /// What `bpfan tools` says of its limits against the live tool.
    public static let notes = "loadavg line from the recorder's once-a-second read of /proc/loadavg"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Block device I/O top: I/O count, Kbytes and average latency by process and disk.",
        discussion: """
        EXAMPLES:
            bpfan biotop run.trc            # file I/O top, refresh every 1s
            bpfan biotop -C run.trc 1 5     # don't clear screen, 5 one-second reports
            bpfan biotop -s io run.trc      # sort by I/O count
        """)
    public static let numericPositionals = ["interval", "count"]

    enum Sort: String, ExpressibleByArgument { case all, io, bytes, time }

    @Flag(name: [.customShort("C"), .customLong("noclear")], help: "Don't clear the screen")
    var noclear = false
    @Option(name: [.customShort("r", allowingJoined: true), .customLong("rows")], help: ArgumentHelp("Maximum rows to print, default 20", valueName: "ROWS"))
    var rows: Int = 20
    @Option(name: [.customShort("s", allowingJoined: true), .customLong("sort")], help: ArgumentHelp("Sort columns, default all [all, io, bytes, time]", valueName: "SORT"))
    var sort: Sort = .all
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording, then the live tool's [interval] [count] (recording time; interval defaults to 1).", valueName: "recording [interval] [count]"))
    public var positionals: [String] = []

    public init() {}

    public func validate() throws {
        if rows <= 0 { throw ValidationError("invalid rows: \(rows)") }
    }

    public var requiredTables: [String] { ["block_io_start", "block_rq_issue", "block_io_done"] }

    struct Key: Hashable { var pid: Int64; var comm: String; var write: Bool; var dev: UInt32 }
    struct Stat { var io: Int64 = 0; var bytes: Int64 = 0; var us: Int64 = 0 }

    /// Every `interval` seconds (1 by default, as the live tool), `count` times.
    public func intervals(numbers: [Int]) -> IntervalRequest? {
        IntervalRequest(seconds: numbers.first ?? 1, count: numbers.count > 1 ? numbers[1] : nil)
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let reports = intervals(numbers: numbers)
        let buckets = IntervalBuckets(start: rec.effectiveStart, end: rec.effectiveEnd, intervalSeconds: reports?.seconds, count: reports?.count)
        var stats = Array(repeating: [Key: Stat](), count: buckets.bucketCount)
        var who: [Int64: (pid: Int64, comm: String)] = [:]
        var starts: [Int64: (ts: Int64, len: Int64)] = [:]
        let sources = [ScanSource(BlockIoStartRow.self, reading: [\.rq, \.pid, \.comm]), ScanSource(BlockRqIssueRow.self, reading: [\.rq, \.nrBytes]),
                       ScanSource(BlockIoDoneRow.self, reading: [\.rq, \.dev, \.cmdFlags])]
        try rec.scanMerged(sources) { m in
            switch m.source {
            case 0:
                let row = BlockIoStartRow(m)
                who[row.rq] = (row.pid, row.comm)
            case 1:
                let row = BlockRqIssueRow(m)
                starts[row.rq] = (row.ts, Int64(UInt32(truncatingIfNeeded: row.nrBytes)))
            default:
                let row = BlockIoDoneRow(m)
                guard let start = starts.removeValue(forKey: row.rq) else { return }
                let w = who.removeValue(forKey: row.rq)
                guard let i = buckets.index(of: row.ts) else { return }
                let flags = UInt32(truncatingIfNeeded: row.cmdFlags)
                let key = Key(pid: w?.pid ?? 0, comm: w?.comm ?? "", write: flags & 0xff == 1, dev: UInt32(truncatingIfNeeded: row.dev))
                var v = stats[i][key] ?? Stat()
                v.us &+= (row.ts &- start.ts) / 1000
                v.bytes &+= start.len
                v.io &+= 1
                stats[i][key] = v
            }
        }
        let screen = try TopScreen(rec, tool: Self.toolName, into: &out)
        // biotop.c's print_stat(): a header per interval, then the top rows.
        var l = RowLayout.Builder(.row, "block_io_by_process")
        l.json("interval")
        l.json("time")
        l.add("pid", header: "%-7s ", "PID", row: "%-7d ")
        l.add("comm", header: "%-16s ", "COMM", row: "%-16s ")
        l.add("rw", header: "%1s ", "D", row: "%1s ")
        l.add("major", header: "%-3s ", "MAJ", row: "%-3d ")
        l.add("minor", header: "%-3s ", "MIN", row: "%-3d ")
        l.add("disk", header: "%-8s ", "DISK", row: "%-8s ")
        l.add("io", header: "%5s ", "I/O", row: "%5d ")
        l.add("bytes", .divided(1024), header: "%7s ", "Kbytes", row: "%7lld ")
        l.add("avg_ms", header: "%6s", "AVGms", row: "%6.2f")
        l.literal(header: "\n", row: "\n")
        let layout = l.layout
        for (i, perKey) in stats.enumerated() {
            let sorted = perKey.sorted { a, b in
                let x = metric(a.value), y = metric(b.value)
                return x != y ? x > y : (a.key.pid, a.key.comm, a.key.dev) < (b.key.pid, b.key.comm, b.key.dev)
            }.prefix(min(rows, 1024))
            let time = buckets.reportTime(of: i)
            screen.begin(rec, at: time, clear: !noclear, into: &out)
            out.header(layout)
            for (k, v) in sorted {
                // The live tool's float arithmetic: us / 1000 / io in single precision.
                let avg: Float = v.io == 0 ? 0 : Float(v.us) / 1000 / Float(v.io)
                out.row(layout, [Value(i), .time(time), .int(k.pid), .string(k.comm), .string(k.write ? "W" : "R"), .int(Int64(k.dev >> 20)), .int(Int64(k.dev & 0xfffff)),
                                 .string(rec.diskName(k.dev) ?? ""), .int(v.io), .int(v.bytes), .double(Double(avg))])
            }
            out.text("\n")
        }
    }

    func metric(_ v: Stat) -> Int64 {
        switch sort {
        case .io: v.io
        case .bytes: v.bytes
        case .time: v.us
        case .all: v.io + v.bytes + v.us
        }
    }
}
