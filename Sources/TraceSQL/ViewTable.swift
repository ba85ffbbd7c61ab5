import CSQLite
import Foundation
import TraceFormat
import TraceReport
import TraceSchema

/// A derived view (`DerivedView`) as a virtual table: its rows come from the engine's own
/// derivations (pairing, process tracking), run per recording on a producer thread.
final class ViewTable: VirtualTable {
    let view: any DerivedView
    let name: String
    let columns: [SQLColumn]
    let schemaColumns: [ColumnSchema]
    let recordings: [SQLRecording]
    let board: CounterBoard

    init(_ view: any DerivedView, recordings: [SQLRecording], board: CounterBoard) throws {
        guard let schema = ViewSchemas.all.first(where: { $0.name == view.name }) else {
            throw SQLError(.runtime, "view \(view.name) is not documented in schemas/views.json")
        }
        guard schema.columns.map(\.name) == view.columnNames else {
            throw SQLError(.runtime, "view \(view.name): its columns differ from schemas/views.json")
        }
        self.view = view
        name = view.name
        self.recordings = recordings
        self.board = board
        schemaColumns = schema.columns
        columns = schema.columns.map(SQLColumn.init) + [
            SQLColumn("host", .text, doc: "hostname of the recording host"),
            SQLColumn("recording", .text, doc: "the recording's path, as given"),
        ]
    }

    func bestIndex(_ info: UnsafeMutablePointer<sqlite3_index_info>) -> Int32 {
        // Derivations read whole tables (pairs need both ends): nothing to push down; a high
        // cost makes SQLite drive joins from the recorded tables' constraints instead.
        info.pointee.estimatedCost = 1e9
        info.pointee.estimatedRows = 1_000_000
        return SQLITE_OK
    }

    func openCursor() -> VirtualCursor { ViewCursor(self) }
}

final class ViewCursor: VirtualCursor {
    let table: ViewTable
    private var pipe: RowPipe?
    private var batch: [[ResultCell]] = []
    private var position = 0
    private var serial: Int64 = 0
    private(set) var eof = true

    init(_ table: ViewTable) { self.table = table }
    deinit { pipe?.cancel() }

    func filter(plan: Int32, planText: String?, arguments: [OpaquePointer?]) throws {
        pipe?.cancel()
        let pipe = RowPipe()
        self.pipe = pipe
        let view = table.view, recordings = table.recordings
        let thread = Thread {
            do {
                for r in recordings {
                    let sink = RowSink(pipe: pipe, recording: r)
                    try view.produce(r, into: sink)
                    try sink.flush()
                }
                pipe.finish(error: nil)
            } catch is RowPipe.Cancelled {
                pipe.finish(error: nil)
            } catch {
                pipe.finish(error: "\(view.name): \(error)")
            }
        }
        thread.stackSize = 8 << 20
        thread.start()
        table.board.tables[table.name, default: ScanCounters()].scans += 1
        eof = false
        batch = []
        position = 0
        try fill()
    }

    private func fill() throws {
        while position >= batch.count {
            guard let b = try pipe?.pop() else {
                eof = true
                batch = []
                return
            }
            batch = b
            position = 0
            table.board.tables[table.name, default: ScanCounters()].rowsReturned += b.count
        }
    }

    func next() throws {
        serial += 1
        position += 1
        try fill()
    }

    var rowid: Int64 { serial }

    func column(_ index: Int32, _ context: OpaquePointer) {
        let row = batch[position]
        let i = Int(index)
        guard i < row.count else { sqlite3_result_null(context); return }
        switch row[i] {
        case .null: sqlite3_result_null(context)
        case .int(let v): sqlite3_result_int64(context, v)
        case .real(let d): sqlite3_result_double(context, d)
        case .text(let s): ChunkCursor.text(s, context)
        case .blob(let b): b.withUnsafeBytes { trc_result_blob(context, $0.baseAddress, Int32($0.count)) }
        }
    }
}
