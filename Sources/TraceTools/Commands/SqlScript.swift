import Foundation
import TraceSQL

/// A script as `bpfan sql` reads it from its argument, -f or stdin: SQL statements and, between
/// them, sqlite3-style dot commands (a line starting with '.'), so that
/// `echo .tables | bpfan sql run.trc` works as it does with sqlite3.
struct SqlScript {
    enum Piece: Equatable {
        /// Statements, and the script's line and byte at which they start (errors are located
        /// in the script).
        case sql(String, firstLine: Int, firstByte: Int)
        case dot(String, line: Int)
    }

    static func pieces(_ text: String) -> [Piece] {
        var out: [Piece] = []
        var pending = "", pendingLine = 1, pendingByte = 0, line = 0, byte = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            line += 1
            let lineByte = byte
            byte += raw.utf8.count + 1
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if pending.allSatisfy(\.isWhitespace) {
                if trimmed.hasPrefix(".") {
                    out.append(.dot(trimmed, line: line))
                    pending = ""
                    continue
                }
                if pending.isEmpty { (pendingLine, pendingByte) = (line, lineByte) }
            }
            pending += raw + "\n"
            if ScriptRunner.isComplete(pending) {
                out.append(.sql(pending, firstLine: pendingLine, firstByte: pendingByte))
                pending = ""
            }
        }
        if !pending.allSatisfy(\.isWhitespace) { out.append(.sql(pending, firstLine: pendingLine, firstByte: pendingByte)) }
        return out
    }
}
