import ArgumentParser
import Foundation
import TraceFormat
import TraceSchema
import TraceAnalysis

/// `bpfan info run.trc`: what a recording holds, where and when it was made, what it costs per
/// event, and what is missing from it (lost events, damage).
public struct InfoCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a recording: host, time span, tables with rows and bytes per event, lost events, damage."
    )

    @Argument(help: "The recording (.trc) to describe.")
    var recording: String

    public init() {}

    public func run() throws {
        let file = try openRecording(recording)
        let summary = RecordingSummary(file)
        var out = ""
        let state = file.hasFooter ? "closed cleanly" : "NOT closed cleanly: index rebuilt by scanning"
        out += "recording:  \(recording) (\(Formatting.bytes(file.fileSize)), format \(file.majorVersion).\(file.minorVersion), \(state))\n"
        do {
            if let host = try file.metadata(named: MetadataName.host, as: HostInfo.self) {
                out += "host:       \(host.hostname), Linux \(host.kernelRelease) \(host.machine), \(host.cpuCount) CPUs, page size \(host.pageSize)\n"
            } else {
                out += "host:       unknown (no host metadata)\n"
            }
            let clock = try file.metadata(named: MetadataName.clock, as: ClockAnchors.self)
            if let first = summary.firstTime, let last = summary.lastTime {
                let span = Double(last - first) / 1e9
                if let clock {
                    out += "events:     \(Formatting.utc(clock.realtime(ofMonotonic: first))) to \(Formatting.utc(clock.realtime(ofMonotonic: last))) (\(String(format: "%.3f", span)) s)\n"
                } else {
                    out += "events:     \(String(format: "%.3f", span)) s (no clock anchors: wall-clock times unknown)\n"
                }
            }
            if let rec = try file.metadata(named: MetadataName.recording, as: RecordingInfo.self) {
                out += "recorded:   by \(rec.tool) \(rec.version): \(rec.commandLine.joined(separator: " "))\n"
                out += "families:   \(rec.families.joined(separator: ", "))\n"
            }
        } catch let error as FormatError {
            out += "metadata:   damaged: \(error)\n"
        }
        out += "\n"
        // Wide enough for generic tables' names (`signal:signal_generate`).
        let nameWidth = max(22, (summary.tables.map(\.name.utf8.count).max() ?? 0) + 2)
        let familyWidth = max(10, (summary.tables.map(\.family.utf8.count).max() ?? 0) + 2)
        out += Formatting.padRight("TABLE", nameWidth) + Formatting.padRight("FAMILY", familyWidth) + Formatting.padLeft("ROWS", 12)
            + Formatting.padLeft("CHUNKS", 8) + Formatting.padLeft("BYTES", 12) + Formatting.padLeft("B/ROW", 8) + "\n"
        for t in summary.tables {
            out += Formatting.padRight(t.name, nameWidth) + Formatting.padRight(t.family, familyWidth) + Formatting.padLeft("\(t.rows)", 12)
                + Formatting.padLeft("\(t.chunks)", 8) + Formatting.padLeft(Formatting.bytes(t.bytes), 12)
                + Formatting.padLeft(String(format: "%.2f", t.bytesPerRow), 8) + "\n"
        }
        let total = summary.totalRows
        let perEvent = total == 0 ? 0 : Double(file.fileSize) / Double(total)
        out += Formatting.padRight("total", nameWidth + familyWidth) + Formatting.padLeft("\(total)", 12) + Formatting.padLeft("", 8)
            + Formatting.padLeft(Formatting.bytes(file.fileSize), 12) + Formatting.padLeft(String(format: "%.2f", perEvent), 8) + "  (whole file)\n"
        // Generic tables' columns come from the recording host's formats: list them.
        let generic = file.tables.values.filter { $0.family == Recording.tracepointsFamily }.sorted { $0.name < $1.name }
        if !generic.isEmpty {
            out += "\ntracepoint tables (bpfrec -e): their columns after ts cpu pid tid\n"
            for t in generic {
                let fields = t.columns.filter { !TracepointFormat.headerColumns.contains($0.name) && $0.name != TracepointFormat.cutColumn }
                let text = fields.map { "\($0.name) \($0.type.rawValue)\($0.type.isInteger ? "" : "[\($0.max ?? 0)]")" }.joined(separator: ", ")
                out += "  " + Formatting.padRight(t.name, nameWidth) + (text.isEmpty ? "(no fields)" : text) + "\n"
            }
        }
        let meta = file.metadataNames
        out += "\nmetadata:   \(meta.isEmpty ? "none" : meta.joined(separator: ", "))\n"
        if file.tableID(named: "lost_events") == nil {
            out += "lost:       unknown (the recording has no lost_events table)\n"
        } else if summary.loss.isEmpty {
            out += "lost:       0 events\n"
        } else {
            let n = summary.loss.reduce(0) { $0 + $1.lost }
            out += "lost:       \(n) events: " + summary.loss.map { "\($0.family) \($0.reason) \($0.lost)" }.joined(separator: ", ") + "\n"
        }
        if let why = summary.lossUnreadable { out += "lost:       lost_events table unreadable: \(why)\n" }
        if file.damage.isEmpty {
            out += "damage:     none found in the index (run `bpfan check` to verify every chunk)\n"
        } else {
            out += "damage:     \(file.damage.count) problem(s):\n"
            for d in file.damage { out += "  \(d)\n" }
        }
        print(out, terminator: "")
    }
}
