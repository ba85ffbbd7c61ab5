import CSQLite
import TraceAnalysis
import TraceFormat

/// A recorded table as an SQLite virtual table: the union of its columns over the recordings
/// that hold it, then `host` and `recording`. Rows stream chunk by chunk from the files.
final class ChunkTable: VirtualTable {
    let name: String
    let columns: [SQLColumn]
    let schemaColumns: [ColumnSchema]
    /// Per recording, the recorded schema (older recordings may lack columns).
    let sources: [(recording: SQLRecording, schema: TableSchema)]
    let board: CounterBoard
    /// Per column, for xColumn: a u64 (TEXT above 2^63), a str (TEXT, else BLOB).
    let isU64: [Bool]
    let isText: [Bool]
    var hostColumn: Int { columns.count - 2 }
    var recordingColumn: Int { columns.count - 1 }

    init(name: String, sources: [(recording: SQLRecording, schema: TableSchema)], board: CounterBoard) {
        self.name = name
        self.sources = sources
        self.board = board
        var cols: [ColumnSchema] = []
        for s in sources { for c in s.schema.columns where !cols.contains(where: { $0.name == c.name }) { cols.append(c) } }
        schemaColumns = cols
        columns = cols.map(SQLColumn.init) + [
            SQLColumn("host", .text, doc: "hostname of the recording host"),
            SQLColumn("recording", .text, doc: "the recording's path, as given"),
        ]
        isU64 = columns.map { $0.kind == .u64 }
        isText = columns.map { $0.kind == .text }
    }

    /// The integer columns whose chunk statistics can skip chunks.
    func pushable(_ i: Int) -> Bool { i < hostColumn && (columns[i].kind == .integer || columns[i].kind == .u64) }

    func bestIndex(_ info: UnsafeMutablePointer<sqlite3_index_info>) -> Int32 {
        let n = Int(info.pointee.nConstraint)
        var pushed: [PushedConstraint] = []
        var cost = Double(max(1, sources.reduce(0) { $0 + $1.recording.recording.file.rowCount(ofTable: name) }))
        for i in 0..<n {
            let c = info.pointee.aConstraint[i]
            guard c.usable != 0 else { continue }
            let col = Int(c.iColumn)
            var op: PushedConstraint.Op?
            if col == hostColumn || col == recordingColumn {
                if Int32(c.op) == SQLITE_INDEX_CONSTRAINT_EQ && sqlite3_vtab_in(info, Int32(i), -1) == 0 { op = .eq }
            } else if col >= 0, pushable(col) {
                switch Int32(c.op) {
                case SQLITE_INDEX_CONSTRAINT_EQ: op = sqlite3_vtab_in(info, Int32(i), 1) != 0 ? .among : .eq
                case SQLITE_INDEX_CONSTRAINT_GT: op = .gt
                case SQLITE_INDEX_CONSTRAINT_GE: op = .ge
                case SQLITE_INDEX_CONSTRAINT_LT: op = .lt
                case SQLITE_INDEX_CONSTRAINT_LE: op = .le
                default: op = nil
                }
            }
            guard let op else { continue }
            pushed.append(PushedConstraint(column: col, op: op))
            info.pointee.aConstraintUsage[i].argvIndex = Int32(pushed.count)
            info.pointee.aConstraintUsage[i].omit = omits(info, Int32(i), column: col, op: op) ? 1 : 0
            // Equality narrows far more than a range; either is cheaper than a full scan, so
            // SQLite prefers plans that hand us constraints (and joins drive from them).
            cost /= (op == .eq || op == .among) ? 20 : 4
        }
        let plan = ScanPlan(used: info.pointee.colUsed, columnCount: columns.count, constraints: pushed)
        info.pointee.idxStr = trc_strdup(plan.text(columns.map(\.name)))
        info.pointee.needToFreeIdxStr = 1
        info.pointee.estimatedCost = cost
        info.pointee.estimatedRows = Int64(cost)
        return SQLITE_OK
    }

    /// Whether the scan's own row filter decides constraint i exactly, so that SQLite need not
    /// check it again on every row: a comparison of a recorded integer column with an integer
    /// the query already holds (sqlite3_vtab_rhs_value: a literal or a bound parameter).
    /// ColumnPredicate then filters each row as SQLite would, u64 columns included (a negative
    /// bound is below every row; a row above 2^63, TEXT to SQLite, is above every integer).
    /// IN lists, host and recording, and values of other types stay checked by SQLite too.
    func omits(_ info: UnsafeMutablePointer<sqlite3_index_info>, _ i: Int32, column: Int, op: PushedConstraint.Op) -> Bool {
        guard op != .among, column < hostColumn else { return false }
        var value: OpaquePointer?
        guard sqlite3_vtab_rhs_value(info, i, &value) == SQLITE_OK, let value else { return false }
        return sqlite3_value_type(value) == SQLITE_INTEGER
    }

    func openCursor() -> VirtualCursor { ChunkCursor(self) }
}
