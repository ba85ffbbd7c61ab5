import Foundation
import TraceFormat

extension Recording {
    /// Whether `foldTracepoints` can serve these probes: all but those that pair an exit with
    /// its thread's previous entry row, which only the time-ordered scan finds.
    public static func canFoldUnordered(_ probes: [TracepointProbeInput]) -> Bool {
        probes.allSatisfy { !($0.source.entryTable != nil && $0.columns.entryColumns != nil) }
    }

    /// The probes' events as `scanTracepoints` delivers them, but on all cores and in no order,
    /// for consumers whose result does not depend on it (aggregations): each chunk's rows go to
    /// one of `workers` (one per core is enough), which no other thread uses meanwhile; the
    /// caller merges them after. A comm read is the comm the thread had at the event's time,
    /// from the process tables replayed once before (CommTimeline).
    public func foldTracepoints<Worker: TracepointFolding>(_ probes: [TracepointProbeInput], filter: ScanFilter = .none, workers: [Worker]) throws {
        precondition(Self.canFoldUnordered(probes), "foldTracepoints: a paired probe needs scanTracepoints")
        let plan = UncheckedPlan(plan: TracepointScanPlan(probes))
        let timeline = try plan.plan.plans.contains { $0.tidSlot != nil } ? commTimeline() : CommTimeline()
        var items: [(chunk: ChunkInfo, group: Int)] = []
        for (g, group) in plan.plan.groups.enumerated() {
            items += plannedChunks(table: group.table, filter: filter).map { ($0, g) }
        }
        let columns = plan.plan.groups.map { $0.columns.names }, tables = plan.plan.groups.map(\.table)
        let pool = WorkerPool<Worker>(workers)
        try inChunkGroups(items.map { UncheckedItem(chunk: $0.chunk, group: $0.group) }, { item in
            let batch = try self.decode(item.chunk, table: tables[item.group], columns: columns[item.group], filter: filter)
            let worker = pool.take()
            defer { pool.give(worker) }
            worker.begin(batch)
            let ts = batch.ordered[0]  // "ts" is every TracepointColumns' first column
            // This chunk's comms, each copied once for this thread (an array shared by every core
            // would have its reference count bounce between them), by index in `table`.
            var table: [[UInt8]] = [[]]
            var spans: [Int64: (index: Int32, from: Int64, until: Int64)] = [:]
            var last: (tid: Int64, index: Int32, from: Int64, until: Int64) = (-1, 0, 0, -1)
            func commIndex(_ tid: Int64, at t: Int64) -> Int32 {
                if tid == last.tid, last.from < t, t <= last.until { return last.index }
                if let known = spans[tid], known.from < t, t <= known.until {
                    last = (tid, known.index, known.from, known.until)
                    return known.index
                }
                let span = timeline.span(tid, at: t)
                table.append(span.comm.withUnsafeBufferPointer { Array($0) })
                let index = Int32(table.count - 1)
                spans[tid] = (index, span.from, span.until)
                last = (tid, index, span.from, span.until)
                return index
            }
            let group = plan.plan.groups[item.group]
            let ints = batch.ordered
            let targets = group.probes.map { Target(probe: $0, plan.plan.plans[$0]) }
            // Per target (by position in the group), its events in this chunk.
            var events = [TracepointEvents](repeating: TracepointEvents(), count: targets.count)
            func add(_ k: Int, _ row: Int) {
                let t = targets[k]
                events[k].rows.append(row)
                events[k].times.append(ts[row] &+ (t.exitSlot >= 0 ? ints[t.exitSlot][row] : 0))
                if t.commSlot >= 0 {
                    table.append(batch.orderedBlobs[t.commSlot][row])
                    events[k].comms.append(Int32(table.count - 1))
                } else if t.tidSlot >= 0 {
                    events[k].comms.append(commIndex(ints[t.tidSlot][row], at: ts[row]))
                }
            }
            if group.keySlot == nil, targets.count == 1, targets[0].checks.isEmpty {
                // The common case, one probe whose rows are all its events but unpaired ones
                // (raw_syscalls:sys_enter…): no per-row lookup.
                let u = targets[0].unpairedSlot
                for row in 0..<batch.count where u < 0 || ints[u][row] == 0 { add(0, row) }
            } else {
                // The plan's own routing (selecting column, row checks, unpaired rows).
                var position = [Int: Int]()
                for (k, t) in targets.enumerated() { position[t.probe] = k }
                for row in 0..<batch.count {
                    plan.plan.forEachTarget(group: item.group, batch: batch, row: row) { index, _ in add(position[index]!, row) }
                }
            }
            for (k, e) in events.enumerated() where !e.rows.isEmpty {
                try worker.visit(probe: targets[k].probe, events: e, comms: table)
            }
        }) { _, _ in }
    }
}

/// What folds the events of one chunk at a time for `foldTracepoints`: `begin` gives the
/// chunk's rows, then `visit` each probe's events among them, all at once (a call per event,
/// with a row value built for it, cost more than the probe's work).
public protocol TracepointFolding: AnyObject, Sendable {
    func begin(_ batch: Batch)
    /// `comms`: the chunk's comms, which `events.comms` index.
    func visit(probe: Int, events: TracepointEvents, comms: [[UInt8]]) throws
}

/// One probe's events in a chunk: the rows, when each happened, and (when the probe reads
/// comm) the index of each one's comm.
public struct TracepointEvents: Sendable {
    public var rows: [Int] = []
    public var times: [Int64] = []
    /// Empty when the probe does not read comm.
    public var comms: [Int32] = []
}

/// One probe's plan as plain values (-1: none), for the rows of a chunk.
private struct Target {
    let probe: Int
    let checks: [(slot: Int, values: Set<Int64>)]
    /// Only read by the one-probe loop; every other case routes rows by the plan.
    let unpairedSlot: Int
    let exitSlot: Int
    let tidSlot: Int
    let commSlot: Int

    init(probe: Int, _ p: TracepointScanPlan.Plan) {
        self.probe = probe
        checks = p.rowChecks
        unpairedSlot = p.unpairedSlot ?? -1
        exitSlot = p.exitSlot ?? -1
        tidSlot = p.tidSlot ?? -1
        commSlot = p.commSlot ?? -1
    }
}

/// The plan, read by every worker: its classes are built before the scan and never changed.
private struct UncheckedPlan: @unchecked Sendable { let plan: TracepointScanPlan }
private struct UncheckedItem: @unchecked Sendable { let chunk: ChunkInfo; let group: Int }

/// The workers not in use; a thread that finds none waits for one.
private final class WorkerPool<Worker: TracepointFolding>: @unchecked Sendable {
    // @unchecked: `idle` is touched only under the condition's lock.
    private let condition = NSCondition()
    private var idle: [Worker]

    init(_ workers: [Worker]) {
        precondition(!workers.isEmpty, "foldTracepoints needs a worker")
        idle = workers
    }

    func take() -> Worker {
        condition.lock()
        defer { condition.unlock() }
        while idle.isEmpty { condition.wait() }
        return idle.removeLast()
    }

    func give(_ w: Worker) {
        condition.lock()
        idle.append(w)
        condition.signal()
        condition.unlock()
    }
}
