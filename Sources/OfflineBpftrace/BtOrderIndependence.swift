/// Whether a program's result is the same in whatever order its events arrive: then its
/// events can be run on all cores, each core into maps of its own, merged before END.
///
/// That holds when the event probes (not BEGIN or END) only aggregate into maps (count, sum,
/// min, max, avg, stats, hist, lhist, and `+=`/`-=`/`++`/`--`, which commute), never read a
/// map, print, time, clear, zero, delete or exit, and no interval probe runs between events.
enum BtOrderIndependence {
    static func holds(_ program: BtProgram) -> Bool {
        for probe in program.probes {
            let points = probe.attachPoints
            if points.allSatisfy({ $0 == "BEGIN" || $0 == "END" }) { continue }
            if points.contains(where: { $0 == "BEGIN" || $0 == "END" || $0.hasPrefix("interval:") || $0.hasPrefix("i:") }) { return false }
            if let p = probe.predicate, !pure(p) { return false }
            if !probe.body.allSatisfy(commutes) { return false }
        }
        return true
    }

    static func commutes(_ s: BtStatement) -> Bool {
        switch s {
        case .expression(let e):
            if case .call(let name, _, _) = e, ["printf", "print", "clear", "zero", "delete", "exit", "time", "join"].contains(name) { return false }
            return pure(e)
        case .assign(.variable, _, let e, _):
            return pure(e)
        case .assign(.map(_, let keys), let op, let e, _):
            guard keys.allSatisfy(pure) else { return false }
            if op == .assign, case .call(let fn, let args, _) = e, BtCompiler.aggregations.contains(fn) { return args.allSatisfy(pure) }
            return (op == .add || op == .subtract) && pure(e)
        case .increment(.variable, _, _):
            return true
        case .increment(.map(_, let keys), _, _):
            return keys.allSatisfy(pure)
        case .ifElse(let c, let yes, let no):
            return pure(c) && yes.allSatisfy(commutes) && no.allSatisfy(commutes)
        case .unroll(_, let body):
            return body.allSatisfy(commutes)
        case .return:
            return true
        }
    }

    /// An expression that reads no map (a map's value depends on the events before).
    static func pure(_ e: BtExpr) -> Bool {
        switch e {
        case .map: return false
        case .integer, .string, .builtin, .positional, .variable, .field: return true
        case .call(_, let args, _): return args.allSatisfy(pure)
        case .unary(_, let x, _), .cast(_, let x, _), .member(let x, _, _), .structCast(_, let x, _): return pure(x)
        case .binary(_, let a, let b, _): return pure(a) && pure(b)
        case .ternary(let a, let b, let c, _): return pure(a) && pure(b) && pure(c)
        }
    }
}

extension BtMaps {
    /// Adds a worker's maps (of an order-independent program) into these, by each map's kind.
    func merge(_ other: BtMaps) throws(BtError) {
        for (name, theirs) in other.stores {
            guard let kind = kinds[name] ?? other.kinds[name] else { continue }
            if kinds[name] == nil { kinds[name] = kind }
            if keyed[name] == nil { keyed[name] = other.keyed[name] }
            let mine = store(name)
            for (key, e) in theirs.entries {
                guard let old = mine.entries[key] else {
                    mine[key] = e
                    keyCount += 1
                    if keyCount > Self.maxEntries { throw Self.boundError }
                    continue
                }
                mine[key] = Self.combine(old, e, kind)
            }
        }
    }

    static func combine(_ a: BtMapEntry, _ b: BtMapEntry, _ kind: BtMapKind) -> BtMapEntry {
        switch (a, b) {
        case (.scalar(let x), .scalar(let y)):
            switch kind {
            case .min: return .scalar(Swift.min(x, y))
            case .max: return .scalar(Swift.max(x, y))
            default: return .scalar(x &+ y)
            }
        case (.value(.int(let x)), .value(.int(let y))): return .value(.int(x &+ y))
        case (.mean(let c1, let t1), .mean(let c2, let t2)): return .mean(count: c1 + c2, total: t1 &+ t2)
        case (.hist(var h), .hist(let o)):
            h.merge(o)
            return .hist(h)
        case (.lhist(var h), .lhist(let o)):
            for i in 0..<Swift.min(h.buckets.count, o.buckets.count) { h.buckets[i] += o.buckets[i] }
            return .lhist(h)
        default:
            return b
        }
    }
}
