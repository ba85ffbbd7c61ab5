import ArgumentParser
import Foundation
import TraceAnalysis
import TraceReport

/// libbpf-tools biosnoop (0.26): one row per completed request, latency from issue (and with -Q
/// the queued time from insert). The submitter comes from block_io_start; the live tool copies
/// its comm with `sizeof(pointer)`, so it shows at most 7 characters, reproduced here.
public struct Biosnoop: RecordingTool {
    public static let toolName = "biosnoop"
    /// What `bpfan tools` says of its limits against the live tool.
    public static let notes = "COMM/PID need block_io_start; -Q needs block_rq_insert"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace block I/O.",
        discussion: """
        EXAMPLES:
            bpfan biosnoop run.trc            # trace all block I/O
            bpfan biosnoop -Q run.trc         # include OS queued time in I/O time
            bpfan biosnoop -d sdc run.trc     # trace sdc only
        """)

    @Flag(name: [.customShort("Q"), .customLong("queued")], help: "Include OS queued time in I/O time")
    var queued = false
    @Option(name: [.customShort("d", allowingJoined: true), .customLong("disk")], help: ArgumentHelp("Trace this disk only", valueName: "DISK"))
    var disk: String?
    @Option(name: [.customShort("c", allowingJoined: true), .customLong("cgroup")], help: ArgumentHelp("Trace process in cgroup path (not recorded: refused)", valueName: "CG"))
    var cgroup: String?
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { (queued ? ["block_rq_insert"] : []) + ["block_rq_issue", "block_rq_complete"] }

    struct Stage { var dev: UInt32; var insert: Int64 = 0; var issue: Int64 = 0 }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        if cgroup != nil { throw AnalysisError("-c: recordings carry no cgroup membership; cannot filter by cgroup") }
        let targetDev = try disk.map { try rec.device(named: $0) }
        var sources = [ScanSource(BlockIoStartRow.self, reading: [\.rq, \.pid, \.commBytes])]
        if queued { sources.append(ScanSource(BlockRqInsertRow.self, reading: [\.rq, \.dev])) }
        sources += [ScanSource(BlockRqIssueRow.self, reading: [\.rq, \.dev]),
                    ScanSource(BlockRqCompleteRow.self, reading: [\.rq, \.sector, \.nrBytes, \.cmdFlags])]
        var who: [Int64: (pid: Int64, comm: String)] = [:]
        var stages: [Int64: Stage] = [:]
        var clock = FirstEventClock(tickNanoseconds: 1)
        // biosnoop.c's header and handle_event().
        var l = RowLayout.Builder(.event, "block_io")
        l.json("time")
        l.add("time_s", header: "%-11s ", "TIME(s)", row: "%-11.6f ", inJSON: false)
        l.add("comm", header: "%-14s ", "COMM", row: "%-14s ")
        l.add("pid", header: "%-7s ", "PID", row: "%-7d ")
        l.add("disk", header: "%-7s ", "DISK", row: "%-7s ")
        l.add("rwbs", header: "%-4s ", "T", row: "%-4s ")
        l.add("sector", header: "%-10s ", "SECTOR", row: "%-10lld ")
        l.add("bytes", header: "%-7s ", "BYTES", row: "%-7d ")
        l.add("queued", .scaled(1e6), header: "%7s ", "QUE(ms)", row: "%7.3f ", shown: queued)
        l.add("latency", .scaled(1e6), header: "%7s", "LAT(ms)", row: "%7.3f")
        l.literal(header: "\n", row: "\n")
        let layout = l.layout
        out.header(layout)
        try rec.scanMerged(sources.filter { rec.hasTable($0.table) }) { m in
            switch m.batch.table {
            case BlockIoStartRow.table:
                let row = BlockIoStartRow(m)
                who[row.rq] = (row.pid, String(decoding: row.commBytes.prefix(7), as: UTF8.self))
            case BlockRqInsertRow.table, BlockRqIssueRow.table:
                let inserted = m.batch.table == BlockRqInsertRow.table
                let (rq, dev) = inserted ? { let r = BlockRqInsertRow(m); return (r.rq, r.dev) }() : { let r = BlockRqIssueRow(m); return (r.rq, r.dev) }()
                var stage = stages[rq]
                if stage == nil {
                    let dev = UInt32(truncatingIfNeeded: dev)
                    if let targetDev, dev != targetDev { return }
                    stage = Stage(dev: dev)
                }
                if inserted { stage!.insert = m.ts } else { stage!.issue = m.ts }
                stages[rq] = stage
            default:
                let row = BlockRqCompleteRow(m)
                guard let stage = stages.removeValue(forKey: row.rq) else { return }
                let submitter = who.removeValue(forKey: row.rq)
                let delta = row.ts &- stage.issue
                guard delta >= 0 else { return }
                let flags = UInt32(truncatingIfNeeded: row.cmdFlags)
                let name = rec.diskName(stage.dev) ?? "Unknown"
                // Without an insert the request went straight to the driver (no I/O scheduler):
                // the live tool leaves its queued time at 0.
                let qdelta = stage.insert == 0 ? 0 : stage.issue &- stage.insert
                let sector = row.sector, bytes = row.nrBytes
                out.row(layout, [.time(row.ts), .double(clock.seconds(at: row.ts)), .string(submitter?.comm ?? "?"), .int(submitter?.pid ?? 0),
                                 .string(name), .string(Self.rwbs(flags)), .int(sector), .int(bytes), .duration(qdelta), .duration(delta)])
            }
        }
    }

    /// The live tool's `blk_fill_rwbs` over rq->cmd_flags with its compiled-in REQ_* bits.
    static func rwbs(_ op: UInt32) -> String {
        var s = ""
        if op & (1 << 18) != 0 { s += "F" }
        switch op & 0xff {
        case 1, 7: s += "W"
        case 3: s += "D"
        case 5: s += "DE"
        case 2: s += "F"
        case 0: s += "R"
        default: s += "N"
        }
        if op & (1 << 17) != 0 { s += "F" }
        if op & (1 << 19) != 0 { s += "A" }
        if op & (1 << 11) != 0 { s += "S" }
        if op & (1 << 12) != 0 { s += "M" }
        return s
    }
}
