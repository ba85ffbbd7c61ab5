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
                if !dot(trimmed, &runner) { return }
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

    /// Runs a dot command; false to leave the shell.
    mutating func dot(_ line: String, _ runner: inout ScriptRunner) -> Bool {
        let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        switch words.first ?? "" {
        case ".quit", ".exit": return false
        case ".help": StandardOutput.write(Self.help)
        case ".tables": StandardOutput.write(runner.session.tablesListing)
        case ".schema":
            let names = words.count > 1 ? Array(words.dropFirst()) : runner.session.tableNames + runner.session.viewNames
            for n in names {
                if let s = runner.session.schemaText(of: n) { StandardOutput.write(s) } else { StandardError.write("bpfan sql: no table or view \(n)") }
            }
        case ".mode":
            if words.count == 2, let f = ResultPrinter.Format(rawValue: words[1]) { runner.format = f } else {
                StandardError.write("bpfan sql: .mode expects table, csv or json")
            }
        case ".stats":
            if words.count == 2, words[1] == "on" || words[1] == "off" { stats = words[1] == "on" } else {
                StandardError.write("bpfan sql: .stats expects on or off")
            }
        default:
            StandardError.write("bpfan sql: unknown command \(words.first ?? line) (.help lists them)")
        }
        return true
    }
}
