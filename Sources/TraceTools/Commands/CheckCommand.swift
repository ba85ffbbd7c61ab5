import TraceReport
import ArgumentParser
import TraceFormat

/// `bpfan check run.trc`: verifies every block's CRC and length and decodes every chunk. Exit 0
/// only when the whole file is sound.
public struct CheckCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify every CRC, length and chunk of a recording; exit 0 only when it is sound."
    )

    @Argument(help: "The recording (.trc) to verify, or the numbered files of a rotated one (run.*.trc).")
    var recordings: [String]

    var recording: String { recordings.joined(separator: " ") }

    @Flag(name: .customLong("json"), help: "One JSON object: whether the file is sound, and every problem (file, offset, what).")
    var json = false

    public init() {}

    public func run() throws {
        let file = try openRecording(recordings)
        let problems = file.verify()
        let rows = file.chunks.reduce(0) { $0 + $1.rowCount }
        if json {
            let list: [JSONText] = problems.map { p in
                .object([("offset", p.offset.map { .int(Int64($0)) } ?? .null), ("problem", .string(p.message))])
            }
            try writeOutput(JSONText.object([
                ("type", .string("check")), ("recording", .string(recording)), ("sound", .bool(problems.isEmpty)),
                ("tables", .int(Int64(file.tables.count))), ("chunks", .int(Int64(file.chunks.count))), ("rows", .int(Int64(rows))),
                ("metadata_blobs", .int(Int64(file.metadataNames.count))), ("problems", .array(list)),
            ]).rendered + "\n")
            if !problems.isEmpty { throw ExitCode.failure }
            return
        }
        if problems.isEmpty {
            let how = file.hasFooter ? "" : file.ring != nil ? " (a ring not closed: indexed from its control block)" : ""
            try writeOutput("\(recording): sound: \(file.tables.count) tables, \(file.chunks.count) chunks, \(rows) rows, \(file.metadataNames.count) metadata blobs\(how)\n")
            return
        }
        for p in problems { StandardError.write("bpfan: \(p)") }
        StandardError.write("bpfan: \(recording): \(problems.count) problem(s); \(file.chunks.count) chunks indexed")
        throw ExitCode.failure
    }
}
