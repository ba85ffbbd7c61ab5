import ArgumentParser
import TraceAnalysis
import TraceFormat
import TraceReport

/// `bpfan tools [run.trc]`: every tool of the seed list and the others bpfan has, with its
/// status: supported (and the tables it reads), not yet (and what it waits for), impossible on
/// this kernel (and why). With a recording, whether that recording holds each supported tool's
/// tables.
public struct ToolsCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tools",
        abstract: "List every tool and its status (supported, needs a family the recording lacks, not yet, impossible here).",
        discussion: """
        The list holds the 112 bcc tools and the 35 bpftrace .bt tools of the seed, then the
        libbpf-tools bpfan also has. A supported tool's tables are those of its default flags.
        """)

    @Argument(help: "A recording to check the tools against (optional).")
    var recording: String?

    @Flag(name: .customLong("json"), help: "One JSON object per tool instead of the table.")
    var json = false

    public init() {}

    public func run() throws {
        let file = try recording.map { try openRecording($0) }
        try writeOutput(json ? Self.jsonListing(file: file) : Self.listing(file: file))
    }

    /// The default invocation's tables: what the tool reads without flags.
    static func tables(_ t: any RecordingTool.Type) -> [String] { (try? t.parse([]))?.requiredTables ?? [] }

    static func status(_ e: ToolRegistry.Entry, file: TraceFile?) -> String {
        switch e.status {
        case .supported:
            if let script = e.command as? any ShippedScript.Type {
                let note = e.command?.notes ?? ""
                guard let file, let rec = try? Recording(file: file, window: .all) else {
                    return "supported (probes \(script.scriptProbes.joined(separator: ", "))); \(note)"
                }
                return (script.unserved(by: rec).map { "not served by this recording: " + $0 } ?? "supported") + "; " + note
            }
            let tables = e.command.map(tables) ?? []
            let note = e.command?.notes ?? ""
            var s: String
            if let file {
                let missing = tables.filter { file.tableID(named: $0) == nil }
                if missing.isEmpty {
                    s = "supported"
                } else {
                    let fams = Set(missing.map { Recording.family(ofTable: $0) }).sorted().joined(separator: ",")
                    s = "needs family \(fams) (recording lacks \(missing.joined(separator: ", ")); `bpfrec record --families \(fams)`)"
                }
            } else {
                s = tables.isEmpty ? "supported (reads tracepoints recorded with -e)" : "supported (reads \(tables.joined(separator: ", ")))"
            }
            return note.isEmpty ? s : s + "; " + note
        case .notYet:
            let s = e.seed!
            return s.wave == "W0" ? "not yet: today's recordings hold what it needs (\(s.family))" : "not yet: needs \(s.family) capture (\(s.wave))"
        case .impossible:
            return "impossible here: " + e.seed!.fidelity
        }
    }

    static func listing(file: TraceFile?) -> String {
        var out = Formatting.padRight("TOOL", 16) + "STATUS\n"
        for e in ToolRegistry.entries { out += Formatting.padRight(e.name, 16) + status(e, file: file) + "\n" }
        let counts = Dictionary(grouping: ToolRegistry.entries, by: \.status).mapValues(\.count)
        out += "\n\(ToolRegistry.entries.count) tools: \(counts[.supported] ?? 0) supported, \(counts[.notYet] ?? 0) not yet, \(counts[.impossible] ?? 0) impossible on this kernel\n"
        return out
    }

    static func jsonListing(file: TraceFile?) -> String {
        ToolRegistry.entries.map { e in
            var fields: [(String, JSONText)] = [("name", .string(e.name)), ("origin", .string(e.seed?.origin.rawValue ?? "libbpf-tools")),
                                               ("status", .string(e.status.rawValue)), ("detail", .string(status(e, file: file)))]
            if let s = e.seed { fields += [("wave", .string(s.wave)), ("family", .string(s.family)), ("fidelity", .string(s.fidelity))] }
            if let c = e.command { fields.append(("tables", .array(tables(c).map { .string($0) }))) }
            return JSONText.object(fields).rendered + "\n"
        }.joined()
    }
}
