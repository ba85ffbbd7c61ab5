import TraceFormat

extension Recording {
    /// The comm of each task at a given time: `queries` maps a tid (or tgid, whose main thread
    /// has the same id) to a CLOCK_MONOTONIC time. Replays the process tables once, in time
    /// order, so an aggregate that only kept "last seen" times per task gets the name that task
    /// had then, as a live tool reading `current->comm` at that event would have.
    public func comms(at queries: [Int64: Int64]) throws -> [Int64: String] {
        var pending = queries.map { (tid: $0.key, ts: $0.value) }.sorted { ($0.ts, $0.tid) < ($1.ts, $1.tid) }[...]
        var tracker = ProcessTracker()
        var out: [Int64: String] = [:]
        try scanMerged(ProcessTracker.sources) { row in
            // A query at time t sees every process event before t (ties: events first, as a
            // rename or exec at the same nanosecond precedes a syscall returning after it).
            while let q = pending.first, q.ts < row.ts {
                if let c = tracker.comm(q.tid) { out[q.tid] = c }
                pending = pending.dropFirst()
            }
            tracker.apply(source: row.source, batch: row.batch, row: row.row)
        }
        for q in pending {
            if let c = tracker.comm(q.tid) { out[q.tid] = c }
        }
        return out
    }
}
