import TraceAnalysis

/// An event probe whose whole work is `@m = count()` or `@m[comm] = count()` with no filter,
/// the most common bpftrace one-liner: its map only needs each key's number of events, so
/// a chunk's events are counted per comm at once, without a body run, a key built and a map
/// update per event (what bounds `bpfan bt` on map-only programs otherwise).
struct BtCountingProbe {
    enum Key { case none, comm }
    let map: BtMapStore
    let key: Key

    /// nil unless `probe` is exactly such a probe (the compiler has already checked it).
    init?(_ probe: BtProbe, maps: BtMaps) {
        guard probe.predicate == nil, probe.body.count == 1,
              case .assign(.map(let name, let keys), .assign, .call("count", let args, _), _) = probe.body[0], args.isEmpty else { return nil }
        switch keys.count {
        case 0: key = .none
        case 1:
            guard case .builtin("comm", _) = keys[0] else { return nil }
            key = .comm
        default: return nil
        }
        map = maps.store(name)
    }

    /// Adds one chunk's events to the map, as the body would have one by one.
    func count(_ events: TracepointEvents, comms: [[UInt8]], into maps: BtMaps) throws(BtError) {
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
        }
    }
}
