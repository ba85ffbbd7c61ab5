import TraceAnalysis

/// An event probe whose whole work is `@m = count()` or `@m[K] = count()` with no filter, K one
/// of comm, pid, tid and cpu: the most common bpftrace one-liners. Its map only needs each key's
/// number of events, so a chunk's events are counted per key at once, without a body run, a key
/// built and a map update per event (what bounds `bpfan bt` on map-only programs otherwise).
struct BtCountingProbe {
    enum Key {
        case none, comm
        /// pid, tid or cpu: the event's integer column, by slot.
        case column(Int)
    }
    let map: BtMapStore
    let key: Key

    /// nil unless `probe` is exactly such a probe (the compiler has already checked it).
    init?(_ probe: BtProbe, columns: TracepointColumns, maps: BtMaps) {
        guard probe.predicate == nil, probe.body.count == 1,
              case .assign(.map(let name, let keys), .assign, .call("count", let args, _), _) = probe.body[0], args.isEmpty else { return nil }
        switch keys.count {
        case 0: key = .none
        case 1:
            // The builtins' columns, as BtCompiler reads them.
            switch keys[0] {
            case .builtin("comm", _): key = .comm
            case .builtin(let name, _) where ["pid", "tid", "cpu"].contains(name): key = .column(columns.slot(name))
            default: return nil
            }
        default: return nil
        }
        map = maps.store(name)
    }

    /// Adds one chunk's events to the map, as the body would have one by one.
    func count(_ events: TracepointEvents, comms: [[UInt8]], ints: [[Int64]], into maps: BtMaps) throws(BtError) {
        guard !events.rows.isEmpty else { return }
        switch key {
        case .none:
            try maps.add(map, .none, Int64(events.rows.count))
        case .comm:
            // Indices into the chunk's comm table; several may hold one name (a thread's spans).
            var perIndex = [Int64](repeating: 0, count: comms.count)
            events.comms.withUnsafeBufferPointer { indices in
                perIndex.withUnsafeMutableBufferPointer { n in
                    for i in indices { n[Int(i)] &+= 1 }
                }
            }
            for (i, n) in perIndex.enumerated() where n > 0 {
                try maps.add(map, .one(.string(comms[i])), n)
            }
        case .column(let slot):
            var perValue: [Int64: Int64] = [:]
            ints[slot].withUnsafeBufferPointer { values in
                var last = Int64.min, run: Int64 = 0
                // A thread's events come in bursts: count a run of one value before hashing it.
                for row in events.rows {
                    let v = values[row]
                    if v == last { run &+= 1; continue }
                    if run > 0 { perValue[last, default: 0] &+= run }
                    last = v
                    run = 1
                }
                if run > 0 { perValue[last, default: 0] &+= run }
            }
            for (v, n) in perValue { try maps.add(map, .one(.int(v)), n) }
        }
    }
}
