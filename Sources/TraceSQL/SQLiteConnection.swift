import CSQLite
import TraceReport

/// One SQLite connection, used from one thread. Statements are compiled one at a time from a
/// script so that each one's result can be printed before the next runs.
public final class SQLiteConnection {
    let db: OpaquePointer

    /// `path`: a database file to create or open, or ":memory:".
    public init(path: String = ":memory:") throws {
        var handle: OpaquePointer?
        let rc = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let handle else {
            let why = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let handle { sqlite3_close(handle) }
            throw SQLError(.runtime, "\(path): \(why)")
        }
        db = handle
        sqlite3_extended_result_codes(db, 1)
    }

    deinit { sqlite3_close_v2(db) }

    /// Caps SQLite's own heap (sorts, GROUP BY tables, materialized subqueries, temp tables):
    /// past it, allocations fail and the statement stops with SQLITE_NOMEM instead of the
    /// process growing until the kernel's OOM killer ends it. Process-wide in SQLite.
    public static func limitHeap(bytes: Int64) {
        sqlite3_hard_heap_limit64(bytes)
        sqlite3_soft_heap_limit64(bytes)
    }

    /// Runs SQL that returns no rows of interest (DDL, PRAGMA, INSERT).
    public func execute(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(err)
            throw error(rc, msg)
        }
    }

    func error(_ rc: Int32, _ message: String? = nil, offset: Int? = nil) -> SQLError {
        let msg = message ?? String(cString: sqlite3_errmsg(db))
        if rc & 0xff == SQLITE_NOMEM { return SQLError(.memory, msg) }
        return SQLError(.runtime, msg, offset: offset)
    }

    /// Compiles the first statement of `sql` (from byte `start`); nil statement when only
    /// whitespace or comments are left. `next` is where the following statement begins.
    public func prepare(_ sql: [UInt8], from start: Int) throws -> (statement: SQLStatement?, next: Int) {
        var stmt: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let (rc, next, offset): (Int32, Int, Int32) = sql.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { base in
                let p = base + start
                let rc = sqlite3_prepare_v3(db, p, Int32(buf.count - start), 0, &stmt, &tail)
                let next = tail.map { $0 - base } ?? buf.count
                return (rc, next, sqlite3_error_offset(db))
            }
        }
        guard rc == SQLITE_OK else {
            let msg = String(cString: sqlite3_errmsg(db))
            if rc & 0xff == SQLITE_NOMEM { throw SQLError(.memory, msg) }
            throw SQLError(.syntax, msg, offset: offset >= 0 ? start + Int(offset) : nil)
        }
        return (stmt.map { SQLStatement($0, connection: self) }, next)
    }

    /// Every statement of a script, compiled and run in turn; `row` gets each result row.
    public func run(_ sql: String, columns: ([String]) -> Void = { _ in }, row: ([ResultCell]) throws -> Void) throws {
        let bytes = Array(sql.utf8) + [0]
        var at = 0
        while at < bytes.count - 1 {
            let (stmt, next) = try prepare(bytes, from: at)
            if next <= at { break }
            at = next
            guard let stmt else { continue }
            columns(stmt.columnNames)
            while try stmt.step() { try row(stmt.row()) }
        }
    }

    /// The first column of every row of a query.
    public func strings(_ sql: String) throws -> [String] {
        var out: [String] = []
        try run(sql) { out.append($0.first?.text ?? "") }
        return out
    }

    /// Names SQLite reserves for itself or that need quoting in SQL text: `"irq:softirq_entry"`.
    public static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A string as an SQL literal.
    public static func literal(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
    }
}

/// A compiled statement; finalized when released.
public final class SQLStatement {
    let stmt: OpaquePointer
    let connection: SQLiteConnection

    init(_ stmt: OpaquePointer, connection: SQLiteConnection) {
        self.stmt = stmt
        self.connection = connection
    }

    deinit { sqlite3_finalize(stmt) }

    public var columnNames: [String] {
        (0..<sqlite3_column_count(stmt)).map { String(cString: sqlite3_column_name(stmt, $0)) }
    }

    /// The SQL of the statement, as compiled.
    public var sql: String { String(cString: sqlite3_sql(stmt)) }

    /// True when a row is ready; false when done.
    public func step() throws -> Bool {
        let rc = sqlite3_step(stmt)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(rc)
        }
    }

    public func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    public func bind(_ cells: [ResultCell]) throws {
        for (i, c) in cells.enumerated() {
            let n = Int32(i + 1)
            let rc: Int32
            switch c {
            case .null: rc = sqlite3_bind_null(stmt, n)
            case .int(let v): rc = sqlite3_bind_int64(stmt, n, v)
            case .real(let d): rc = sqlite3_bind_double(stmt, n, d)
            case .text(let s):
                var s = s
                rc = s.withUTF8 { b in b.withMemoryRebound(to: CChar.self) { trc_bind_text(stmt, n, $0.baseAddress, Int32($0.count)) } }
            case .blob(let b): rc = b.withUnsafeBytes { trc_bind_blob(stmt, n, $0.baseAddress, Int32($0.count)) }
            }
            if rc != SQLITE_OK { throw connection.error(rc) }
        }
    }

    public func row() -> [ResultCell] {
        (0..<sqlite3_column_count(stmt)).map { Self.cell(stmt, $0) }
    }

    /// Column i of the current row of `stmt`.
    static func cell(_ stmt: OpaquePointer, _ i: Int32) -> ResultCell {
        switch sqlite3_column_type(stmt, i) {
        case SQLITE_INTEGER: return .int(sqlite3_column_int64(stmt, i))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(stmt, i))
        case SQLITE_TEXT:
            let n = Int(sqlite3_column_bytes(stmt, i))
            guard let p = sqlite3_column_text(stmt, i) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self))
        case SQLITE_BLOB:
            let n = Int(sqlite3_column_bytes(stmt, i))
            guard let p = sqlite3_column_blob(stmt, i) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: p, count: n)))
        default: return .null
        }
    }
}
