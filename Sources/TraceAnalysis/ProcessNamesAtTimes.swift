import TraceFormat

extension Recording {
    /// The comm of each task at a given time: `queries` maps a tid (or tgid, whose main thread
    /// has the same id) to a CLOCK_MONOTONIC time. Replays the process tables once, in time
    /// order, so an aggregate that only kept "last seen" times per task gets the name that task
    /// had then, as a live tool reading `current->comm` at that event would have.
    public func comms(at queries: [Int64: Int64]) throws -> [Int64: String] {
        // A query at time t sees every process event before t (ties: events first, as a
        // rename or exec at the same nanosecond precedes a syscall returning after it).
        let timeline = try commTimeline()
        var out: [Int64: String] = [:]
        for (tid, ts) in queries {
            if let c = timeline.knownComm(tid, through: ts) { out[tid] = String(decoding: c, as: UTF8.self) }
        }
        return out
    }
}
