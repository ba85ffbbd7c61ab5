import ArgumentParser
import Foundation
import Glibc
import TraceAnalysis
import TraceFormat
import TraceReport
import TraceSQL

/// `bpfan sql RECORDING… 'SELECT …'`: SQL over recordings. Every recorded table is a virtual
/// table over the file's chunks (nothing is loaded first), plus the derived views of
/// schemas/views.json.
public struct SqlCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sql",
        abstract: "Query recordings with SQL (SQLite): every table, plus derived views (syscalls, processes, block_requests).",
        discussion: """
        The recordings come first, then the query (or -f FILE.sql). Without a query, statements
        are read from stdin, or, when stdin is a terminal, typed at an interactive prompt
        (.tables, .schema TABLE, .mode table|csv|json, .stats, .quit). As in sqlite3, a script
        (the query, -f or stdin) may hold those dot commands on lines between statements.

        Every table and view has `host` and `recording` columns, so several recordings can be
        queried together. Constraints on ts (=, <, <=, >, >=, BETWEEN) and =/IN on integer
        columns (pid, tid, cpu, ...) skip chunks by their statistics without decompressing
        them; only the columns a query uses are decoded (--stats shows the counts).

        u64 columns hold INTEGER up to 2^63-1; a value above (kernel addresses) is TEXT of the
        form '0xffff888100000000' (exact, ordered). Compare with that text, or u64(0x...).

        EXAMPLES:
            bpfan sql run.trc 'SELECT name, count(*) FROM syscalls
                GROUP BY name ORDER BY 2 DESC LIMIT 10'
            bpfan sql --stats run.trc 'SELECT count(*) FROM syscall
                WHERE pid = 1234'
            bpfan sql a.trc b.trc 'SELECT host, count(*)
                FROM block_requests GROUP BY host'
            bpfan sql --format csv -f report.sql run.trc > report.csv
            echo .tables | bpfan sql run.trc
            bpfan sql run.trc                # interactive shell
        """)

    @Argument(help: ArgumentHelp("Recordings (.trc), then the SQL unless -f is given.", valueName: "recording… [sql]"))
    var arguments: [String] = []

    @Option(name: .customShort("f"), help: ArgumentHelp("Read the SQL from this file.", valueName: "FILE.sql"))
    var file: String?

    @Option(name: .customLong("format"), help: ArgumentHelp("Output form: table, csv or json (one object per row).", valueName: "table|csv|json"))
    var format: String = "table"

    @Flag(name: .customLong("stats"), help: "After the query, print per table the chunks read against the chunks skipped, and rows scanned (stderr).")
    var stats = false

    @Option(name: .customLong("max-memory"), help: ArgumentHelp("Cap on SQLite's memory (sorts, GROUP BY, subqueries): a query that needs more stops with an error instead of growing until the OOM killer ends it.", valueName: "SIZE"))
    var maxMemory: String = "2G"

    public init() {}

    public func validate() throws {
        guard ResultPrinter.Format(rawValue: format) != nil else { throw ValidationError("--format \(format): expected table, csv or json") }
        _ = try MemorySize.parse(maxMemory, flag: "--max-memory")
    }

    /// Recordings and the query: a last argument that is not an existing file is the query.
    func split() -> (recordings: [String], sql: String?) {
        var paths = arguments
        var sql: String?
        if file == nil, let last = paths.last, !FileManager.default.fileExists(atPath: last), !last.hasSuffix(".trc") {
            sql = last
            paths.removeLast()
        }
        return (paths, sql)
    }

    public func run() throws {
        let (paths, inline) = split()
        guard !paths.isEmpty else {
            throw ValidationError(inline != nil ? "no recording: '\(inline!)' is not a file, and a recording must come before the query" : "give at least one recording")
        }
        var sql = inline
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                StandardError.write("bpfan sql: -f \(file): cannot read the file")
                throw ExitCode(2)
            }
            sql = text
        }
        SQLiteConnection.limitHeap(bytes: try MemorySize.parse(maxMemory, flag: "--max-memory"))
        var recordings: [SQLRecording] = []
        for p in paths {
            let f = try openRecording(p)
            do { recordings.append(SQLRecording(try Recording(file: f, window: .all), label: p)) } catch {
                StandardError.write("bpfan sql: \(error)")
                throw ExitCode.failure
            }
        }
        let session: SQLSession
        do { session = try SQLSession(recordings: recordings) } catch {
            StandardError.write("bpfan sql: \(error)")
            throw ExitCode.failure
        }
        var runner = ScriptRunner(session: session, format: ResultPrinter.Format(rawValue: format)!, write: { StandardOutput.write($0) })
        var shell = SqlShell(stats: stats)
        if let sql {
            try executeScript(sql, &runner, &shell, source: file ?? "the query")
        } else if isatty(0) == 1 {
            shell.run(&runner)
        } else {
            var text = ""
            while let line = readLine(strippingNewline: false) { text += line }
            try executeScript(text, &runner, &shell, source: "stdin")
        }
        if shell.stats { StandardError.write(session.statsReport) }
        if let why = StandardOutput.failureMessage {
            StandardError.write("bpfan sql: \(why)")
            throw ExitCode.failure
        }
    }

    /// Runs a script's statements and dot commands in turn; the first error ends it (exit 2 for
    /// bad SQL or a bad dot command, 1 for a statement that fails while running).
    func executeScript(_ text: String, _ runner: inout ScriptRunner, _ shell: inout SqlShell, source: String) throws {
        for piece in SqlScript.pieces(text) {
            switch piece {
            case .sql(let sql, let firstLine, let firstByte):
                do { try runner.run(sql) } catch let e as SQLError {
                    StandardError.write(Self.message(e, sql: sql, source: source, maxMemory: maxMemory, firstLine: firstLine, firstByte: firstByte))
                    if shell.stats { StandardError.write(runner.session.statsReport) }
                    throw ExitCode(e.kind == .syntax ? 2 : 1)
                }
            case .dot(let command, let line):
                switch shell.dot(command, &runner) {
                case .quit: return
                case .failed(let why):
                    StandardError.write("bpfan sql: \(why), at line \(line) of \(source)")
                    throw ExitCode(2)
                case .done: break
                }
            }
        }
    }

    /// SQLite's message, where it stopped (line, column, the line with a caret), or for an
    /// exhausted heap what to do about it.
    static func message(_ e: SQLError, sql: String, source: String, maxMemory: String, firstLine: Int = 1, firstByte: Int = 0) -> String {
        switch e.kind {
        case .memory:
            return "bpfan sql: the query needs more memory than --max-memory \(maxMemory) allows (\(e.message)); narrow it (a ts range, fewer rows to sort or group) or raise --max-memory"
        case .syntax:
            guard let offset = e.offset else { return "bpfan sql: \(e.message) (in \(source))" }
            let at = ScriptRunner.locate(offset, in: sql)
            return "bpfan sql: \(e.message) at line \(at.line + firstLine - 1), column \(at.column) of \(source) (byte \(offset + firstByte)):\n\(at.excerpt)"
        case .runtime:
            return "bpfan sql: \(e.message)"
        }
    }
}
