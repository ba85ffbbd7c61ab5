import ArgumentParser
import Foundation
import TraceAnalysis
import TraceReport
import TraceSQL

/// `bpfan export --format sqlite|csv|jsonl RECORDING… -o OUT`: the tables and derived views of
/// `bpfan sql`, written for other tools.
public struct ExportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write recordings' tables and derived views as an SQLite database, or CSV / JSON Lines files.",
        discussion: """
        sqlite: one database file (OUT must not exist) with every table and view materialized,
        indexed on ts and pid, plus bpfan_columns (each column's type and meaning) and
        bpfan_recordings. csv, jsonl: a directory OUT with one file per table and view
        (NAME.csv, NAME.jsonl). Values are as `bpfan sql` shows them: u64 above 2^63 as
        '0x…' text. Parquet is not offered: Debian 12 ships no Arrow/Parquet library.
        perfetto: one recording's CPU samples (PerfSample, interned callstacks named offline)
        and off-CPU spans (slices on each thread's track, named by the function blocked in,
        stacks as arguments) as a Perfetto protobuf trace for ui.perfetto.dev and the trace
        processor.

        EXAMPLES:
            bpfan export --format sqlite run.trc -o run.db
            bpfan export --format csv a.trc b.trc -o csv/
            bpfan export --format perfetto run.trc -o run.pftrace
        """)

    @Option(name: .customLong("format"), help: ArgumentHelp("sqlite, csv, jsonl or perfetto.", valueName: "sqlite|csv|jsonl|perfetto"))
    var format: String

    @Option(name: .customShort("o"), help: ArgumentHelp("The database file (sqlite) or directory (csv, jsonl) to write.", valueName: "OUT"))
    var output: String

    @Argument(help: ArgumentHelp("Recordings (.trc).", valueName: "recording"))
    var recordings: [String] = []

    @Option(name: .customLong("max-memory"), help: ArgumentHelp("Cap on SQLite's memory while exporting.", valueName: "SIZE"))
    var maxMemory: String = "2G"

    public init() {}

    public func validate() throws {
        if format == "perfetto" {
            guard recordings.count == 1 else { throw ValidationError("--format perfetto: give one recording") }
            return
        }
        guard Exporter.Format(rawValue: format) != nil else {
            throw ValidationError("--format \(format): expected sqlite, csv, jsonl or perfetto" + (format == "parquet" ? " (Parquet needs an Arrow library Debian 12 does not ship)" : ""))
        }
        guard !recordings.isEmpty else { throw ValidationError("give at least one recording") }
        _ = try MemorySize.parse(maxMemory, flag: "--max-memory")
    }

    public func run() throws {
        if format == "perfetto" { return try runPerfetto() }
        let f = Exporter.Format(rawValue: format)!
        var isDir: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: output, isDirectory: &isDir)
        if f == .sqlite && exists {
            StandardError.write("bpfan export: -o \(output): already exists; give a new file name")
            throw ExitCode.failure
        }
        if f != .sqlite && exists && !isDir.boolValue {
            StandardError.write("bpfan export: -o \(output): a file, not a directory")
            throw ExitCode.failure
        }
        SQLiteConnection.limitHeap(bytes: try MemorySize.parse(maxMemory, flag: "--max-memory"))
        var recs: [SQLRecording] = []
        for p in recordings {
            let file = try openRecording(p)
            do { recs.append(SQLRecording(try Recording(file: file, window: .all), label: p)) } catch {
                StandardError.write("bpfan export: \(error)")
                throw ExitCode.failure
            }
        }
        let start = Date()
        do {
            let session = try SQLSession(recordings: recs)
            let written = try Exporter(session: session).export(format: f, to: output)
            let rows = written.reduce(0) { $0 + $1.rows }
            let secs = Date().timeIntervalSince(start)
            StandardError.write("bpfan export: \(written.count) tables and views, \(rows) rows to \(output) in \(String(format: "%.2f", secs)) s (\(String(format: "%.0f", Double(rows) / max(secs, 1e-6))) rows/s)")
        } catch let e as SQLError {
            StandardError.write("bpfan export: \(e.kind == .memory ? "out of memory under --max-memory \(maxMemory): " : "")\(e.message)")
            throw ExitCode.failure
        }
    }

    func runPerfetto() throws {
        let file = try openRecording(recordings[0])
        do {
            let rec = try Recording(file: file, window: .all)
            let c = try PerfettoExport(rec: rec).write(to: output)
            StandardError.write("bpfan export: \(c.samples) cpu samples, \(c.spans) off-CPU spans (\(c.spansWithStacks) with stacks) of \(c.threads) threads to \(output)")
            if c.spansOfUnknownThreads > 0 { StandardError.write("bpfan export: \(c.spansOfUnknownThreads) off-CPU spans of threads the recording does not name are left out") }
        } catch let e as AnalysisError {
            StandardError.write("bpfan export: \(e)")
            throw ExitCode.failure
        }
    }
}
