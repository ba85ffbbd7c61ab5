import Foundation

/// One value of a query result (SQL's storage classes): what `bpfan sql` and `bpfan export`
/// print, whatever produced it.
public enum ResultCell: Sendable, Equatable {
    case null
    case int(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    /// The cell as CSV and table text: integers and reals as SQLite prints them, blobs in hex.
    public var text: String {
        switch self {
        case .null: return ""
        case .int(let v): return String(v)
        case .real(let d): return Self.realText(d)
        case .text(let s): return s
        case .blob(let b): return "x'" + b.map { String(format: "%02x", $0) }.joined() + "'"
        }
    }

    /// The cell as a JSON value: blobs as hex strings (JSON has no bytes).
    public var json: JSONText {
        switch self {
        case .null: return .null
        case .int(let v): return .int(v)
        case .real(let d): return d.isFinite ? .string(Self.realText(d)) : .null
        case .text(let s): return .string(s)
        case .blob(let b): return .string(b.map { String(format: "%02x", $0) }.joined())
        }
    }

    /// SQLite's "%!.15g" for reals: 15 significant digits, with a ".0" on whole numbers.
    static func realText(_ d: Double) -> String {
        var s = String(format: "%.15g", d)
        if d.isFinite && !s.contains(".") && !s.contains("e") { s += ".0" }
        return s
    }
}

/// Prints query results row by row in one of three forms: an aligned text table, CSV (RFC 4180)
/// or JSON Lines (one object per row, keys in column order). Rows are written as they come so a
/// result of any size streams; the table form sizes its columns from the first `sample` rows.
public struct ResultPrinter: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case table, csv, json
    }

    public let format: Format
    public let columns: [String]
    private var pending: [[ResultCell]] = []
    private var widths: [Int]? = nil
    private var headerDone = false
    /// Rows the table form looks at before fixing its widths.
    public static let sample = 500

    /// JSON: `{"name":` for the first column, `,"name":` for the others, quoted once.
    private let jsonKeys: [String]

    public init(format: Format, columns: [String]) {
        self.format = format
        self.columns = columns
        jsonKeys = columns.enumerated().map { ($0.offset == 0 ? "{" : ",") + JSONText.quote($0.element) + ":" }
    }

    /// Text to write for one more row (empty while the table form is still sampling).
    public mutating func row(_ cells: [ResultCell]) -> String {
        switch format {
        case .csv:
            if headerDone { return Self.csvLine(cells) }
            headerDone = true
            return Self.csvLine(columns.map { ResultCell.text($0) }) + Self.csvLine(cells)
        case .json:
            // Written piece by piece (millions of rows in an export): the same text as
            // JSONText.object(zip(columns, cells).map { ($0, $1.json) }).rendered.
            var line = ""
            line.reserveCapacity(16 * cells.count)
            for (i, c) in cells.enumerated() {
                line += i < jsonKeys.count ? jsonKeys[i] : ","
                switch c {
                case .int(let v): line += String(v)
                case .null: line += "null"
                case .text(let t): line += JSONText.quote(t)
                default: line += c.json.rendered
                }
            }
            line += cells.isEmpty ? "{}\n" : "}\n"
            return line
        case .table:
            if widths == nil {
                pending.append(cells)
                if pending.count < Self.sample { return "" }
                return flushTable()
            }
            return tableLine(cells)
        }
    }

    /// What is left to write when the result ends (the table form's sampled rows, or just its
    /// header for an empty result; CSV's header for an empty result).
    public mutating func finish() -> String {
        switch format {
        case .csv:
            if headerDone { return "" }
            headerDone = true
            return columns.isEmpty ? "" : Self.csvLine(columns.map { ResultCell.text($0) })
        case .json: return ""
        case .table: return widths == nil ? flushTable() : ""
        }
    }

    private mutating func flushTable() -> String {
        var w = columns.map { $0.count }
        for r in pending { for (i, c) in r.enumerated() where i < w.count { w[i] = max(w[i], c.text.count) } }
        widths = w
        var out = columns.isEmpty ? "" : tableLine(columns.map { ResultCell.text($0) }) + w.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        for r in pending { out += tableLine(r) }
        pending = []
        return out
    }

    private func tableLine(_ cells: [ResultCell]) -> String {
        guard let widths else { return "" }
        var parts: [String] = []
        for (i, c) in cells.enumerated() {
            let t = c.text
            let w = i < widths.count ? widths[i] : 0
            let pad = String(repeating: " ", count: max(0, w - t.count))
            // Numbers align right, as in every terminal table.
            switch c {
            case .int, .real: parts.append(pad + t)
            default: parts.append(i == cells.count - 1 ? t : t + pad)
            }
        }
        return parts.joined(separator: "  ") + "\n"
    }

    /// One CSV record: fields with a comma, quote, CR or LF are quoted, quotes doubled.
    public static func csvLine(_ cells: [ResultCell]) -> String {
        var line = ""
        line.reserveCapacity(12 * cells.count)
        for (i, c) in cells.enumerated() {
            if i > 0 { line += "," }
            if case .int(let v) = c {
                line += String(v)
                continue
            }
            let t = c.text
            if t.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) {
                line += "\"" + t.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            } else {
                line += t
            }
        }
        line += "\r\n"
        return line
    }
}
