import CSQLite
import Testing

/// SQL over the events will load decoded columns into SQLite; until that lands, this proves the
/// system library imports and links the way Package.swift declares it.
@Test func sqliteRunsAQuery() {
    var db: OpaquePointer?
    #expect(sqlite3_open(":memory:", &db) == SQLITE_OK)
    defer { sqlite3_close(db) }
    var stmt: OpaquePointer?
    #expect(sqlite3_prepare_v2(db, "SELECT 6 * 7", -1, &stmt, nil) == SQLITE_OK)
    defer { sqlite3_finalize(stmt) }
    #expect(sqlite3_step(stmt) == SQLITE_ROW)
    #expect(sqlite3_column_int(stmt, 0) == 42)
}
