import Foundation
import TraceFormat
import TraceReport

/// `bpfan export --clickhouse`: the tables and derived views of `bpfan export --format sqlite`
/// (the same enumeration, the same virtual-table rows) into MergeTree tables ordered by
/// (host, recording, ts), sent as Native blocks over ClickHouse's HTTP interface.
///
/// Every table gains `host`, `recording`, `content_id` (the recording file's content, see
/// `RecordingContentID`) and `export_batch`. `bpfan_recordings` holds one row per export begun
/// (complete = 0) and finished (complete = 1), so that:
/// - a recording already exported completely is skipped, whatever path it is given as;
/// - a partial one (the exporter was killed) has its rows deleted and is exported again.
/// A batch whose connection drops is checked before it is sent again: once no query of its id
/// runs, its rows are counted by (content_id, export_batch) — all there: done; none: resent;
/// some (not expected: one block is one part): deleted, then resent.
public final class ClickHouseExporter {
    public struct Outcome: Sendable {
        public var label: String
        public var skipped: Bool
        public var rows: Int
        public var seconds: Double
        public var retries: Int
    }

    let sql: ClickHouseSQL
    /// Rows per Native block (one insert each).
    public var batchRows = 65_536
    public var maxRetries = 5
    /// Progress and notices for stderr.
    public var log: (String) -> Void = { _ in }
    /// Whether the server takes column codecs (CODEC(DoubleDelta, ZSTD)…); 18.16 does not.
    public internal(set) var codecs = false
    public private(set) var serverVersion: [Int] = []
    private var retries = 0

    public init(url: String, database: String) throws {
        sql = ClickHouseSQL(http: try ClickHouseHTTP(url: url), database: database)
    }

    /// Checks the server and creates the database and `bpfan_recordings`.
    public func prepare() throws {
        serverVersion = try sql.version()
        // Column codecs came in 19.x; 20.1 is where every one used here (DoubleDelta, Delta,
        // ZSTD) is certainly there. Older servers keep their default (LZ4) compression.
        codecs = (serverVersion.first ?? 0) >= 20
        try sql.run("CREATE DATABASE IF NOT EXISTS \(ClickHouseSQL.quote(sql.database))", inDatabase: false)
        try sql.run("""
            CREATE TABLE IF NOT EXISTS bpfan_recordings (content_id String, recording String, host String, kernel String, \
            start_ns Int64, stop_ns Int64, command_line String, complete UInt8, rows UInt64, exported_at DateTime) \
            ENGINE = MergeTree ORDER BY (content_id, complete)
            """)
    }

    /// Exports one recording (a session over it alone).
    public func export(_ session: SQLSession, recording r: SQLRecording, contentID: String) throws -> Outcome {
        let start = Date()
        retries = 0
        let id = ClickHouseSQL.literal(contentID)
        let previous = try sql.rows("SELECT complete, recording, rows FROM bpfan_recordings WHERE content_id = \(id) ORDER BY complete DESC LIMIT 1")
        if let p = previous.first, p.count == 3, p[0] == "1" {
            log("\(r.label): already in ClickHouse (exported as \(p[1]), \(p[2]) rows): skipped")
            return Outcome(label: r.label, skipped: true, rows: 0, seconds: 0, retries: 0)
        }
        if let p = previous.first, p.count == 3 {
            log("\(r.label): a partial export (as \(p[1])) is there: removing it and exporting again")
            try removeRows(contentID: contentID)
        }
        let rec = r.recording
        let marker = { (complete: Int, rows: Int) in
            """
            INSERT INTO bpfan_recordings VALUES (\(id), \(ClickHouseSQL.literal(r.label)), \(ClickHouseSQL.literal(r.host)), \
            \(ClickHouseSQL.literal(rec.host?.kernelRelease ?? "")), \(rec.startTime), \(rec.stopTime), \
            \(ClickHouseSQL.literal(rec.info?.commandLine.joined(separator: " ") ?? "")), \(complete), \(rows), now())
            """
        }
        try withRetries("bpfan_recordings") { try sql.run(marker(0, 0)) }
        var rows = 0
        for name in session.tableNames + session.viewNames {
            guard let cols = session.schemaColumns(of: name) else { continue }
            rows += try exportTable(name, columns: cols, view: session.viewNames.contains(name), session: session, recording: r, contentID: contentID)
        }
        try withRetries("bpfan_recordings") { try sql.run(marker(1, rows)) }
        return Outcome(label: r.label, skipped: false, rows: rows, seconds: Date().timeIntervalSince(start), retries: retries)
    }

    /// Deletes a recording's rows from every table that has them (ALTER … DELETE mutations).
    func removeRows(contentID: String) throws {
        let tables = try sql.rows("SELECT table FROM system.columns WHERE database = \(ClickHouseSQL.literal(sql.database)) AND name = 'content_id' AND table != 'bpfan_recordings'").compactMap(\.first)
        let condition = "content_id = \(ClickHouseSQL.literal(contentID))"
        for t in tables + ["bpfan_recordings"] {
            let q = ClickHouseSQL.quote(t)
            guard try sql.count("SELECT count() FROM \(q) WHERE \(condition)") > 0 else { continue }
            try sql.run("ALTER TABLE \(q) DELETE WHERE \(condition)")
            try sql.waitForMutations(t)
        }
    }

    static let extra = [
        ClickHouseColumn(name: "host", base: .string), ClickHouseColumn(name: "recording", base: .string),
        ClickHouseColumn(name: "content_id", base: .string), ClickHouseColumn(name: "export_batch", base: .uint(bytes: 4)),
    ]

    /// The time column a table is ordered by, if it has one.
    static func timeColumn(_ columns: [ColumnSchema]) -> String? {
        ["ts", "start_ts", "complete_ts", "insert_ts"].first { n in columns.contains { $0.name == n } }
    }

    func codec(_ c: ClickHouseColumn, time: String?) -> String {
        guard codecs else { return "" }
        if c.name == time { return " CODEC(DoubleDelta, ZSTD)" }
        if c.name.hasSuffix("_ts") { return " CODEC(Delta, ZSTD)" }
        return " CODEC(ZSTD)"
    }

    /// Each column's declaration (name, type, codec where the server takes codecs).
    func declarations(_ columns: [ClickHouseColumn], time: String?) -> [String] {
        columns.map { ClickHouseSQL.quote($0.name) + " " + $0.typeName + codec($0, time: time) }
    }

    /// The table: MergeTree ordered by (host, recording, time column); a view's time column
    /// is Nullable, which a sorting key may not be, hence ifNull.
    func createStatement(_ name: String, columns: [ClickHouseColumn], time: String?) -> String {
        let key = ["host", "recording"] + (time.map { t in columns.first { $0.name == t }!.nullable ? ["ifNull(\(ClickHouseSQL.quote(t)), 0)"] : [ClickHouseSQL.quote(t)] } ?? [])
        return "CREATE TABLE IF NOT EXISTS \(ClickHouseSQL.quote(name)) (\(declarations(columns, time: time).joined(separator: ", "))) ENGINE = MergeTree ORDER BY (\(key.joined(separator: ", ")))"
    }

    /// Creates the table if missing and adds the columns a newer recording brings.
    func create(_ name: String, columns: [ClickHouseColumn], time: String?) throws {
        let q = ClickHouseSQL.quote(name)
        let decl = declarations(columns, time: time)
        try sql.run(createStatement(name, columns: columns, time: time))
        let present = Set(try sql.rows("SELECT name FROM system.columns WHERE database = \(ClickHouseSQL.literal(sql.database)) AND table = \(ClickHouseSQL.literal(name))").compactMap(\.first))
        for (c, d) in zip(columns, decl) where !present.contains(c.name) {
            try sql.run("ALTER TABLE \(q) ADD COLUMN \(d)")
        }
    }

    func exportTable(_ name: String, columns schema: [ColumnSchema], view: Bool, session: SQLSession, recording r: SQLRecording, contentID: String) throws -> Int {
        let columns = schema.map { ClickHouseColumn($0, nullable: view) } + Self.extra
        let time = Self.timeColumn(schema)
        try withRetries(name) { try create(name, columns: columns, time: time) }
        let select = "SELECT " + schema.map { SQLiteConnection.quote($0.name) }.joined(separator: ", ") + " FROM temp.\(SQLiteConnection.quote(name))"
        let n = schema.count
        let host = ResultCell.text(r.host), label = ResultCell.text(r.label), content = ResultCell.text(contentID)
        var batch = 0
        func fresh() -> NativeBlock { NativeBlock(columns: columns, constants: [host, label, content, .int(Int64(batch))]) }
        var block = fresh()
        var total = 0
        func send() throws {
            guard block.rows > 0 else { return }
            try insert(name, block: block, batch: batch, contentID: contentID)
            total += block.rows
            batch += 1
            block = fresh()
        }
        try session.connection.run(select) { row in
            for i in 0..<n { block.append(i < row.count ? row[i] : .null, column: i) }
            block.endRow()
            if block.rows >= batchRows { try send() }
        }
        try send()
        return total
    }

    /// Sends one block; after a dropped connection, finds out whether it landed before
    /// sending it again, so that a batch is neither lost nor doubled.
    func insert(_ table: String, block: NativeBlock, batch: Int, contentID: String) throws {
        let body = block.bytes
        let queryID = "bpfan-\(contentID)-\(table.map { $0.isLetter || $0.isNumber ? $0 : "_" }.map(String.init).joined())-\(batch)"
        let q = ClickHouseSQL.quote(table)
        let mine = "content_id = \(ClickHouseSQL.literal(contentID)) AND export_batch = \(batch)"
        var attempt = 0
        while true {
            do {
                try sql.run("INSERT INTO \(q) FORMAT Native", queryID: queryID, body: body)
                return
            } catch ClickHouseHTTP.Failure.transport(let why) {
                attempt += 1
                retries += 1
                guard attempt <= maxRetries else { throw ClickHouseHTTP.Failure.transport("\(table), batch \(batch): \(why) (after \(maxRetries) retries)") }
                log("\(table), batch \(batch): \(why); checking what landed, then retrying")
                Thread.sleep(forTimeInterval: 0.1 * Double(attempt))
                let landed = try withRetries(table) { () -> Int in
                    try sql.waitUntilFinished(queryID: queryID)
                    return try sql.count("SELECT count() FROM \(q) WHERE \(mine)")
                }
                if landed == block.rows { return }
                if landed > 0 {
                    try withRetries(table) {
                        try sql.run("ALTER TABLE \(q) DELETE WHERE \(mine)")
                        try sql.waitForMutations(table)
                    }
                }
            }
        }
    }

    /// Runs a statement that is safe to repeat, retrying dropped connections with a backoff.
    @discardableResult
    func withRetries<T>(_ what: String, _ body: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            do { return try body() } catch ClickHouseHTTP.Failure.transport(let why) {
                attempt += 1
                guard attempt <= maxRetries else { throw ClickHouseHTTP.Failure.transport("\(what): \(why) (after \(maxRetries) retries)") }
                retries += 1
                log("\(what): \(why); retrying")
                Thread.sleep(forTimeInterval: 0.1 * Double(attempt))
            }
        }
    }
}
