import TraceAnalysis

/// compare's samples of syscount: every counted call at its exit, per syscall (or per process
/// with -P), with its latency when -L is given.
extension Syscount: ComparableTool {
    public var measured: String? { latency ? "syscall latency" : nil }
    public var ratesDecide: Bool { true }
    public var keyHeading: String { byProcess ? "pid" : "syscall" }

    public func samples(_ rec: Recording, bins: Int) throws -> NamedSamples {
        let selection = try self.selection(rec)
        if list { throw AnalysisError("-l lists syscalls; there is nothing to compare") }
        let (byProcess, latency) = (self.byProcess, self.latency)
        let (start, end) = (rec.effectiveStart, rec.effectiveEnd)
        struct Partial: Sendable {
            var samples: KeyedSamples
            var lastSeen: [Int64: Int64] = [:]
        }
        let counted = try rec.aggregate(SyscallRow.self, reading: selection.reading, filter: selection.filter,
            initial: { Partial(samples: KeyedSamples(start: start, end: end, binCount: bins, hasValues: latency)) },
            fold: { part, b in
                selection.forEachCounted(b) { key, exit, duration in
                    part.samples.add(key: key, ts: exit, value: duration)
                    if byProcess && exit >= start && exit < end { part.lastSeen[key] = max(part.lastSeen[key] ?? exit, exit) }
                }
            },
            merge: { total, part in
                total.samples.merge(part.samples)
                for (key, t) in part.lastSeen { total.lastSeen[key] = max(total.lastSeen[key] ?? t, t) }
            })
        var samples = counted.samples
        if byProcess {
            for (pid, comm) in try rec.comms(at: counted.lastSeen) { samples.detail(key: pid, comm) }
        }
        return NamedSamples(samples) { byProcess ? String($0) : name($0, rec) }
    }
}
