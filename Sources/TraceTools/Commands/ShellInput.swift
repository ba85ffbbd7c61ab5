import CEditLine
import Foundation
import Glibc
import TraceReport

/// Where `bpfan sql`'s shell reads its lines: on a terminal through libedit (line editing, and
/// a history kept between sessions in $BPFAN_SQL_HISTORY or ~/.bpfan_sql_history, as sqlite3
/// keeps ~/.sqlite_history; BPFAN_SQL_HISTORY= keeps none), otherwise plain lines with the
/// prompt written before each.
struct ShellInput {
    static let historyLines: Int32 = 1000
    let interactive: Bool
    let historyFile: String?

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        interactive = isatty(0) == 1 && isatty(1) == 1
        if let path = environment["BPFAN_SQL_HISTORY"] {
            historyFile = path.isEmpty ? nil : path
        } else {
            historyFile = environment["HOME"].map { $0 + "/.bpfan_sql_history" }
        }
        if interactive {
            if let historyFile { _ = read_history(historyFile) }
        }
    }

    /// The next line without its newline, or nil at the end of input.
    func line(prompt: String) -> String? {
        guard interactive else {
            StandardOutput.write(prompt)
            return readLine(strippingNewline: true)
        }
        guard let raw = readline(prompt) else { return nil }
        defer { free(raw) }
        let text = String(cString: raw)
        if !text.trimmingCharacters(in: .whitespaces).isEmpty { add_history(raw) }
        return text
    }

    /// Saves the history (the newest `historyLines` lines), when there is a terminal and a file.
    func finish() {
        guard interactive, let historyFile else { return }
        if write_history(historyFile) == 0 { _ = history_truncate_file(historyFile, Self.historyLines) }
    }
}
