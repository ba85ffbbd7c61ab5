import CSQLite
import TraceFormat

/// What the module asks of each virtual table: its columns, a plan for a query's constraints,
/// and cursors. Implemented by recorded tables (`ChunkTable`) and derived views (`ViewTable`).
protocol VirtualTable: AnyObject {
    var name: String { get }
    var columns: [SQLColumn] { get }
    /// The columns with their schema types (without `host` and `recording`), for exports
    /// that keep the exact integer widths.
    var schemaColumns: [ColumnSchema] { get }
    /// xBestIndex: mark the constraints used and set the cost. SQLite's own check of a
    /// constraint stays on (omit = 0) unless the scan filters its rows exactly as SQLite would
    /// (ChunkTable.omits), so a plan only ever saves work.
    func bestIndex(_ info: UnsafeMutablePointer<sqlite3_index_info>) -> Int32
    func openCursor() -> VirtualCursor
}

/// One scan of a virtual table.
protocol VirtualCursor: AnyObject {
    /// xFilter: start a scan with the plan `bestIndex` chose and the constraint values.
    func filter(plan: Int32, planText: String?, arguments: [OpaquePointer?]) throws
    func next() throws
    var eof: Bool { get }
    func column(_ index: Int32, _ context: OpaquePointer)
    var rowid: Int64 { get }
}

extension VirtualTable {
    var declaration: String {
        "CREATE TABLE x(" + columns.map { SQLiteConnection.quote($0.name) + " " + $0.declaredType }.joined(separator: ", ") + ")"
    }
}
