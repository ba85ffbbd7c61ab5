import Foundation
import OfflineBpftrace
import TraceAnalysis
import TraceReport

/// compare's samples of a bt program: its maps' entries, each key as the map prints it
/// (`@bytes[comm]`). count() and sum() entries are rates: every event's count (1) or value
/// weighs in its interval, so the noise is the variation between intervals as for syscount.
/// hist(), lhist(), stats(), avg(), min() and max() entries are distributions of the raw values
/// the program gave them (the interpreter logs each one; the buckets are never used), tested
/// with Mann-Whitney U as every other distribution.
///
/// What is compared is every value given to a map over the recording: what END prints, unless
/// the program clear()s, zero()es or delete()s entries on the way.
extension Bt: ComparableTool {
    public var measured: String? { "bt maps" }
    public var ratesDecide: Bool { false }
    public var keyHeading: String { "map" }
    public static var takesArguments: Bool { true }

    public func samples(_ rec: Recording, bins: Int) throws -> NamedSamples {
        if list { throw AnalysisError("-l lists probes; there is nothing to compare") }
        var args = positionals
        let source: String, name: String
        if let program { (source, name) = (program, "program") } else {
            guard let file = args.first else { throw AnalysisError("give a program with -e 'PROGRAM', or a .bt file") }
            guard let data = FileManager.default.contents(atPath: file) else { throw AnalysisError("\(file): cannot read the program") }
            (source, name) = (String(decoding: data, as: UTF8.self), file)
            args.removeFirst()
        }
        if args.first == "--" { args.removeFirst() }
        let log = BtAggregationLog()
        var out = ToolOutput(mode: .text)
        do {
            try BtInterpreter.run(try BtParser.parse(source), rec, positionals: args, tool: Self.toolName, log: log, into: &out)
        } catch let e as BtError {
            throw AnalysisError("\(name):\(e)")
        }
        if out.failed { throw AnalysisError(out.stderr.first ?? "\(name): the program failed") }
        let (start, end) = (rec.effectiveStart, rec.effectiveEnd)
        var counts = KeyedSamples(start: start, end: end, binCount: bins, hasValues: false)
        var values = KeyedSamples(start: start, end: end, binCount: bins, hasValues: true)
        var names: [Int64: String] = [:]
        for (i, s) in log.series.enumerated() {
            let id = Int64(i)
            names[id] = s.key
            switch s.function {
            case "count", "sum":
                for (t, v) in zip(s.times, s.values) {
                    guard v >= 0 else { throw AnalysisError("\(s.key): sum() of a negative value (\(v)) has no rate to compare") }
                    counts.add(key: id, ts: t, weight: UInt64(v))
                }
            default:
                for (t, v) in zip(s.times, s.values) { values.add(key: id, ts: t, value: v) }
            }
        }
        var joined = NamedSamples(values) { names[$0]! }
        for var s in NamedSamples(counts, name: { names[$0]! }).series.values {
            s.counted = true
            joined.series[s.name] = s
        }
        for n in joined.series.keys { joined.series[n]!.unit = .number }
        return joined
    }
}
