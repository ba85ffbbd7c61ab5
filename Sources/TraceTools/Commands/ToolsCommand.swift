import ArgumentParser
import TraceAnalysis
import TraceFormat

/// `bpfan tools [run.trc]`: every tool with its status; with a recording, whether that recording
/// holds the tables each tool needs.
public struct ToolsCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tools",
        abstract: "List every tool and its status (supported, needs a family the recording lacks, not yet)."
    )

    @Argument(help: "A recording to check the tools against (optional).")
    var recording: String?

    public init() {}

    public func run() throws {
        let file = try recording.map { try openRecording($0) }
        print(Self.listing(file: file), terminator: "")
    }

    static func listing(file: TraceFile?) -> String {
        var out = Formatting.padRight("TOOL", 16) + "STATUS\n"
        for e in ToolCatalog.entries {
            var status: String
            if !e.implemented {
                status = "not yet"
            } else if let file {
                let missing = e.tables.filter { file.tableID(named: $0) == nil }
                if missing.isEmpty {
                    status = "supported"
                } else {
                    let fams = Set(missing.map { Recording.family(ofTable: $0) }).sorted().joined(separator: ",")
                    status = "needs family \(fams) (recording lacks \(missing.joined(separator: ", ")))"
                }
            } else {
                status = "supported (reads \(e.tables.joined(separator: ", ")))"
            }
            if !e.note.isEmpty && e.implemented { status += "; \(e.note)" }
            out += Formatting.padRight(e.name, 16) + status + "\n"
        }
        return out
    }
}
