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

    @Argument(help: "The recording (.trc) to verify.")
    var recording: String

    public init() {}

    public func run() throws {
        let file = try openRecording(recording)
        let problems = file.verify()
        let rows = file.chunks.reduce(0) { $0 + $1.rowCount }
        if problems.isEmpty {
            print("\(recording): sound: \(file.tables.count) tables, \(file.chunks.count) chunks, \(rows) rows, \(file.metadataNames.count) metadata blobs")
            return
        }
        for p in problems { StandardError.write("bpfan: \(p)") }
        StandardError.write("bpfan: \(recording): \(problems.count) problem(s); \(file.chunks.count) chunks indexed")
        throw ExitCode.failure
    }
}
