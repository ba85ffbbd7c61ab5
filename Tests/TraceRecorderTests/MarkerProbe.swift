import Foundation

/// The per-event measurement behind every latency tolerance of the differential test.
///
/// bpfrec attaches first, the live latency tools next, and this bpftrace program last on the
/// same tracepoints (before the other live tools, which do not matter here). Programs on one
/// tracepoint run one after another, so for every event each latency tool read its clock at or
/// after bpfrec's (D >= 0) and at or before this marker's: D <= M = marker - bpfrec, M measured
/// for that very event. A latency from x to y then reads, live, bpfan's value + D(y) - D(x):
/// within [v - M(x), v + M(y)]. The mean run times of kernel.bpf_stats explain where M goes
/// (ProbeOrder.swift) but do not bound it per event: an event after a sleep runs every program
/// on cold caches (measured: 1-2 us more per pselect6 than the means say), and bpfrec's
/// off-CPU stack walk costs only the switches that block.
struct MarkerProbe {
    /// Marker events by key ("w" wakeup, "n" new-task wakeup, "i" switch-in and "o" switch-out
    /// of the pinger, "e" / "x" its sys_enter / sys_exit, "q"/"s"/"c" + sector for a request of
    /// the loop device inserted / issued / completed): ns, ascending.
    var times: [String: [Int64]] = [:]
    var lost = 0
    /// key -> bpfrec's timestamp -> marker delay (`align`).
    var delays: [String: [Int64: Int64]] = [:]
    var largest: [String: Int64] = [:]

    static func script(pinger: Int32, device: UInt32) -> String {
        """
        BEGIN { printf("marker attached\\n"); }
        tracepoint:sched:sched_wakeup /args->pid == \(pinger)/ { printf("w %llu\\n", nsecs); }
        tracepoint:sched:sched_wakeup_new /args->pid == \(pinger)/ { printf("n %llu\\n", nsecs); }
        tracepoint:sched:sched_switch /args->next_pid == \(pinger)/ { printf("i %llu\\n", nsecs); }
        tracepoint:sched:sched_switch /args->prev_pid == \(pinger)/ { printf("o %llu\\n", nsecs); }
        tracepoint:raw_syscalls:sys_enter /pid == \(pinger)/ { printf("e %llu\\n", nsecs); }
        tracepoint:raw_syscalls:sys_exit /pid == \(pinger)/ { printf("x %llu\\n", nsecs); }
        tracepoint:block:block_rq_insert /args->dev == \(device)/ { printf("q%llu %llu\\n", args->sector, nsecs); }
        tracepoint:block:block_rq_issue /args->dev == \(device)/ { printf("s%llu %llu\\n", args->sector, nsecs); }
        tracepoint:block:block_rq_complete /args->dev == \(device)/ { printf("c%llu %llu\\n", args->sector, nsecs); }
        """
    }

    init(output: String) {
        for line in output.split(separator: "\n") {
            if line.hasPrefix("Lost ") { lost += Int(line.split(separator: " ").dropFirst().first ?? "") ?? 1; continue }
            let f = line.split(separator: " ")
            guard f.count == 2, let ns = Int64(f[1]) else { continue }
            times[String(f[0]), default: []].append(ns)
        }
        for k in times.keys { times[k]!.sort() }
    }

    /// The marker's delay after each recorded event (`recorded`: bpfrec's timestamps by the
    /// same keys): event i's marker is the first at or after it and before the next recorded
    /// event of its key (the pinger's events of one key come one at a time; so do a sector's).
    /// An event the marker missed has none: a classic tracepoint skips a BPF program that would
    /// nest in another on its CPU (an interrupt during a BPF program), which tp_btf programs,
    /// bpfrec's and the live tools', do not.
    mutating func align(recorded: [String: [Int64]]) {
        delays = [:]
        for (key, list) in recorded {
            let events = list.sorted(), marks = times[key] ?? []
            var j = 0
            var map: [Int64: Int64] = [:]
            for (i, t) in events.enumerated() {
                while j < marks.count && marks[j] < t { j += 1 }
                guard j < marks.count else { break }
                if i + 1 < events.count && marks[j] >= events[i + 1] { continue }
                map[t] = marks[j] - t
                j += 1
            }
            delays[key] = map
        }
        // The largest delay measured for each kind of event (its key's first letter): the
        // range given to the few events the marker missed.
        largest = [:]
        for (key, map) in delays { largest[String(key.prefix(1)), default: 0] = max(largest[String(key.prefix(1)), default: 0], map.values.max() ?? 0) }
    }
}

/// One event's value as bpfan has it, and the range the live tool's reading of it can take.
struct Spread {
    var value: Int64
    var low: Int64
    var high: Int64
}

/// A latency bpfan measured (ns, from the recording's timestamps) with what identifies its two
/// ends to the marker.
struct TimedValue {
    var start: Int64
    var end: Int64
    var startKey: String
    var endKey: String
    /// The histogram it falls in (biolatency -F's flags; "" for one histogram).
    var group = ""
    var value: Int64 { end - start }
}

extension MarkerProbe {
    /// The live tool read v - D(start) + D(end), D in [0, M] at each end; `unmeasured` counts
    /// the ends the marker missed, given the largest delay measured for their kind.
    func spreads(_ values: [TimedValue]) -> Result<(spreads: [Spread], unmeasured: Int), DiffFailure> {
        var out: [Spread] = []
        out.reserveCapacity(values.count)
        var unmeasured = 0
        var unknown: [String] = []
        func delay(_ key: String, _ ts: Int64) -> Int64? {
            if let d = delays[key]?[ts] { return d }
            unmeasured += 1
            return largest[String(key.prefix(1))]
        }
        for v in values {
            guard let ms = delay(v.startKey, v.start), let me = delay(v.endKey, v.end) else {
                unknown.append("\(v.startKey)@\(v.start)..\(v.endKey)@\(v.end)")
                continue
            }
            out.append(Spread(value: v.value, low: v.value - ms, high: v.value + me))
        }
        if !unknown.isEmpty {
            return .failure(DiffFailure("the marker probe measured no event of the kind of \(unknown.count) of \(values.count) recorded ones (lost: \(lost)): \(unknown.prefix(5).joined(separator: ", "))"))
        }
        return .success((out, unmeasured))
    }
}

/// "median m, max x us" of the per-event allowance, for the log.
func describeSpread(_ s: [Spread]) -> String {
    func stat(_ d: [Int64]) -> String {
        guard !d.isEmpty else { return "none" }
        let sorted = d.sorted()
        return String(format: "median %.1f, max %.1f us", Double(sorted[sorted.count / 2]) / 1000, Double(sorted.last!) / 1000)
    }
    return "start \(stat(s.map { $0.value - $0.low })), end \(stat(s.map { $0.high - $0.value }))"
}
