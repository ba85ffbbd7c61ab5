import Foundation
import TraceFormat
import TraceStatistics
import TraceTestSupport
@testable import TraceTools

/// Recordings with known distributions for compare's tests, drawn from a seeded generator:
/// events arrive as a Poisson process at `rate` per second over `seconds`, each with a
/// log-normal value of median `median` ns and shape `sigma`, times `scale` (a known shift).
struct SyntheticLoad {
    var name: String
    var id: Int64
    var rate: Double
    var median: Double
    var sigma = 0.5
    var scale = 1.0
    /// This share of events gets `tailAdd` ns more (a 1 ms sleep in 10% of requests).
    var tailShare = 0.0
    var tailAdd = 0.0

    /// Event times (s from the start) and values (ns), in time order.
    func events(seconds: Double, _ rng: inout SeededRandom) -> [(t: Double, value: Int64)] {
        var out: [(Double, Int64)] = []
        var t = -log(rng.uniform()) / rate
        while t < seconds {
            var v = median * exp(sigma * rng.normal()) * scale
            if tailShare > 0 && rng.uniform() < tailShare { v += tailAdd }
            out.append((t, Int64(v.rounded())))
            t += -log(rng.uniform()) / rate
        }
        return out
    }
}

enum CompareRecordings {
    static let seconds = 5.0

    static func recording(hostname: String = "testhost") -> SyntheticRecording {
        let s = SyntheticRecording()
        s.rowsPerChunk = 4096
        s.hostname = hostname
        s.duration = Int64(seconds * 1e9)
        return s
    }

    /// syscall rows (pid 100) for each load: `id` is the syscall number, `value` its duration.
    static func syscalls(_ loads: [SyntheticLoad], seed: UInt64, hostname: String = "testhost",
                         lost: [(family: String, lost: Int64, at: Double)] = []) throws -> String {
        let s = recording(hostname: hostname)
        s.syscallNames = Dictionary(uniqueKeysWithValues: loads.map { (String($0.id), $0.name) })
        var rng = SeededRandom(seed: seed)
        var rows: [(Double, Int64, Int64)] = []
        for load in loads { rows += load.events(seconds: seconds - 0.01, &rng).map { ($0.t, load.id, $0.value) } }
        for (t, id, dur) in rows.sorted(by: { $0.0 < $1.0 }) {
            s.add("syscall", ["ts": ns(t), "pid": 100, "tid": 100, "id": .int(id), "ret": 0, "duration": .int(dur)])
        }
        return try s.write(lost: lost)
    }

    /// Block requests issued and completed on `vda` (id 1) and `vdb` (id 2): the loads' ids
    /// pick the disk, their values are the latencies.
    static func block(_ loads: [SyntheticLoad], seed: UInt64) throws -> String {
        let s = recording()
        s.devices = [(vda, "vda"), (vdb, "vdb")]
        var rng = SeededRandom(seed: seed)
        var issues: [(Double, Int64, UInt32)] = [], completes: [(Double, Int64, UInt32)] = []
        var rq: Int64 = 1
        for load in loads {
            let dev = load.id == 1 ? vda : vdb
            for e in load.events(seconds: seconds - 0.5, &rng) {
                issues.append((e.t, rq, dev))
                completes.append((e.t + Double(e.value) / 1e9, rq, dev))
                rq += 1
            }
        }
        for (table, rows) in [("block_rq_issue", issues), ("block_rq_complete", completes)] {
            for (t, rq, dev) in rows.sorted(by: { $0.0 < $1.0 }) {
                s.add(table, ["ts": ns(t), "rq": .int(rq), "dev": .int(Int64(dev)), "cmd_flags": 1, "nr_bytes": 4096, "comm": "dd"])
            }
        }
        return try s.write()
    }

    /// Wakeups and switch-ins (from the idle task) of one thread per load (pid = tid = `id`):
    /// the values are the run-queue waits. Waits of a thread never overlap its next wakeup.
    static func sched(_ loads: [SyntheticLoad], seed: UInt64) throws -> String {
        let s = recording()
        var rng = SeededRandom(seed: seed)
        var wakes: [(Double, Int64, String)] = [], switches: [(Double, Int64, String)] = []
        for load in loads {
            var busyUntil = 0.0
            for e in load.events(seconds: seconds - 0.5, &rng) where e.t > busyUntil {
                let end = e.t + Double(e.value) / 1e9
                wakes.append((e.t, load.id, load.name))
                switches.append((end, load.id, load.name))
                busyUntil = end
            }
        }
        for (t, tid, comm) in wakes.sorted(by: { $0.0 < $1.0 }) {
            s.add("sched_wakeup", ["ts": ns(t), "pid": 1, "tid": 1, "target_pid": .int(tid), "target_tid": .int(tid), "target_comm": .string(comm), "target_prio": 120])
        }
        for (t, tid, comm) in switches.sorted(by: { $0.0 < $1.0 }) {
            s.add("sched_switch", ["ts": ns(t), "cpu": 0, "pid": 0, "tid": 0, "prev_comm": "swapper/0", "prev_prio": 120, "prev_state": 0,
                                   "next_pid": .int(tid), "next_tid": .int(tid), "next_comm": .string(comm), "next_prio": 120])
        }
        // runqlat reads the table of new tasks' wakeups too: one for a task never switched in.
        s.add("sched_wakeup_new", ["ts": ns(0.001), "pid": 1, "tid": 1, "target_pid": 9999, "target_tid": 9999, "target_comm": "never", "target_prio": 120])
        return try s.write()
    }
}

extension CompareRecordings {
    /// One CPU running two threads in turn (pid = tid = each load's `id`), each preempted
    /// (prev_state 0) after an on-CPU span drawn from its load; the loads' rates are unused.
    static func alternating(_ a: SyntheticLoad, _ b: SyntheticLoad, seed: UInt64) throws -> String {
        let s = recording()
        var rng = SeededRandom(seed: seed)
        func sw(_ t: Double, _ prev: SyntheticLoad?, _ next: SyntheticLoad) {
            s.add("sched_switch", ["ts": ns(t), "cpu": 0, "pid": .int(prev?.id ?? 0), "tid": .int(prev?.id ?? 0), "prev_comm": .string(prev?.name ?? "swapper/0"),
                                   "prev_prio": 120, "prev_state": 0, "next_pid": .int(next.id), "next_tid": .int(next.id), "next_comm": .string(next.name), "next_prio": 120])
        }
        var t = 0.001
        var running = a
        sw(t, nil, a)
        while t < seconds - 0.5 {
            t += running.median * exp(running.sigma * rng.normal()) * running.scale / 1e9
            let next = running.id == a.id ? b : a
            sw(t, running, next)
            running = next
        }
        return try s.write()
    }
}

extension CompareRecordings {
    /// Irq runs on CPU 0, one load per handler name (or vector), values the time in it; runs
    /// never overlap (a later one waits for the previous exit).
    /// The same runs as softirq entries and exits, the loads' ids their vectors.
    static func softirqs(_ loads: [SyntheticLoad], seed: UInt64) throws -> String {
        try irqRuns(loads, seed: seed, tables: ("softirq_entry", "softirq_exit")) { load in ["cpu": 0, "vec": .int(load.id)] }
    }

    static func hardirqs(_ loads: [SyntheticLoad], seed: UInt64) throws -> String {
        try irqRuns(loads, seed: seed, tables: ("irq_handler_entry", "irq_handler_exit")) { load in ["cpu": 0, "irq": 11, "name": .string(load.name)] }
    }

    static func irqRuns(_ loads: [SyntheticLoad], seed: UInt64, tables: (String, String), columns: (SyntheticLoad) -> [String: ColumnValue]) throws -> String {
        let s = recording()
        var rng = SeededRandom(seed: seed)
        var runs: [(Double, Double, Int)] = []
        for (i, load) in loads.enumerated() { runs += load.events(seconds: seconds - 0.5, &rng).map { ($0.t, Double($0.value) / 1e9, i) } }
        var free = 0.0
        var entries: [(Double, Int)] = [], exits: [(Double, Int)] = []
        for (t, d, i) in runs.sorted(by: { $0.0 < $1.0 }) {
            let start = max(t, free)
            entries.append((start, i))
            exits.append((start + d, i))
            free = start + d + 1e-7
        }
        for (table, rows) in [(tables.0, entries), (tables.1, exits)] {
            for (t, i) in rows { s.add(table, columns(loads[i]).merging(["ts": ns(t)]) { $1 }) }
        }
        return try s.write()
    }
}

extension CompareRecordings {
    /// Client TCP sessions (10.0.0.1 -> 10.0.0.2:80), one load per comm (pid = `id`), values
    /// their lifetimes: SYN_SENT, ESTABLISHED 100 us later, then FIN_WAIT1, FIN_WAIT2 and
    /// CLOSE 10 us apart at the end of the lifetime; each on its own socket.
    /// `txMedian` (bytes, per comm): its sessions send a log-normal number of bytes of that
    /// median (shape 0.5) and receive 10 times as many; else 100 and 1000.
    static func tcpSessions(_ loads: [SyntheticLoad], seed: UInt64, txMedian: [String: Double] = [:]) throws -> String {
        let s = recording()
        var rng = SeededRandom(seed: seed)
        var rows: [(Double, [String: ColumnValue])] = []
        var sk: Int64 = 0x1000
        for load in loads {
            for e in load.events(seconds: seconds - 1, &rng) {
                var tx: Int64 = 100
                if let m = txMedian[load.name] { tx = Int64((m * exp(0.5 * rng.normal())).rounded()) }
                sk += 64
                let port = Int64(30000 + sk % 20000)
                func st(_ t: Double, _ old: Int64, _ new: Int64, owner: Bool) {
                    rows.append((t, ["ts": ns(t), "cpu": 0, "pid": .int(owner ? load.id : 0), "tid": .int(owner ? load.id : 0),
                                     "comm": .string(owner ? load.name : "swapper/0"), "skaddr": .int(sk), "family": 2,
                                     "sport": .int(new == 2 ? 0 : port), "dport": 80, "saddr": .bytes(ip4(10, 0, 0, 1)), "daddr": .bytes(ip4(10, 0, 0, 2)),
                                     "old_state": .int(old), "new_state": .int(new), "bytes_acked": .int(tx), "bytes_received": .int(tx * 10)]))
                }
                let end = e.t + 1e-4 + Double(e.value) / 1e9
                st(e.t, 7, 2, owner: true)
                st(e.t + 1e-4, 2, 1, owner: false)
                st(end, 1, 4, owner: true)
                st(end + 1e-5, 4, 5, owner: false)
                st(end + 2e-5, 5, 7, owner: false)
            }
        }
        for (_, row) in rows.sorted(by: { $0.0 < $1.0 }) { s.add("tcp_state", row) }
        return try s.write()
    }
}

/// Runs `bpfan compare ARGS` as the command line would, capturing its output and status.
func runCompare(_ args: [String]) -> (status: Int32, stdout: String, stderr: [String]) {
    let (status, out) = CompareCommand.entry(args, streaming: false)
    return (status, out.stdout, out.stderr)
}
