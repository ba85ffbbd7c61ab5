import Foundation

/// A JSON value written with keys in the order given, so `--json` output is stable and diffable.
public indirect enum JSONText: Sendable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case null
    case array([JSONText])
    case object([(String, JSONText)])

    public var rendered: String {
        switch self {
        case .string(let s): return Self.quote(s)
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? String(format: "%.6f", d) : "null"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let a): return "[" + a.map(\.rendered).joined(separator: ",") + "]"
        case .object(let o): return "{" + o.map { Self.quote($0.0) + ":" + $0.1.rendered }.joined(separator: ",") + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

/// The three shapes of `--json` output, one per kind of live-tool output.
public enum JSONShapes {
    /// `{"kind":"histogram","tool":..,"unit":..,"histograms":[{"labels":{..},"buckets":[{"low","high","count"}]}]}`.
    public static func histograms(tool: String, unit: String, _ hists: [(labels: [(String, JSONText)], buckets: [(low: Int64, high: Int64, count: UInt64)])]) -> String {
        let items: [JSONText] = hists.map { h in
            .object([("labels", .object(h.labels)),
                     ("buckets", .array(h.buckets.map { .object([("low", .int($0.low)), ("high", .int($0.high)), ("count", .int(Int64(bitPattern: $0.count)))]) }))])
        }
        return JSONText.object([("kind", .string("histogram")), ("tool", .string(tool)), ("unit", .string(unit)), ("histograms", .array(items))]).rendered + "\n"
    }

    /// `{"kind":"table","tool":..,"columns":[..],"rows":[[..]]}`; `groups` labels repeated tables (intervals).
    public static func table(tool: String, columns: [String], rows: [[JSONText]]) -> String {
        JSONText.object([("kind", .string("table")), ("tool", .string(tool)), ("columns", .array(columns.map { .string($0) })),
                         ("rows", .array(rows.map { .array($0) }))]).rendered + "\n"
    }

    /// One JSON object per line for event rows (`{"kind":"event","tool":..,<fields>}`), streamable.
    public static func event(tool: String, _ fields: [(String, JSONText)]) -> String {
        JSONText.object([("kind", .string("event")), ("tool", .string(tool))] + fields).rendered + "\n"
    }
}
