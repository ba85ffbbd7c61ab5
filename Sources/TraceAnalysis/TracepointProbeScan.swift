import TraceFormat

/// A tracepoint source and the columns its probe's expressions read.
public struct TracepointProbeInput {
    public let source: TracepointSource
    public let columns: TracepointColumns
    public init(source: TracepointSource, columns: TracepointColumns) {
        self.source = source
        self.columns = columns
    }
}

/// One event delivered to a probe: the probe's index, the event's time, its row.
public struct TracepointHit {
    public let probe: Int
    /// When the event happened (a sys_exit served by its call's row: ts + duration).
    public let time: Int64
    public let row: TracepointRow
}

extension Recording {
    /// Streams the events of several probes in time order, each with its task's comm when one
    /// of the probe's expressions asked for it. A sys_exit served by its call's row (stored at
    /// the call's entry) waits until the scan has passed its exit time. Rows that are another
    /// event of a shared table, and calls without an entry for probes that need one, are skipped.
    ///
    /// Probes that share a TracepointColumns (the same table) share one scan of it: a
    /// `syscalls:sys_enter_*` program reads the syscall table once, and each row goes to the
    /// probes of its syscall number.
    public func scanTracepoints(_ probes: [TracepointProbeInput], filter: ScanFilter = .none, _ body: (TracepointHit) throws -> Void) throws {
        let plan = TracepointScanPlan(probes)
        let needsComm = plan.plans.contains { $0.tidSlot != nil }
        let trackerSources = needsComm ? ProcessTracker.sources : []
        let plans = plan.plans, groups = plan.groups
        // Entry tables of paired probes: each one's last row per thread waits for its exit.
        var entrySources: [ScanSource] = []
        for (i, p) in probes.enumerated() where plans[i].pairing != nil {
            plans[i].pairing!.entries = entrySources.count
            entrySources.append(ScanSource(p.source.entryTable!, p.columns.entryColumns!.names))
        }
        var lastEntry = [[Int64: (batch: Batch, row: Int)]](repeating: [:], count: entrySources.count)
        let entryTid = probes.indices.filter { plans[$0].pairing != nil }.map { probes[$0].columns.entryColumns!.slot("tid") }
        // The probes' tables (and their entry tables) first: on a tie in time their rows come before the process
        // tables'. process_exec's ts is the execve's entry, and sys_enter_execve at that same
        // nanosecond still sees the old comm, as the live tracepoint does.
        let sources = groups.map { ScanSource($0.table, $0.columns.names) } + entrySources + trackerSources
        let trackerBase = groups.count + entrySources.count
        var tracker = ProcessTracker(for: self)
        // Each thread's comm as bytes, valid until the tracker next changes: most rows are not
        // process events, and converting the tracker's String on every row was the scan's cost.
        var commBytes: [Int64: [UInt8]] = [:]
        var later = PendingHits()
        try scanMerged(sources, filter: filter) { merged in
            // Every row from here on happens at merged.ts or after: exits before it are due.
            while let due = later.popIfDue(before: merged.ts) { try body(due) }
            if merged.source >= trackerBase {
                tracker.apply(source: merged.source - trackerBase, batch: merged.batch, row: merged.row)
                if !commBytes.isEmpty { commBytes.removeAll(keepingCapacity: true) }
                return
            }
            if merged.source >= groups.count {
                let k = merged.source - groups.count
                lastEntry[k][merged.int(entryTid[k])] = (merged.batch, merged.row)
                return
            }
            var comm: [UInt8]?
            try plan.forEachTarget(group: merged.source, batch: merged.batch, row: merged.row) { index, plan in
                var entry: (batch: Batch, row: Int)?
                if let pairing = plan.pairing {
                    // An exit without its enter (the call began before the recording) is skipped.
                    guard let e = lastEntry[pairing.entries].removeValue(forKey: merged.int(pairing.tid)) else { return }
                    entry = e
                }
                let time = merged.ts &+ (plan.exitSlot.map { merged.int($0) } ?? 0)
                var rowComm: [UInt8] = []
                if let c = plan.commSlot {
                    rowComm = merged.batch.orderedBlobs[c][merged.row]
                } else if let t = plan.tidSlot {
                    if comm == nil {
                        let tid = merged.int(t)
                        if let known = commBytes[tid] { comm = known } else {
                            let bytes = Array((tracker.comm(tid) ?? "").utf8)
                            commBytes[tid] = bytes
                            comm = bytes
                        }
                    }
                    rowComm = comm ?? []
                }
                let hit = TracepointHit(probe: index, time: time, row: TracepointRow(batch: merged.batch, row: merged.row, comm: rowComm, entry: entry))
                if plan.exitSlot != nil { later.push(hit) } else { try body(hit) }
            }
        }
        while let due = later.popIfDue(before: Int64.max) { try body(due) }
    }
}

/// Hits that happened after the row that carries them (exits stored at their call's entry),
/// by time then arrival: a binary min-heap.
struct PendingHits {
    private var heap: [(time: Int64, seq: Int, hit: TracepointHit)] = []
    private var seq = 0

    mutating func push(_ hit: TracepointHit) {
        heap.append((hit.time, seq, hit))
        seq += 1
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(i, parent) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    /// The earliest hit if it happened before `t` (all of them for Int64.max).
    mutating func popIfDue(before t: Int64) -> TracepointHit? {
        guard let first = heap.first, first.time < t || t == Int64.max else { return nil }
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count, less(l, m) { m = l }
            if r < heap.count, less(r, m) { m = r }
            if m == i { break }
            heap.swapAt(i, m)
            i = m
        }
        return first.hit
    }

    private func less(_ a: Int, _ b: Int) -> Bool { (heap[a].time, heap[a].seq) < (heap[b].time, heap[b].seq) }
}
