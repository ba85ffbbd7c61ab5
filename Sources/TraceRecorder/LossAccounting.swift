import TraceFormat

/// Turns the cumulative BPF loss counters (failed reserves per CPU and family, recursion misses
/// per family) into lost_events rows per window, and keeps the totals for the summary.
struct LossAccounting {
    private let cpus: Int
    private var lastReserve: [[UInt64]]
    private var lastRecursion: [UInt64]
    private var lastGeneric: [UInt64] = []
    private var lastWindowEnd: UInt64
    private(set) var totalByFamily = [UInt64](repeating: 0, count: Family.idLimit)

    init(cpus: Int, start: UInt64) {
        self.cpus = cpus
        lastReserve = Array(repeating: [UInt64](repeating: 0, count: cpus), count: Family.idLimit)
        lastRecursion = [UInt64](repeating: 0, count: Family.idLimit)
        lastWindowEnd = start
    }

    /// Appends a row for every (CPU, family, reason) that lost events since the last window.
    mutating func window(maps: SharedMaps, families: [LoadedFamily], generic: [GenericEvent] = [], now: UInt64, into buffer: inout TableBuffer) {
        let window = now &- lastWindowEnd
        lastWindowEnd = now
        let counts = maps.lostCounts(cpus: cpus)
        for f in Family.allCases {
            let fi = Int(f.rawValue)
            for cpu in 0..<cpus {
                let delta = counts[fi][cpu] &- lastReserve[fi][cpu]
                guard delta > 0 else { continue }
                lastReserve[fi][cpu] = counts[fi][cpu]
                totalByFamily[fi] += delta
                buffer.append(row: [.u64(now), .u64(window), .int(Int64(cpu)), .string(f.name), "ringbuf_full", .u64(delta)])
            }
        }
        for loaded in families {
            let fi = Int(loaded.family.rawValue)
            let misses = loaded.recursionMisses()
            let delta = misses &- lastRecursion[fi]
            guard delta > 0 else { continue }
            lastRecursion[fi] = misses
            totalByFamily[fi] += delta
            buffer.append(row: [.u64(now), .u64(window), .int(Int64(UInt32.max)), .string(loaded.family.name), "recursion_miss", .u64(delta)])
        }
        if !generic.isEmpty, let g = families.first(where: { $0.family == .tracepoints }) {
            genericWindow(generic, lost: g.genericLost(count: generic.count), now: now, window: window, into: &buffer)
        }
    }

    /// Rows for the generic events that lost records since the last window: one per event,
    /// named after it (the family total gets them too).
    mutating func genericWindow(_ events: [GenericEvent], lost: [UInt64], now: UInt64, window: UInt64, into buffer: inout TableBuffer) {
        if lastGeneric.count < lost.count { lastGeneric += [UInt64](repeating: 0, count: lost.count - lastGeneric.count) }
        for (i, n) in lost.enumerated() where i < events.count {
            let delta = n &- lastGeneric[i]
            guard delta > 0 else { continue }
            lastGeneric[i] = n
            totalByFamily[Int(Family.tracepoints.rawValue)] += delta
            buffer.append(row: [.u64(now), .u64(window), .int(Int64(UInt32.max)), .string(events[i].format.event), "ringbuf_full", .u64(delta)])
        }
    }
}
