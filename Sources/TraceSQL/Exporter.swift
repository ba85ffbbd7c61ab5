import Foundation
import TraceAnalysis
import TraceFormat
import TraceReport

/// `bpfan export`: every recorded table and every derived view of a session, written out.
/// - sqlite: one database file; tables and views materialized by `INSERT … SELECT` from the
///   virtual tables (streamed, SQLite's page cache bounds memory), indexed on ts and pid, with
///   `bpfan_columns` (every column's type and meaning) and `bpfan_recordings`.
/// - csv, jsonl: one file per table and view in a directory, the bytes `bpfan sql` prints
///   (ExportFileWriter).
/// Parquet is left out: Debian 12 packages no Arrow/Parquet C or C++ library, and a Parquet
/// encoder written by hand is not something to maintain.
public struct Exporter {
    public enum Format: String, Sendable, CaseIterable { case sqlite, csv, jsonl }

    public let session: SQLSession
    public init(session: SQLSession) { self.session = session }

    /// Tables and views in export order, with row counts written (name, rows).
    public typealias Written = [(name: String, rows: Int)]

    public func export(format: Format, to path: String) throws -> Written {
        switch format {
        case .sqlite: return try exportSQLite(path)
        case .csv: return try exportFiles(path, format: .csv, suffix: "csv")
        case .jsonl: return try exportFiles(path, format: .jsonl, suffix: "jsonl")
        }
    }

    var everything: [String] { session.tableNames + session.viewNames }

    /// Columns worth an index: the time (every range query) and the process (every per-process
    /// question), where the table has them.
    static let indexed = ["ts", "pid", "complete_ts", "start_ts"]

    func exportSQLite(_ path: String) throws -> Written {
        let db = session.connection
        try db.execute("ATTACH DATABASE \(SQLiteConnection.literal(path)) AS out")
        defer { try? db.execute("DETACH DATABASE out") }
        // A fresh file, written once: no journal to keep.
        try db.execute("PRAGMA out.journal_mode = OFF; PRAGMA out.synchronous = OFF; PRAGMA out.page_size = 65536")
        var written: Written = []
        try db.execute("BEGIN")
        try db.execute("CREATE TABLE out.bpfan_columns (table_name TEXT, kind TEXT, column_name TEXT, type TEXT, doc TEXT)")
        try db.execute("CREATE TABLE out.bpfan_recordings (recording TEXT, host TEXT, kernel TEXT, start_ns INTEGER, stop_ns INTEGER, command_line TEXT)")
        for r in session.recordings {
            let rec = r.recording
            let kernel = rec.host?.kernelRelease ?? ""
            let command = rec.info?.commandLine.joined(separator: " ") ?? ""
            try db.execute("INSERT INTO out.bpfan_recordings VALUES (\(SQLiteConnection.literal(r.label)), \(SQLiteConnection.literal(r.host)), \(SQLiteConnection.literal(kernel)), \(rec.startTime), \(rec.stopTime), \(SQLiteConnection.literal(command)))")
        }
        for name in everything {
            guard let cols = session.columns(of: name) else { continue }
            let q = SQLiteConnection.quote(name)
            let kind = session.viewNames.contains(name) ? "view" : "table"
            try db.execute("CREATE TABLE out.\(q) (" + cols.map { SQLiteConnection.quote($0.name) + " " + $0.declaredType }.joined(separator: ", ") + ")")
            try db.execute("INSERT INTO out.\(q) SELECT * FROM temp.\(q)")
            for c in cols {
                try db.execute("INSERT INTO out.bpfan_columns VALUES (\(SQLiteConnection.literal(name)), '\(kind)', \(SQLiteConnection.literal(c.name)), '\(c.declaredType)', \(SQLiteConnection.literal(c.doc)))")
            }
            for c in Self.indexed where cols.contains(where: { $0.name == c }) {
                let index = SQLiteConnection.quote(name + "_" + c)
                try db.execute("CREATE INDEX out.\(index) ON \(q) (\(SQLiteConnection.quote(c)))")
            }
            let n = try db.strings("SELECT count(*) FROM out.\(q)").first.flatMap { Int($0) } ?? 0
            written.append((name, n))
        }
        try db.execute("COMMIT")
        return written
    }

    func exportFiles(_ directory: String, format: ExportFileWriter.Format, suffix: String) throws -> Written {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var written: Written = []
        for name in everything {
            let path = (directory as NSString).appendingPathComponent("\(name).\(suffix)")
            // 0666 less the umask, as FileManager created them before the byte writer.
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
            guard fd >= 0 else { throw SQLError(.runtime, "\(path): cannot create the file: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            let sql = Array("SELECT * FROM temp.\(SQLiteConnection.quote(name))".utf8) + [0]
            guard let stmt = try session.connection.prepare(sql, from: 0).statement else { continue }
            var writer = ExportFileWriter(format: format, columns: stmt.columnNames, fd: fd, path: path)
            written.append((name, try writer.writeRows(of: stmt)))
        }
        return written
    }
}
