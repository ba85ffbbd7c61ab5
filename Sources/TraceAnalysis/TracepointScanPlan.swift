import TraceFormat

/// How the rows of the probes' tables reach the probes, shared by the time-ordered scan
/// (`scanTracepoints`) and the unordered one (`foldTracepoints`): one group per table read,
/// and per probe the checks that say whether a row of its table is its event.
struct TracepointScanPlan {
    /// Classes, not structs: the scans touch them once per row, and copying a struct of
    /// arrays out of an array costs a reference count per field.
    final class Plan {
        let rowChecks: [(slot: Int, values: Set<Int64>)]
        let unpairedSlot: Int?
        let exitSlot: Int?
        /// The row's tid, for the tracker's comm, when the probe reads comm and the row has none.
        let tidSlot: Int?
        /// The row's own comm column, read instead of the tracker's (TracepointSource.commColumn).
        let commSlot: Int?
        /// The probe's entry pairing (a generic sys_exit_X reading its sys_enter_X): the
        /// index of its entry scan and the exit row's tid slot.
        var pairing: (entries: Int, tid: Int)?
        init(rowChecks: [(slot: Int, values: Set<Int64>)], unpairedSlot: Int?, exitSlot: Int?, tidSlot: Int?, commSlot: Int?, pairing: (entries: Int, tid: Int)?) {
            self.rowChecks = rowChecks
            self.unpairedSlot = unpairedSlot
            self.exitSlot = exitSlot
            self.tidSlot = tidSlot
            self.commSlot = commSlot
            self.pairing = pairing
        }
    }

    /// The probes reading one scan of a table, indexed by the one column they select rows on
    /// when they all select on the same one.
    final class Group {
        let columns: TracepointColumns
        let table: String
        var probes: [Int] = []
        var keySlot: Int?
        var byKey: [Int64: [Int]] = [:]
        init(columns: TracepointColumns, table: String, probes: [Int]) {
            self.columns = columns
            self.table = table
            self.probes = probes
        }
    }

    let plans: [Plan]
    let groups: [Group]

    init(_ probes: [TracepointProbeInput]) {
        var plans: [Plan] = []
        var groups: [Group] = []
        for (i, p) in probes.enumerated() {
            var checks: [(slot: Int, values: Set<Int64>)] = []
            for (column, values) in p.source.rowValues.sorted(by: { $0.key < $1.key }) { checks.append((p.columns.slot(column), values)) }
            let unpaired = p.columns.needsEntry || p.source.unpairedRowsAreNotThisEvent ? p.source.unpairedColumn.map { p.columns.slot($0) } : nil
            let exit = p.source.exitOffsetColumn.map { p.columns.slot($0) }
            let commSlot = p.columns.needsComm ? p.source.commColumn.map { p.columns.slot($0) } : nil
            let tid = p.columns.needsComm && commSlot == nil ? p.columns.slot("tid") : nil
            plans.append(Plan(rowChecks: checks, unpairedSlot: unpaired, exitSlot: exit, tidSlot: tid, commSlot: commSlot,
                              pairing: p.source.entryTable != nil && p.columns.entryColumns != nil ? (-1, p.columns.slot("tid")) : nil))
            if let g = groups.firstIndex(where: { $0.columns === p.columns }) { groups[g].probes.append(i) } else {
                groups.append(Group(columns: p.columns, table: p.source.table, probes: [i]))
            }
        }
        for g in groups {
            let checks = g.probes.map { plans[$0].rowChecks }
            guard checks.allSatisfy({ $0.count == 1 }), Set(checks.map { $0[0].slot }).count == 1 else { continue }
            g.keySlot = checks[0][0].slot
            for (probe, c) in zip(g.probes, checks) {
                for v in c[0].values { g.byKey[v, default: []].append(probe) }
            }
        }
        self.plans = plans
        self.groups = groups
    }

    /// Calls `body` with each probe of `group` whose event row `row` of `batch` is: rows of
    /// another event of a shared table, and unpaired rows where they are not the event, are not.
    @inline(__always)
    func forEachTarget(group index: Int, batch: Batch, row: Int, _ body: (Int, Plan) throws -> Void) rethrows {
        let group = groups[index]
        let ints = batch.ordered
        let targets = group.keySlot.map { group.byKey[ints[$0][row]] ?? [] } ?? group.probes
        for probe in targets {
            let plan = plans[probe]
            if group.keySlot == nil, plan.rowChecks.contains(where: { !$0.values.contains(ints[$0.slot][row]) }) { continue }
            if let u = plan.unpairedSlot, ints[u][row] != 0 { continue }
            try body(probe, plan)
        }
    }
}
