import ArgumentParser
import Foundation
import TraceAnalysis

/// libbpf-tools biotop (0.26): per interval, I/O count, Kbytes and average latency by
/// submitting process, direction and disk. /proc/loadavg is not recorded: the loadavg line says
/// so instead of the numbers.
public struct Biotop: RecordingTool {
    public static let toolName = "biotop"
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
    @Option(name: [.customShort("r"), .customLong("rows")], help: ArgumentHelp("Maximum rows to print, default 20", valueName: "ROWS"))
    var rows: Int = 20
    @Option(name: [.customShort("s"), .customLong("sort")], help: ArgumentHelp("Sort columns, default all [all, io, bytes, time]", valueName: "SORT"))
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
    struct Value { var io: Int64 = 0; var bytes: Int64 = 0; var us: Int64 = 0 }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let buckets = IntervalBuckets(start: rec.effectiveStart, end: rec.effectiveEnd, intervalSeconds: numbers.first ?? 1, count: numbers.count > 1 ? numbers[1] : nil)
        var stats = Array(repeating: [Key: Value](), count: buckets.bucketCount)
        var who: [Int64: (pid: Int64, comm: String)] = [:]
        var starts: [Int64: (ts: Int64, len: Int64)] = [:]
        let sources = [ScanSource("block_io_start", ["ts", "rq", "pid", "comm"]), ScanSource("block_rq_issue", ["ts", "rq", "nr_bytes"]),
                       ScanSource("block_io_done", ["ts", "rq", "dev", "cmd_flags"])]
        try rec.scanMerged(sources) { row in
            let rq = row.int(1)
            switch row.source {
            case 0: who[rq] = (row.int(2), row.string(3))
            case 1: starts[rq] = (row.ts, Int64(UInt32(truncatingIfNeeded: row.int(2))))
            default:
                guard let start = starts.removeValue(forKey: rq) else { return }
                let w = who.removeValue(forKey: rq)
                guard let i = buckets.index(of: row.ts) else { return }
                let flags = UInt32(truncatingIfNeeded: row.int(3))
                let key = Key(pid: w?.pid ?? 0, comm: w?.comm ?? "", write: flags & 0xff == 1, dev: UInt32(truncatingIfNeeded: row.int(2)))
                var v = stats[i][key] ?? Value()
                v.us &+= (row.ts &- start.ts) / 1000
                v.bytes &+= start.len
                v.io &+= 1
                stats[i][key] = v
            }
        }
        var jsonRows: [[JSONText]] = []
        for (i, perKey) in stats.enumerated() {
            let sorted = perKey.sorted { a, b in
                let x = metric(a.value), y = metric(b.value)
                return x != y ? x > y : (a.key.pid, a.key.comm, a.key.dev) < (b.key.pid, b.key.comm, b.key.dev)
            }.prefix(min(rows, 1024))
            let time = rec.hms(buckets.reportTime(of: i))
            if common.json {
                for (k, v) in sorted {
                    jsonRows.append([.int(Int64(i)), .string(time), .int(k.pid), .string(k.comm), .string(k.write ? "W" : "R"), .int(Int64(k.dev >> 20)),
                                     .int(Int64(k.dev & 0xfffff)), .string(rec.diskName(k.dev) ?? ""), .int(v.io), .int(v.bytes / 1024),
                                     .double(v.io == 0 ? 0 : Double(Float(v.us) / 1000 / Float(v.io)))])
                }
                continue
            }
            if !noclear { out.write("\u{1b}[H\u{1b}[2J\u{1b}[3J") }
            out.line(right(time, 8) + " loadavg: not recorded\n")
            out.line(left("PID", 7) + " " + left("COMM", 16) + " " + "D" + " " + left("MAJ", 3) + " " + left("MIN", 3) + " " + left("DISK", 8) + " "
                     + right("I/O", 5) + " " + right("Kbytes", 7) + " " + right("AVGms", 6))
            for (k, v) in sorted {
                let avg: Float = v.io == 0 ? 0 : Float(v.us) / 1000 / Float(v.io)
                out.line(left(k.pid, 7) + " " + left(k.comm, 16) + " " + (k.write ? "W" : "R") + " " + left(Int64(k.dev >> 20), 3) + " "
                         + left(Int64(k.dev & 0xfffff), 3) + " " + left(rec.diskName(k.dev) ?? "", 8) + " " + right(v.io, 5) + " "
                         + right(v.bytes / 1024, 7) + " " + right(String(format: "%.2f", Double(avg)), 6))
            }
            out.line()
        }
        if common.json {
            out.write(JSONShapes.table(tool: Self.toolName, columns: ["interval", "time", "pid", "comm", "d", "maj", "min", "disk", "io", "kbytes", "avg_ms"], rows: jsonRows))
        }
    }

    func metric(_ v: Value) -> Int64 {
        switch sort {
        case .io: v.io
        case .bytes: v.bytes
        case .time: v.us
        case .all: v.io + v.bytes + v.us
        }
    }
}
