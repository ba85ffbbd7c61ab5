import Foundation
import TraceFormat
import TraceSchema

/// The tracepoints a recording holds generically (bpfrec record -e): tables named
/// `SUBSYS:EVENT` whose columns are the event's format fields, and the format texts.
extension Recording {
    /// The generic family's name, on its tables and its recursion-miss loss rows.
    public static let tracepointsFamily = "tracepoints"

    /// Events recorded generically, sorted.
    public var recordedTracepoints: [String] {
        file.tables.values.filter { $0.family == Self.tracepointsFamily }.map(\.name).sorted()
    }

    /// Every tracepoint whose hits the recording counts one row each, with the table holding
    /// them: the generic tables, and the dedicated tables declared every-hit (the irq family).
    public var countableTracepoints: [String: String] {
        var out: [String: String] = [:]
        for name in recordedTracepoints { out[name] = name }
        for (event, table) in EventTables.everyHit where hasTable(table) && out[event] == nil { out[event] = table }
        return out
    }

    /// Every tracepoint of the recording host with its format text: the catalog kept by -e
    /// recordings, else the formats of the recorded events alone (empty without -e).
    public func tracepointFormats() throws -> (formats: [String: String], wholeCatalog: Bool) {
        if let all = try file.metadata(named: MetadataName.tracepointCatalog, as: [String: String].self) { return (all, true) }
        return (try file.metadata(named: MetadataName.tracepointFormats, as: [String: String].self) ?? [:], false)
    }
}

/// bcc's glob and regex forms of an event pattern (`irq:*`, or with -r `^irq:.*`), matched
/// against `SUBSYS:EVENT` names as bcc does (re.match: anchored at the start).
public struct TracepointPattern: Sendable {
    let regex: NSRegularExpression

    public init(_ pattern: String, regex isRegex: Bool) throws {
        // funccount: without -r, '*' becomes '.*' and the whole name must match.
        let source = isRegex ? pattern : "^" + pattern.replacingOccurrences(of: "*", with: ".*") + "$"
        do { regex = try NSRegularExpression(pattern: source) } catch {
            throw AnalysisError("bad pattern '\(pattern)': not a regular expression")
        }
    }

    public func matches(_ name: String) -> Bool {
        regex.firstMatch(in: name, options: .anchored, range: NSRange(name.startIndex..., in: name)) != nil
    }
}
