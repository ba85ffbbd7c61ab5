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
    /// Streams the events of several probes in time order (a sys_exit served by its call's
    /// row comes in its call's entry order), each with its task's comm when one of the
    /// probe's expressions asked for it. Rows that are another event of a shared table, and
    /// calls without an entry for probes that need one, are skipped.
    public func scanTracepoints(_ probes: [TracepointProbeInput], filter: ScanFilter = .none, _ body: (TracepointHit) throws -> Void) throws {
        let needsComm = probes.contains { $0.columns.needsComm }
        let trackerSources = needsComm ? ProcessTracker.sources : []
        struct Plan {
            var rowChecks: [(slot: Int, values: Set<Int64>)]
            var unpairedSlot: Int?
            var exitSlot: Int?
            var tidSlot: Int?
        }
        var plans: [Plan] = []
        for p in probes {
            var checks: [(slot: Int, values: Set<Int64>)] = []
            for (column, values) in p.source.rowValues.sorted(by: { $0.key < $1.key }) { checks.append((p.columns.slot(column), values)) }
            let unpaired = p.columns.needsEntry ? p.source.unpairedColumn.map { p.columns.slot($0) } : nil
            let exit = p.source.exitOffsetColumn.map { p.columns.slot($0) }
            let tid = p.columns.needsComm ? p.columns.slot("tid") : nil
            plans.append(Plan(rowChecks: checks, unpairedSlot: unpaired, exitSlot: exit, tidSlot: tid))
        }
        let sources = trackerSources + probes.map { ScanSource($0.source.table, $0.columns.names) }
        var tracker = ProcessTracker()
        try scanMerged(sources, filter: filter) { merged in
            if merged.source < trackerSources.count {
                tracker.apply(source: merged.source, batch: merged.batch, row: merged.row)
                return
            }
            let index = merged.source - trackerSources.count
            let plan = plans[index]
            for check in plan.rowChecks where !check.values.contains(merged.int(check.slot)) { return }
            if let u = plan.unpairedSlot, merged.int(u) != 0 { return }
            let time = merged.ts &+ (plan.exitSlot.map { merged.int($0) } ?? 0)
            let comm = plan.tidSlot.map { Array((tracker.comm(merged.int($0)) ?? "").utf8) } ?? []
            try body(TracepointHit(probe: index, time: time, row: TracepointRow(batch: merged.batch, row: merged.row, comm: comm)))
        }
    }
}
