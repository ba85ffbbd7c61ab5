import TraceAnalysis
import TraceReport

/// compare's samples of a stack profile: each stack's weight (samples, us off CPU) at the
/// times it accrued, keyed by the stack as its tool's folded form names it (the task's name,
/// user frames outermost first, `-` with -d, kernel frames). Pids and tids are not part of the
/// key: two runs of one workload have other ones, and the same comm and frames are one stack.
enum StackSamples {
    /// The samples of `events` (each at its time, of its tool's key, with its weight), each key
    /// named by `name` with the time it was first seen (user frames are named with the maps of
    /// that time); keys given one name (other pids, one comm and stack) are one stack.
    static func named<Key: Hashable>(_ rec: Recording, bins: Int, _ events: [(ts: Int64, key: Key, weight: UInt64)],
                                     name: (Key, _ firstSeen: Int64) -> String) -> NamedSamples {
        var samples = KeyedSamples(start: rec.effectiveStart, end: rec.effectiveEnd, binCount: bins, hasValues: false)
        var ids: [Key: Int64] = [:], names: [Int64: String] = [:], byName: [String: Int64] = [:]
        for e in events {
            let id: Int64
            if let known = ids[e.key] { id = known } else {
                let n = name(e.key, e.ts)
                id = byName[n] ?? Int64(byName.count)
                byName[n] = id
                names[id] = n
                ids[e.key] = id
            }
            samples.add(key: id, ts: e.ts, weight: e.weight)
        }
        return NamedSamples(samples) { names[$0]! }
    }

    /// A stack's name: its folded line without the value. Kernel frames carry `_[k]` (as
    /// `profile -a` prints them) so that a differential folded file keeps which half a frame
    /// came from: flamegraph.pl --color=java and `bpfan flamegraph --diff` colour them by it.
    static func name(comm: String, kernel: [String]?, user: [String]?, delimited: Bool) -> String {
        let annotated = kernel?.map { $0.hasSuffix("_[k]") ? $0 : $0 + "_[k]" }
        let item = StackItem(labels: [], kernel: annotated, user: user, value: .int(0), unit: .count,
                             style: .folded(prefix: comm, delimited: delimited, value: ""), root: comm)
        return FlameGraphFile.frames(item).map(\.name).joined(separator: ";")
    }

    /// The differential folded file of two recordings' stacks, as difffolded.pl writes one
    /// (`stack base new`, a line per stack of either): NEW's weights as recorded, BASE's scaled
    /// to NEW's duration (difffolded.pl -n scales to NEW's total instead; by duration, a
    /// stack that grew does not make every other one look as if it shrank). Integers, as -n
    /// writes them; stacks in byte order. Several runs per side are summed, over their summed
    /// durations.
    static func differentialFolded(base: [NamedSamples], new: [NamedSamples]) -> String {
        func seconds(_ runs: [NamedSamples]) -> Double { runs.reduce(0) { $0 + $1.seconds } }
        func count(_ runs: [NamedSamples], _ name: String) -> UInt64 { runs.reduce(0) { $0 + ($1.series[name]?.count ?? 0) } }
        let scale = seconds(new) / seconds(base)
        var names = Set<String>()
        for run in base + new { names.formUnion(run.series.keys) }
        var text = ""
        for name in names.sorted() {
            let b = Double(count(base, name)) * scale
            text += "\(name) \(UInt64(b.rounded())) \(count(new, name))\n"
        }
        return text
    }
}

/// offcputime in compare: each stack's off-CPU microseconds at the ends of its spans, from the
/// tool's own span derivation (its flags filter them as they filter its output).
extension Offcputime: ComparableTool {
    public var measured: String? { nil }
    public var ratesDecide: Bool { true }
    public var keyHeading: String { "stack" }
    public var stackWeight: (name: String, unit: String)? { ("off-CPU time", "us/s") }

    public func samples(_ rec: Recording, bins: Int) throws -> NamedSamples {
        try validate(numbers: [])
        let ksyms = try KernelSymbols.load(rec.file)
        var spans: [(ts: Int64, key: OffCpuTracker.Key, weight: UInt64)] = []
        _ = try forEachSpan(rec, end: nil, ksyms: ksyms) { ts, key, us in spans.append((ts, key, us)) }
        let usyms = flags.kernelStacksOnly ? nil : try UserSymbols.load(rec, pids: Set(spans.map(\.key.tgid)))
        let delimited = flags.needDelimiter
        return StackSamples.named(rec, bins: bins, spans) { key, at in
            let f = frames(key, at: at, ksyms: ksyms, usyms: usyms)
            return StackSamples.name(comm: key.comm, kernel: f.kernel, user: f.user, delimited: delimited)
        }
    }
}

/// profile in compare: each stack's cpu-clock samples at their times, from the tool's own
/// sample selection (-F, -p, -L, -C, -I as the tool takes them).
extension Profile: ComparableTool {
    public var measured: String? { nil }
    public var ratesDecide: Bool { true }
    public var keyHeading: String { "stack" }
    public var stackWeight: (name: String, unit: String)? { ("CPU samples", "samples/s") }

    public func samples(_ rec: Recording, bins: Int) throws -> NamedSamples {
        // Notes about the sampling rate are the tool's to print; compare reports rates.
        var notes = ToolOutput()
        var seen: [(ts: Int64, key: Key, weight: UInt64)] = []
        _ = try forEachSample(rec, end: nil, into: &notes) { ts, key in seen.append((ts, key, 1)) }
        let (ksyms, usyms) = try symbols(rec, pids: Set(seen.map(\.key.tgid)), into: &notes)
        let delimited = self.delimited && !(kernelStacksOnly || userStacksOnly)
        return StackSamples.named(rec, bins: bins, seen) { key, at in
            let f = frames(key, at: at, ksyms: ksyms, usyms: usyms)
            return StackSamples.name(comm: String(decoding: key.comm, as: UTF8.self), kernel: f.kernel, user: f.user, delimited: delimited)
        }
    }
}
