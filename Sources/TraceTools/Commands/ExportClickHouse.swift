import ArgumentParser
import Foundation
import TraceAnalysis
import TraceReport
import TraceSQL

/// `bpfan export --clickhouse URL`: each recording in its own session (its own content id,
/// skipped or redone on its own), into one ClickHouse database.
extension ExportCommand {
    func runClickHouse(_ url: String) throws {
        SQLiteConnection.limitHeap(bytes: try MemorySize.parse(maxMemory, flag: "--max-memory"))
        let exporter: ClickHouseExporter
        do {
            exporter = try ClickHouseExporter(url: url, database: database)
            exporter.batchRows = batchRows
            exporter.log = { StandardError.write("bpfan export: \($0)") }
            try exporter.prepare()
        } catch {
            StandardError.write("bpfan export: --clickhouse \(url): \(error)")
            throw ExitCode.failure
        }
        if !exporter.codecs {
            StandardError.write("bpfan export: ClickHouse \(exporter.serverVersion.map(String.init).joined(separator: ".")) takes no column codecs: tables use its default compression")
        }
        var total = 0
        let start = Date()
        for p in recordings {
            do {
                let file = try openRecording(p)
                let r = SQLRecording(try Recording(file: file, window: .all), label: p)
                let session = try SQLSession(recordings: [r])
                let o = try exporter.export(session, recording: r, contentID: try RecordingContentID.of(path: p))
                guard !o.skipped else { continue }
                total += o.rows
                StandardError.write("bpfan export: \(p): \(o.rows) rows in \(String(format: "%.2f", o.seconds)) s (\(String(format: "%.0f", Double(o.rows) / max(o.seconds, 1e-6))) rows/s)" + (o.retries > 0 ? ", \(o.retries) retries" : ""))
            } catch let e as ExitCode {
                throw e
            } catch let e as SQLError {
                StandardError.write("bpfan export: \(p): \(e.kind == .memory ? "out of memory under --max-memory \(maxMemory): " : "")\(e.message)")
                throw ExitCode.failure
            } catch {
                StandardError.write("bpfan export: \(p): \(error)")
                throw ExitCode.failure
            }
        }
        let secs = Date().timeIntervalSince(start)
        StandardError.write("bpfan export: \(total) rows to \(url) database \(database) in \(String(format: "%.2f", secs)) s (\(String(format: "%.0f", Double(total) / max(secs, 1e-6))) rows/s)")
    }
}
