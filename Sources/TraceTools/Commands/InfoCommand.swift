import ArgumentParser
import Foundation
import TraceFormat
import TraceSchema
import TraceAnalysis
import TraceReport

/// `bpfan info run.trc`: what a recording holds, where and when it was made, what it costs per
/// event, and what is missing from it (lost events, damage).
public struct InfoCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a recording: host, time span, tables with rows and bytes per event, lost events, damage."
    )

    @Argument(help: "The recording (.trc) to describe, or the numbered files of a rotated one (run.*.trc).")
    var recordings: [String]

    var recording: String { recordings.joined(separator: " ") }

    @Flag(name: .customLong("json"), help: "The same facts as one JSON object.")
    var json = false

    public init() {}

    public func run() throws {
        let file = try openRecording(recordings)
        let summary = RecordingSummary(file)
        if json { return try writeOutput(Self.json(recording, file: file, summary: summary).rendered + "\n") }
        var out = ""
        let state = file.hasFooter ? "closed cleanly"
            : file.ring != nil ? "NOT closed cleanly: ring indexed from its control block" : "NOT closed cleanly: index rebuilt by scanning"
        if file.members.isEmpty {
            out += "recording:  \(recording) (\(Formatting.bytes(file.fileSize)), format \(file.majorVersion).\(file.minorVersion), \(state))\n"
        } else {
            out += "recording:  \(file.members.count) files of a rotated set (\(Formatting.bytes(file.fileSize)), format \(file.majorVersion).\(file.minorVersion)\(file.hasFooter ? ", all closed cleanly" : ""))\n"
            for m in file.members {
                out += "  file \(m.rotatedPart.map { String($0.part) } ?? "?"): \(m.path) (\(Formatting.bytes(m.fileSize))\(m.hasFooter ? "" : ", NOT closed cleanly"))\n"
            }
        }
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
            for line in Self.lossOfOldest(file, summary: summary, clock: clock) { out += line + "\n" }
            if let rec = try file.metadata(named: MetadataName.recording, as: RecordingInfo.self) {
                out += "recorded:   by \(rec.tool) \(rec.version): \(rec.commandLine.joined(separator: " "))\n"
                out += "families:   \(rec.families.joined(separator: ", "))\n"
                out += "processes:  \(rec.scope.map { "\($0) only" } ?? "all (system-wide)")\n"
                if let why = rec.stopReason { out += "stopped:    \(why)\n" }
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
        try writeOutput(out)
    }

    /// The ring's state, and the span that is complete when the oldest data was lost (ring,
    /// rotated files not given).
    static func lossOfOldest(_ file: TraceFile, summary: RecordingSummary, clock: ClockAnchors?) -> [String] {
        func when(_ t: Int64) -> String { clock.map { Formatting.utc($0.realtime(ofMonotonic: t)) } ?? "\(t) ns (CLOCK_MONOTONIC)" }
        var lines: [String] = []
        let rings = file.members.isEmpty ? [file.ring].compactMap { $0 } : file.members.compactMap(\.ring)
        for r in rings {
            var line = "ring:       \(Formatting.bytes(r.capacity)) (--ring): \(r.liveChunks) chunks kept (\(Formatting.bytes(r.liveBytes)))"
            if r.droppedChunks > 0 {
                line += "; dropped the oldest \(r.droppedChunks) chunks (\(r.droppedBytes) bytes, \(r.droppedRows) rows)"
                if r.droppedLastTime > 0 { line += " holding events from \(when(r.droppedFirstTime)) to \(when(r.droppedLastTime))" }
            } else {
                line += "; nothing dropped"
            }
            lines.append(line)
        }
        if let lost = file.lostOldestData, let last = summary.lastTime {
            let first = max(file.firstCoveredTime ?? summary.firstTime ?? last, summary.firstTime ?? last)
            lines.append("covered:    complete from \(when(first)) to \(when(last)) (\(String(format: "%.3f", Double(last - first) / 1e9)) s); before it: \(lost)")
        }
        return lines
    }

    /// `bpfan info --json`: what the text says, as values (times in epoch ns where the clock
    /// anchors allow, else CLOCK_MONOTONIC ns under `_monotonic_ns`).
    static func json(_ path: String, file: TraceFile, summary: RecordingSummary) -> JSONText {
        func opt(_ v: Int64?) -> JSONText { v.map { .int($0) } ?? .null }
        var fields: [(String, JSONText)] = [
            ("type", .string("info")), ("recording", .string(path)), ("file_bytes", .int(Int64(file.fileSize))),
            ("format", .string("\(file.majorVersion).\(file.minorVersion)")), ("closed_cleanly", .bool(file.hasFooter)),
        ]
        var metadataError: String?
        var host: HostInfo?, clock: ClockAnchors?, rec: RecordingInfo?
        do {
            host = try file.metadata(named: MetadataName.host, as: HostInfo.self)
            clock = try file.metadata(named: MetadataName.clock, as: ClockAnchors.self)
            rec = try file.metadata(named: MetadataName.recording, as: RecordingInfo.self)
        } catch {
            metadataError = "\(error)"
        }
        fields.append(("host", host.map { h in
            .object([("hostname", .string(h.hostname)), ("kernel", .string(h.kernelRelease)), ("machine", .string(h.machine)),
                     ("cpus", .int(Int64(h.cpuCount))), ("page_size", .int(Int64(h.pageSize)))])
        } ?? .null))
        let epoch = { (t: Int64?) -> JSONText in
            guard let t else { return .null }
            return clock.map { .int($0.realtime(ofMonotonic: t)) } ?? .null
        }
        fields.append(("events", .object([("first_ns", epoch(summary.firstTime)), ("last_ns", epoch(summary.lastTime)),
                                          ("first_monotonic_ns", opt(summary.firstTime)), ("last_monotonic_ns", opt(summary.lastTime))])))
        fields.append(("recorded", rec.map { r in
            .object([("tool", .string(r.tool)), ("version", .string(r.version)), ("command_line", .array(r.commandLine.map { .string($0) })),
                     ("families", .array(r.families.map { .string($0) })), ("start_ns", epoch(r.startTime)), ("stop_ns", epoch(r.stopTime)),
                     ("pids", .array(r.selectedPids.map { .int(Int64($0)) })), ("command", r.command.map { .array($0.map { .string($0) }) } ?? .null),
                     ("cgroup", r.selectedCgroup.map { .string($0) } ?? .null), ("scope", r.scope.map { .string($0) } ?? .null),
                     ("stop_reason", r.stopReason.map { .string($0) } ?? .null)])
        } ?? .null))
        let rings = file.members.isEmpty ? [file.ring].compactMap { $0 } : file.members.compactMap(\.ring)
        fields.append(("ring", rings.isEmpty ? .null : .array(rings.map { r in
            .object([("capacity", .int(Int64(r.capacity))), ("live_chunks", .int(Int64(r.liveChunks))), ("live_bytes", .int(Int64(r.liveBytes))),
                     ("dropped_chunks", .int(Int64(r.droppedChunks))), ("dropped_bytes", .int(Int64(r.droppedBytes))), ("dropped_rows", .int(Int64(r.droppedRows))),
                     ("dropped_first_ns", r.droppedLastTime > 0 ? epoch(r.droppedFirstTime) : .null), ("dropped_last_ns", r.droppedLastTime > 0 ? epoch(r.droppedLastTime) : .null)])
        })))
        let coveredFirst = summary.firstTime.map { max(file.firstCoveredTime ?? $0, $0) }
        fields.append(("covered", .object([("first_ns", epoch(coveredFirst)), ("last_ns", epoch(summary.lastTime)),
                                           ("first_monotonic_ns", opt(coveredFirst)), ("last_monotonic_ns", opt(summary.lastTime)),
                                           ("lost_oldest", file.lostOldestData.map { .string($0) } ?? .null)])))
        fields.append(("files", .array((file.members.isEmpty ? [file] : file.members).map { m in
            .object([("path", .string(m.path)), ("part", m.rotatedPart.map { .int(Int64($0.part)) } ?? .null), ("bytes", .int(Int64(m.fileSize))),
                     ("closed_cleanly", .bool(m.hasFooter))])
        })))
        fields.append(("missing_parts", .array(file.missingParts.map { .int(Int64($0)) })))
        fields.append(("tables", .array(summary.tables.map { t in
            .object([("name", .string(t.name)), ("family", .string(t.family)), ("rows", .int(Int64(t.rows))),
                     ("chunks", .int(Int64(t.chunks))), ("bytes", .int(Int64(t.bytes)))])
        })))
        fields.append(("total_rows", .int(Int64(summary.totalRows))))
        fields.append(("metadata", .array(file.metadataNames.map { .string($0) })))
        if file.tableID(named: "lost_events") == nil {
            fields.append(("lost", .null))
        } else {
            fields.append(("lost", .array(summary.loss.map { l in
                .object([("family", .string(l.family)), ("reason", .string(l.reason)), ("lost", .int(l.lost))])
            })))
        }
        fields.append(("lost_unreadable", summary.lossUnreadable.map { .string($0) } ?? .null))
        fields.append(("metadata_error", metadataError.map { .string($0) } ?? .null))
        fields.append(("damage", .array(file.damage.map { .string("\($0)") })))
        return .object(fields)
    }
}
