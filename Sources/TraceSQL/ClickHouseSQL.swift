import Foundation

/// ClickHouse statements over HTTP, and the few answers the exporter reads (TabSeparated).
struct ClickHouseSQL {
    let http: ClickHouseHTTP
    let database: String

    static func quote(_ identifier: String) -> String {
        "`" + identifier.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "`", with: "\\`") + "`"
    }

    static func literal(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    /// Runs a statement in the database (none for CREATE DATABASE).
    @discardableResult
    func run(_ sql: String, inDatabase: Bool = true, queryID: String? = nil, body: [UInt8] = []) throws -> String {
        var parameters: [(String, String)] = []
        if inDatabase { parameters.append(("database", database)) }
        if let queryID { parameters.append(("query_id", queryID)) }
        if body.isEmpty { return try http.post(parameters, body: Array(sql.utf8)) }
        parameters.append(("query", sql))
        return try http.post(parameters, body: body)
    }

    /// The rows of a query, fields split on tabs (values the exporter reads have no escapes).
    func rows(_ sql: String) throws -> [[String]] {
        try run(sql + " FORMAT TabSeparated").split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    func count(_ sql: String) throws -> Int { Int(try rows(sql).first?.first ?? "") ?? 0 }

    /// `SELECT version()` as numbers: 18.16.1 → [18, 16, 1].
    func version() throws -> [Int] {
        (try run("SELECT version() FORMAT TabSeparated", inDatabase: false).split(separator: "\n").first.map(String.init) ?? "").split(separator: ".").compactMap { Int($0) }
    }

    /// Waits until no mutation of `table` is pending (ALTER … DELETE runs in the background;
    /// 18.16 has no mutations_sync setting).
    func waitForMutations(_ table: String, timeout: Double = 120) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try count("SELECT count() FROM system.mutations WHERE database = \(Self.literal(database)) AND table = \(Self.literal(table)) AND is_done = 0") > 0 {
            if Date() > deadline { throw ClickHouseHTTP.Failure.transport("\(table): a DELETE mutation still runs after \(Int(timeout)) s") }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Waits until a query of this id no longer runs: an insert whose answer was lost may still
    /// be writing its part, and must be finished before anyone counts what it landed.
    func waitUntilFinished(queryID: String, timeout: Double = 120) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try count("SELECT count() FROM system.processes WHERE query_id = \(Self.literal(queryID))") > 0 {
            if Date() > deadline { throw ClickHouseHTTP.Failure.transport("query \(queryID) still runs after \(Int(timeout)) s") }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}
