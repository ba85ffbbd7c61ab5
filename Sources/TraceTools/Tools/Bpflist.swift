import ArgumentParser
import Foundation
import TraceAnalysis
import TraceReport

/// bcc bpflist (0.26): the processes holding BPF programs, maps and other BPF objects, by
/// type, and with -v the kprobes and uprobes bcc made for them. The live tool looks at the host
/// as it runs; a recording holds the recorder's two scans of the same /proc/PID/fd links and
/// tracefs files, at the start (before its own programs load) and at the stop (itself left
/// out). The whole recording, or a window reaching its end, shows the stop scan; a window that
/// ends earlier, the start scan.
public struct Bpflist: RecordingTool {
    public static let toolName = "bpflist"
    public static let notes = "the recorder's scans of /proc/PID/fd at the start and the stop (bpf_scans, bpf_objects, probe_events), not the moment bpfan runs"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Display processes using BPF programs and maps, as the recording host had them.",
        discussion: """
        Every bpfrec recording holds the scans; --to before the recording's end shows the one
        at its start.

        EXAMPLES:
            bpfan bpflist run.trc      # processes using BPF at the recording's stop
            bpfan bpflist -v run.trc   # also count kprobes/uprobes
            bpfan bpflist -vv run.trc  # display kprobes/uprobes and count them
        """)

    @Flag(name: [.customShort("v"), .customLong("verbosity")], help: "count and display kprobes/uprobes as well")
    var verbosity: Int
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["bpf_scans"] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        // The scans lie at the recording's two ends, outside most windows: read them whole.
        let whole = try rec.windowed(from: nil, to: nil)
        var scans: [(ts: Int64, atStop: Bool)] = []
        try whole.scan(BpfScansRow.self, reading: [\.atStop]) { scans.append(($0.ts, $0.atStop != 0)) }
        let reachesEnd = rec.window.end.map { $0 >= rec.stopTime } ?? true
        let chosen = (reachesEnd ? scans.last { $0.atStop } : nil) ?? scans.filter { $0.ts <= rec.effectiveEnd }.max { $0.ts < $1.ts } ?? scans.min { $0.ts < $1.ts }
        guard let scan = chosen else { throw AnalysisError("\(rec.path) holds no scan of the processes' BPF objects") }
        out.warn("bpfan bpflist: note: the recorder's scan at the recording's \(scan.atStop ? "stop" : "start") (\(rec.hms(scan.ts))), not this moment\(scan.atStop ? "" : ", before its own programs loaded")")

        var holders: [(pid: Int64, comm: String, type: String, count: Int64)] = []
        var comms: [Int64: String] = [:]
        if rec.hasTable(BpfObjectsRow.table) {
            try whole.scan(BpfObjectsRow.self, reading: [\.pid, \.comm, \.type, \.count]) { r in
                guard r.ts == scan.ts else { return }
                holders.append((r.pid, r.comm, r.type, r.count))
                comms[r.pid] = r.comm
            }
        }
        var lines: [(kind: String, line: String)] = []
        if verbosity > 0 && rec.hasTable(ProbeEventsRow.table) {
            try whole.scan(ProbeEventsRow.self, reading: [\.kind, \.line]) { r in if r.ts == scan.ts { lines.append((r.kind, r.line)) } }
        }
        // counts: the probes first (kprobe then uprobe lines, as parse_probes runs before the
        // fd walk), then the fd types, in dict insertion order; sorted by pid only (stable).
        var counts: [(pid: Int64, type: String, count: Int64)] = []
        func add(_ pid: Int64, _ type: String, _ n: Int64) {
            if let i = counts.firstIndex(where: { $0.pid == pid && $0.type == type }) { counts[i].count += n } else { counts.append((pid, type, n)) }
        }
        if verbosity > 0 {
            let bcc = try NSRegularExpression(pattern: "_bcc_(\\d+)\\s")
            for kind in ["kprobe", "uprobe"] {
                if verbosity > 1 { out.text("open \(kind)s:\n") }
                for l in lines where l.kind == kind {
                    let ns = l.line as NSString
                    if let m = bcc.firstMatch(in: l.line, range: NSRange(location: 0, length: ns.length)), let pid = Int64(ns.substring(with: m.range(at: 1))) {
                        add(pid, kind, 1)
                    }
                    if verbosity > 1 { out.text(l.line.trimmingCharacters(in: .whitespacesAndNewlines) + "\n") }
                }
                if verbosity > 1 { out.text("\n") }
            }
        }
        for h in holders { add(h.pid, h.type, h.count) }
        let sorted = counts.enumerated().sorted { ($0.element.pid, $0.offset) < ($1.element.pid, $1.offset) }.map(\.element)
        let width = (counts.map(\.type.count).max() ?? 0) + 1
        // print_format = "%-6s %-16s %-<max type length + 1>s %s"
        var b = RowLayout.Builder(.row, "bpf_objects_by_process")
        b.add("pid", header: "%-6s ", "PID", row: "%-6d ")
        b.add("comm", header: "%-16s ", "COMM", row: "%-16s ")
        b.add("object_type", header: "%-\(width)s ", "TYPE", row: "%-\(width)s ")
        b.add("count", header: "%s", "COUNT", row: "%d")
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        for c in sorted {
            // comm_for_pid() at the scan: "[unknown]" for a pid bpfan saw only in a probe name.
            out.row(layout, [.int(c.pid), .string(comms[c.pid] ?? "[unknown]"), .string(c.type), .int(c.count)])
        }
    }
}
