import Foundation
import TraceReport
import TraceSQL

/// The interactive side of `bpfan sql RECORDING` on a terminal: SQL statements (ended by ';')
/// and dot commands, as in the sqlite3 shell, with line editing and history (ShellInput).
/// Errors are printed and the shell goes on.
struct SqlShell {
    var stats = false

    static let help = """
    .tables            recorded tables and derived views
    .schema TABLE      a table's columns, types and meaning
    .mode table|csv|json
    .stats on|off      chunks read/skipped and rows after each statement
    .quit              leave (also .exit, end of input)
    SQL statements end with ';'.

    """

    static func prompt(_ continued: Bool) -> String { continued ? "   ...> " : "bpfan> " }

    mutating func run(_ runner: inout ScriptRunner) {
        StandardOutput.write("bpfan sql: \(runner.session.recordings.count) recording(s), \(runner.session.tableNames.count) tables, \(runner.session.viewNames.count) views. .help for help.\n")
        let input = ShellInput()
        defer { input.finish() }
        var pending = ""
        while let line = input.line(prompt: Self.prompt(!pending.isEmpty)) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if pending.isEmpty && trimmed.hasPrefix(".") {
                switch dot(trimmed, &runner) {
                case .quit: return
                case .failed(let why): StandardError.write("bpfan sql: \(why)")
                case .done: break
                }
                continue
            }
            pending += line + "\n"
            if ScriptRunner.isComplete(pending) {
                runner.session.resetCounters()
                do { try runner.run(pending) } catch let e as SQLError {
                    StandardError.write(SqlCommand.message(e, sql: pending, source: "the statement", maxMemory: "the limit"))
                } catch {
                    StandardError.write("bpfan sql: \(error)")
                }
                if stats { StandardError.write(runner.session.statsReport) }
                pending = ""
            }
        }
        StandardOutput.write("\n")
    }

    enum DotResult: Equatable {
        case done, quit
        case failed(String)
    }

    /// Runs a dot command: what the shell prints, or that it ends.
    mutating func dot(_ line: String, _ runner: inout ScriptRunner) -> DotResult {
        let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        switch words.first ?? "" {
        case ".quit", ".exit": return .quit
        case ".help": StandardOutput.write(Self.help)
        case ".tables": StandardOutput.write(runner.session.tablesListing)
        case ".schema":
            let names = words.count > 1 ? Array(words.dropFirst()) : runner.session.tableNames + runner.session.viewNames
            for n in names {
                guard let s = runner.session.schemaText(of: n) else { return .failed("no table or view \(n)") }
                StandardOutput.write(s)
            }
        case ".mode":
            guard words.count == 2, let f = ResultPrinter.Format(rawValue: words[1]) else { return .failed(".mode expects table, csv or json") }
            runner.format = f
        case ".stats":
            guard words.count == 2, words[1] == "on" || words[1] == "off" else { return .failed(".stats expects on or off") }
            stats = words[1] == "on"
        default:
            return .failed("unknown command \(words.first ?? line) (.help lists them)")
        }
        return .done
    }
}
