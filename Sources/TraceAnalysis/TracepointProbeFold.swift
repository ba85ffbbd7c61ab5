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
            // This chunk's comms, copied for this thread: an array shared by every core would
            // have its reference count bounce between them on every row.
            var comms: [Int64: (comm: [UInt8], from: Int64, until: Int64)] = [:]
            var last: (tid: Int64, comm: [UInt8], from: Int64, until: Int64) = (-1, [], 0, -1)
            func comm(_ tid: Int64, at t: Int64) -> [UInt8] {
                if tid == last.tid, last.from < t, t <= last.until { return last.comm }
                var c: (comm: [UInt8], from: Int64, until: Int64)
                if let known = comms[tid], known.from < t, t <= known.until { c = known } else {
                    c = timeline.span(tid, at: t)
                    c.comm = c.comm.withUnsafeBufferPointer { Array($0) }
                    comms[tid] = c
                }
                last = (tid, c.comm, c.from, c.until)
                return c.comm
            }
            let group = plan.plan.groups[item.group]
            let ints = batch.ordered
            // Without a selecting column, every row goes to the same probes: their plans as
            // plain values, read per row without touching the shared plan objects.
            let fixed: [Target]? = group.keySlot == nil ? group.probes.map { Target(probe: $0, plan.plan.plans[$0]) } : nil
            // The common case, one probe taking every row (raw_syscalls:sys_enter…): a loop with
            // nothing to look up per row.
            if let fixed, fixed.count == 1, fixed[0].checks.isEmpty, fixed[0].unpairedSlot < 0 {
                let t = fixed[0]
                for row in 0..<batch.count {
                    let rowComm = t.commSlot >= 0 ? batch.orderedBlobs[t.commSlot][row] : t.tidSlot >= 0 ? comm(ints[t.tidSlot][row], at: ts[row]) : []
                    try worker.visit(probe: t.probe, row: row, time: ts[row] &+ (t.exitSlot >= 0 ? ints[t.exitSlot][row] : 0), comm: rowComm)
                }
                return
            }
            for row in 0..<batch.count {
                if let fixed {
                    for k in fixed.indices where fixed[k].takes(ints, row) {
                        let t = fixed[k]
                        let rowComm = t.commSlot >= 0 ? batch.orderedBlobs[t.commSlot][row] : t.tidSlot >= 0 ? comm(ints[t.tidSlot][row], at: ts[row]) : []
                        try worker.visit(probe: t.probe, row: row, time: ts[row] &+ (t.exitSlot >= 0 ? ints[t.exitSlot][row] : 0), comm: rowComm)
                    }
                    continue
                }
                try plan.plan.forEachTarget(group: item.group, batch: batch, row: row) { index, p in
                    let time = ts[row] &+ (p.exitSlot.map { ints[$0][row] } ?? 0)
                    var rowComm: [UInt8] = []
                    if let c = p.commSlot { rowComm = batch.orderedBlobs[c][row] } else if let t = p.tidSlot { rowComm = comm(ints[t][row], at: ts[row]) }
                    try worker.visit(probe: index, row: row, time: time, comm: rowComm)
                }
            }
        }) { _, _ in }
    }
}

/// What folds the events of one chunk at a time for `foldTracepoints`: `begin` gives the
/// chunk's rows, then `visit` each event of them, by row index (no row value is built per
/// event: that cost reference counts on the batch).
public protocol TracepointFolding: AnyObject, Sendable {
    func begin(_ batch: Batch)
    func visit(probe: Int, row: Int, time: Int64, comm: [UInt8]) throws
}

/// One probe's plan as plain values (-1: none), for the rows of a chunk.
private struct Target {
    let probe: Int
    let checks: [(slot: Int, values: Set<Int64>)]
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

    @inline(__always) func takes(_ ints: [[Int64]], _ row: Int) -> Bool {
        if unpairedSlot >= 0, ints[unpairedSlot][row] != 0 { return false }
        return checks.isEmpty || checks.allSatisfy { $0.values.contains(ints[$0.slot][row]) }
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
