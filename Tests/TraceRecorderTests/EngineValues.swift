import Foundation
import TraceAnalysis

/// The per-event values behind bpfan's latency outputs, taken from the recording with the
/// pairings the tools run (the differential test first checks that they give bpfan's printed
/// output exactly, then compares them with the live tool's, event by event where the live tool
/// prints events and bucket by bucket where it prints a histogram), with each end's timestamp
/// and marker key (MarkerProbe).
struct EngineValues {
    let rec: Recording

    init(path: String) throws { rec = try Recording(path: path) }

    /// Timestamps of rows of `table` whose integer column `column` is `value`.
    private func times(_ table: String, _ column: String, _ value: Int64) throws -> Set<Int64> {
        let r = try Rows(rec.file, table)
        return Set(r.rows(where: column, is: value).map { r.int("ts", $0) })
    }

    /// runqlat -p / runqslower -p: run-queue latencies of the process's tasks, from a wakeup,
    /// a new task's wakeup or a preemption to the switch-in (runqslower's: a wait within its
    /// threshold keeps its stamp, `keepWithinMicros`).
    func runQueueLatencies(tgid: Int64, keepWithinMicros: Int64? = nil) throws -> [TimedValue] {
        let pairing = RunQueuePairing(rule: .taskStateRunning, tgid: tgid, keepWithinMicros: keepWithinMicros)
        let wakeups = try times("sched_wakeup", "target_pid", tgid), newWakeups = try times("sched_wakeup_new", "target_pid", tgid)
        return try rec.scanPaired(pairing.sources(), initial: { [TimedValue]() }, ops: { pairing.ops($0, &$1) }, matched: { out, row, m in
            guard RunQueuePairing.latency(row, m) != nil else { return }
            out.append(TimedValue(start: m.start, end: row.ts, startKey: wakeups.contains(m.start) ? "w" : newWakeups.contains(m.start) ? "n" : "o", endKey: "i"))
        }, merge: { $0 += $1 })
    }

    /// cpudist -p (on-CPU: switch-in to switch-out) and the off-CPU spans of offcputime -p.
    func cpuSpans(tgid: Int64, offCPU: Bool) throws -> [TimedValue] {
        let pairing = CpuTimePairing(mode: offCPU ? .offCPU : .onCPU, tgid: tgid)
        return try rec.scanPaired(pairing.sources(), initial: { [TimedValue]() }, ops: { pairing.ops($0, &$1) }, matched: { out, row, m in
            guard CpuTimePairing.span(row, m) != nil else { return }
            out.append(TimedValue(start: m.start, end: row.ts, startKey: offCPU ? "o" : "i", endKey: offCPU ? "i" : "o"))
        }, merge: { $0 += $1 })
    }

    /// biolatency -d DISK [-Q] [-F]: request latencies from issue (or insert, with -Q, for
    /// requests that were inserted) to completion, grouped by biolatency -F's flags label.
    func blockLatencies(disk: String, queued: Bool, perFlag: Bool) throws -> [TimedValue] {
        guard let dev = rec.blockDevices.first(where: { $0.value == disk })?.key else { return [] }
        let inserts = queued ? try times("block_rq_insert", "dev", Int64(dev)) : []
        let cols = ["ts", "rq", "dev", "cmd_flags", "sector"]
        let sources = (queued ? [ScanSource("block_rq_insert", cols)] : []) + [ScanSource("block_rq_issue", cols), ScanSource("block_rq_complete", cols)]
        let issue = queued ? 1 : 0
        return try rec.scanPaired(sources, initial: { [TimedValue]() }, ops: { row, ops in
            if row.source <= issue {
                guard UInt32(truncatingIfNeeded: row.int(2)) == dev else { return }
                if row.source == issue && queued { ops.setIfAbsent(row.int(1), row.ts) } else { ops.set(row.int(1), row.ts) }
            } else {
                ops.take(row.int(1))
            }
        }, matched: { out, row, m in
            guard row.ts >= m.start else { return }
            let sector = UInt64(bitPattern: row.int(4))
            out.append(TimedValue(start: m.start, end: row.ts, startKey: (inserts.contains(m.start) ? "q" : "s") + String(sector), endKey: "c" + String(sector),
                                  group: perFlag ? BlockRequestFlags.describe(UInt32(truncatingIfNeeded: row.int(3))) : ""))
        }, merge: { $0 += $1 })
    }

    /// bpfrec's timestamps of every event MarkerProbe keys, for `MarkerProbe.align`.
    func recordedTimes(tgid: Int64, disk: String) throws -> [String: [Int64]] {
        var out: [String: [Int64]] = [:]
        out["w"] = Array(try times("sched_wakeup", "target_pid", tgid))
        out["n"] = Array(try times("sched_wakeup_new", "target_pid", tgid))
        out["i"] = Array(try times("sched_switch", "next_pid", tgid))
        out["o"] = Array(try times("sched_switch", "pid", tgid))
        let sc = try Rows(rec.file, "syscall")
        for i in sc.rows(where: "pid", is: tgid) {
            let ts = sc.int("ts", i)
            if sc.int("unpaired", i) == 0 {
                out["e", default: []].append(ts)
                out["x", default: []].append(ts + sc.int("duration", i))
            } else {
                out["x", default: []].append(ts)
            }
        }
        if let dev = rec.blockDevices.first(where: { $0.value == disk })?.key {
            for (table, key) in [("block_rq_insert", "q"), ("block_rq_issue", "s"), ("block_rq_complete", "c")] {
                let r = try Rows(rec.file, table)
                for i in r.rows(where: "dev", is: Int64(dev)) { out[key + String(UInt64(bitPattern: r.int("sector", i))), default: []].append(r.int("ts", i)) }
            }
        }
        return out
    }

    /// syscount -L: the process's paired syscalls (enter to exit), grouped by name.
    func syscalls(tgid: Int64) throws -> [TimedValue] {
        let r = try Rows(rec.file, "syscall")
        let names = rec.syscallNames
        return r.rows(where: "pid", is: tgid).filter { r.int("unpaired", $0) == 0 }.map { i in
            let ts = r.int("ts", i)
            return TimedValue(start: ts, end: ts + r.int("duration", i), startKey: "e", endKey: "x", group: names[Int(r.int("id", i))] ?? "[unknown: \(r.int("id", i))]")
        }
    }
}

/// libbpf-tools' log2 slot of a value (log2l: floor(log2 v), 0 for 0 and 1; print_log2_hist
/// shows slot k as `2^k -> 2^(k+1)-1`, slot 0 as `0 -> 1`): the bucket index `bccHistograms` gives.
func log2Slot(_ v: Int64) -> Int {
    v <= 1 ? 0 : 63 - UInt64(v).leadingZeroBitCount
}

/// The log2 histogram of per-event ns values as the tools print them (ns / divisor, then slot).
func log2Histogram<S: Sequence>(_ values: S, divisor: Int64 = 1000) -> [Int: Int] where S.Element == Int64 {
    var h: [Int: Int] = [:]
    for v in values { h[log2Slot(v / divisor), default: 0] += 1 }
    return h
}
