import CSQLite
import TraceAnalysis
import TraceFormat
import TraceReport

/// An SQLite connection with every table of the given recordings as a virtual table (in the
/// temp schema, so nothing is written anywhere) and the derived views of `DerivedViews`.
public final class SQLSession {
    public let connection: SQLiteConnection
    public let recordings: [SQLRecording]
    private let registry = TableRegistry()
    private let board = CounterBoard()
    /// Table and view names as SQL sees them, sorted; kinds for `.tables`.
    public private(set) var tableNames: [String] = []
    public private(set) var viewNames: [String] = []

    public init(recordings: [SQLRecording], views: Bool = true) throws {
        connection = try SQLiteConnection()
        self.recordings = recordings
        try RecordingModule.register(on: connection.db, registry: registry)
        try SQLFunctions.register(on: connection.db)
        var byName: [String: [(recording: SQLRecording, schema: TableSchema)]] = [:]
        for r in recordings {
            for schema in r.recording.file.tables.values.sorted(by: { $0.name < $1.name }) {
                byName[schema.name, default: []].append((r, schema))
            }
        }
        for name in byName.keys.sorted() {
            try add(ChunkTable(name: name, sources: byName[name]!, board: board))
            tableNames.append(name)
        }
        if views {
            for view in DerivedViews.all {
                // A view whose tables no recording has would only ever be empty: left out, so
                // `.tables` shows what can be asked.
                let holders = recordings.filter { view.isAvailable(in: $0) }
                guard !holders.isEmpty, byName[view.name] == nil else { continue }
                try add(ViewTable(view, recordings: holders, board: board))
                viewNames.append(view.name)
            }
        }
    }

    private func add(_ t: VirtualTable) throws {
        registry.tables[t.name] = t
        try connection.execute("CREATE VIRTUAL TABLE temp.\(SQLiteConnection.quote(t.name)) USING \(RecordingModule.name)(\(SQLiteConnection.literal(t.name)))")
    }

    /// The columns of a table or view: name and declared type.
    public func columns(of name: String) -> [SQLColumn]? { registry.tables[name]?.columns }

    /// The columns of a table or view with their schema types, without `host` and `recording`.
    public func schemaColumns(of name: String) -> [ColumnSchema]? { registry.tables[name]?.schemaColumns }

    /// What scans did since the session began (or since `resetCounters`), by table.
    public var counters: [String: ScanCounters] { board.tables }
    public func resetCounters() { board.tables = [:] }
}
