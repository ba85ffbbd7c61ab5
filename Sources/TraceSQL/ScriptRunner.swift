import CSQLite
import TraceReport

/// Runs SQL scripts on a session: each statement compiled and stepped in turn, its rows printed
/// in the chosen format as they come (no result is held whole).
public struct ScriptRunner {
    public let session: SQLSession
    public var format: ResultPrinter.Format
    /// Where output goes, in pieces of a few tens of KB.
    public var write: (String) -> Void

    public init(session: SQLSession, format: ResultPrinter.Format, write: @escaping (String) -> Void) {
        self.session = session
        self.format = format
        self.write = write
    }

    /// Runs every statement of `sql`. A statement that does not compile throws SQLError with
    /// its offset in `sql`; one that fails while running throws with SQLite's message.
    public func run(_ sql: String) throws {
        var rows = 0
        try run(sql, rowCount: &rows)
    }

    /// `run`, counting the rows printed.
    public func run(_ sql: String, rowCount: inout Int) throws {
        let bytes = Array(sql.utf8) + [0]
        var at = 0
        while at < bytes.count - 1 {
            let (stmt, next) = try session.connection.prepare(bytes, from: at)
            if next <= at { break }
            at = next
            guard let stmt else { continue }
            var printer = ResultPrinter(format: format, columns: stmt.columnNames)
            var buffer = ""
            let returnsRows = sqlite3_column_count(stmt.stmt) > 0
            while try stmt.step() {
                rowCount += 1
                buffer += printer.row(stmt.row())
                if buffer.utf8.count > 1 << 16 {
                    write(buffer)
                    buffer = ""
                }
            }
            if returnsRows { buffer += printer.finish() }
            if !buffer.isEmpty { write(buffer) }
        }
    }

    /// Whether `sql` ends a statement (a semicolon outside strings, comments and triggers):
    /// the shell reads lines until it does.
    public static func isComplete(_ sql: String) -> Bool { sqlite3_complete(sql) != 0 }

    /// "line L, column C" of a byte offset, and the line itself with a caret under it.
    public static func locate(_ offset: Int, in sql: String) -> (line: Int, column: Int, excerpt: String) {
        let bytes = Array(sql.utf8)
        let o = min(max(0, offset), bytes.count)
        var line = 1, start = 0
        for i in 0..<o where bytes[i] == UInt8(ascii: "\n") {
            line += 1
            start = i + 1
        }
        var end = start
        while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
        let text = String(decoding: bytes[start..<end], as: UTF8.self)
        let caretColumn = String(decoding: bytes[start..<o], as: UTF8.self).count
        return (line, caretColumn + 1, text + "\n" + String(repeating: " ", count: caretColumn) + "^")
    }
}

extension SQLSession {
    /// `.tables`: the recorded tables, then the derived views.
    public var tablesListing: String {
        var out = ""
        for t in tableNames { out += t + "\n" }
        for v in viewNames { out += v + "  (view)\n" }
        return out
    }

    /// `.schema NAME`: the table as SQL declares it, each column's documentation beside it.
    public func schemaText(of name: String) -> String? {
        guard let cols = columns(of: name) else { return nil }
        let width = cols.map { SQLiteConnection.quote($0.name).count + 1 + $0.declaredType.count }.max() ?? 0
        var out = "CREATE TABLE \(SQLiteConnection.quote(name)) (\n"
        for (i, c) in cols.enumerated() {
            let decl = SQLiteConnection.quote(c.name) + " " + c.declaredType + (i == cols.count - 1 ? "" : ",")
            out += "  " + decl + String(repeating: " ", count: max(1, width + 2 - decl.count)) + "-- " + c.doc + "\n"
        }
        return out + ");\n"
    }

    /// `--stats`: per table scanned, chunks read against chunks skipped and rows.
    public var statsReport: String {
        var out = ""
        for (name, c) in counters.sorted(by: { $0.key < $1.key }) {
            if c.columnsTotal > 0 {
                out += "\(name): \(c.scans) scan\(c.scans == 1 ? "" : "s"), chunks read \(c.chunksRead), skipped \(c.chunksSkipped) (by their statistics), rows scanned \(c.rowsScanned), returned \(c.rowsReturned), columns decoded \(c.columnsDecoded) of \(c.columnsTotal)\n"
            } else {
                out += "\(name): \(c.scans) scan\(c.scans == 1 ? "" : "s") (derived view), rows \(c.rowsReturned)\n"
            }
        }
        return out
    }
}
