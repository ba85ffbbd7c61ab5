import TraceAnalysis

/// bpftrace's syscall-latency idiom, as two probes on the calls' tracepoints:
///
///     tracepoint:raw_syscalls:sys_enter { @s[tid] = nsecs; }
///     tracepoint:raw_syscalls:sys_exit /@s[tid]/ { @H[K] = hist(nsecs - @s[tid]); delete(@s[tid]); }
///
/// Over the syscalls family's rows, each call is one row giving both events of its thread (the
/// enter at ts, the exit at ts + duration), and a thread's calls do not overlap: every exit
/// whose enter was served finds its own stamp, `nsecs - @s[tid]` is the row's duration, and
/// the delete leaves @s empty again. So the pair is the single probe
/// `sys_exit /the call's enter was seen/ { @H[K] = hist(duration); }` with the same maps at
/// END (an empty @s prints nothing): order-independent, run on every core, half the events.
/// Only that exact shape is taken, with @s used by no other probe; anything else runs as
/// written. `sum`, `avg`, `min`, `max`, `stats` and `lhist` of the latency are the same idiom.
enum BtSyscallLatencyIdiom {
    /// The internal builtins the rewritten probe reads: names the lexer cannot produce.
    static let latency = "<call latency>", entered = "<call entered>"
    static let aggregations: Set<String> = ["hist", "lhist", "sum", "avg", "min", "max", "stats"]

    /// The program with each such pair folded into its exit probe, the number of probes folded
    /// away (bpftrace's banner still counts them), the enter events whose coverage notes the
    /// run must still give, and the stamp maps (which exist, empty, at exit: bpftrace prints
    /// them); nil when the program has no such pair.
    static func rewrite(_ program: BtProgram, _ rec: Recording) -> (program: BtProgram, folded: Int, enterEvents: [String], stamps: [String])? {
        // A window (--from/--to) cuts calls in two: an exit inside whose enter is outside finds
        // no stamp, an enter inside whose exit is outside leaves one. Only the whole recording
        // has every served call whole.
        guard rec.effectiveStart <= rec.startTime, rec.effectiveEnd >= rec.stopTime else { return nil }
        var probes = program.probes
        var folded = 0, enters: [String] = [], stamps: [String] = []
        for (ei, enter) in program.probes.enumerated() {
            guard enter.predicate == nil, enter.attachPoints.count == 1, let enterEvent = event(enter.attachPoints[0]),
                  let exitEvent = exitOf(enterEvent), enter.body.count == 1,
                  case .assign(.map(let stamp, let k1), .assign, .builtin("nsecs", _), _) = enter.body[0], isTid(k1) else { continue }
            guard let (xi, rewritten) = program.probes.indices.lazy.compactMap({ i -> (Int, BtProbe)? in
                let p = program.probes[i]
                guard p.attachPoints.count == 1, event(p.attachPoints[0]) == exitEvent, let q = exitShape(p, stamp: stamp) else { return nil }
                return (i, q)
            }).first else { continue }
            // The stamp map is the pair's alone.
            let others = program.probes.indices.filter { $0 != ei && $0 != xi }
            guard !others.contains(where: { mentions(program.probes[$0], stamp) }) else { continue }
            // Only the syscalls family's rows carry each call's duration (a generic capture of the
            // tracepoints does not).
            guard let source = try? rec.tracepointSource(exitEvent), source.latencyColumn != nil, source.unpairedColumn != nil,
                  let enterSource = try? rec.tracepointSource(enterEvent), enterSource.table == source.table else { continue }
            guard everyCallEndsInside(rec, table: source.table, latency: source.latencyColumn!) else { continue }
            probes[xi] = rewritten
            probes[ei].attachPoints = []
            folded += 1
            enters.append(enterEvent)
            stamps.append(stamp)
        }
        guard folded > 0 else { return nil }
        return (BtProgram(probes: probes.filter { !$0.attachPoints.isEmpty }), folded, enters, stamps)
    }

    /// Whether no call's exit can fall after the analysed span (a call still returning as the
    /// recorder stopped): its enter would leave a stamp the program prints at exit. By the
    /// chunks' statistics, and the rows of a chunk whose statistics cannot tell.
    static func everyCallEndsInside(_ rec: Recording, table: String, latency: String) -> Bool {
        guard let schema = rec.file.tables.values.first(where: { $0.name == table }),
              let ts = schema.columnIndex("ts"), let duration = schema.columnIndex(latency) else { return false }
        let end = rec.effectiveEnd
        return rec.file.chunks(ofTable: table).allSatisfy { chunk in
            let stats = chunk.summary.stats
            if ts < stats.count, duration < stats.count, stats[ts].max &+ stats[duration].max < end { return true }
            // The chunk's longest call and its latest start might meet past the end: its rows say.
            guard let columns = try? rec.file.read(chunk, columns: ["ts", latency]),
                  case .ints(let starts)? = columns["ts"], case .ints(let spans)? = columns[latency] else { return false }
            return zip(starts, spans).allSatisfy { $0 &+ $1 < end }
        }
    }

    /// `SUBSYS:EVENT` of a tracepoint attach point.
    static func event(_ point: String) -> String? {
        for prefix in ["tracepoint:", "t:"] where point.hasPrefix(prefix) {
            let e = String(point.dropFirst(prefix.count))
            return e.contains("*") || e.contains("?") ? nil : e
        }
        return nil
    }

    static func exitOf(_ enter: String) -> String? {
        if enter == "raw_syscalls:sys_enter" { return "raw_syscalls:sys_exit" }
        if enter.hasPrefix("syscalls:sys_enter_") { return "syscalls:sys_exit_" + enter.dropFirst("syscalls:sys_enter_".count) }
        return nil
    }

    static func isTid(_ keys: [BtExpr]) -> Bool {
        guard keys.count == 1, case .builtin("tid", _) = keys[0] else { return false }
        return true
    }

    /// `/@s[tid]/ { @H[K] = AGG(f(nsecs - @s[tid]), …); delete(@s[tid]); }` (K and AGG's
    /// arguments free of other maps, @s read only as that difference), as
    /// `/<entered>/ { @H[K] = AGG(f(<latency>), …); }`.
    static func exitShape(_ p: BtProbe, stamp: String) -> BtProbe? {
        guard let pred = p.predicate, case .map(stamp, let k0, _) = pred, isTid(k0), p.body.count == 2,
              case .assign(.map(let h, let keys), .assign, .call(let agg, let args, let at), let assignAt) = p.body[0], h != stamp,
              aggregations.contains(agg),
              case .expression(.call("delete", let dargs, _)) = p.body[1], dargs.count == 1, case .map(stamp, let k3, _) = dargs[0], isTid(k3),
              keys.allSatisfy(BtOrderIndependence.pure) else { return nil }
        var found = false
        let replaced = args.map { substitute($0, stamp, &found) }
        guard found, replaced.allSatisfy(BtOrderIndependence.pure) else { return nil }
        var q = p
        q.predicate = .builtin(entered, pred.position)
        q.body = [.assign(.map(h, keys), .assign, .call(agg, replaced, at), assignAt)]
        return q
    }

    /// `e` with each `nsecs - @stamp[tid]` as the call's latency.
    static func substitute(_ e: BtExpr, _ stamp: String, _ found: inout Bool) -> BtExpr {
        switch e {
        case .binary("-", .builtin("nsecs", _), .map(stamp, let k, _), let at) where isTid(k):
            found = true
            return .builtin(latency, at)
        case .binary(let op, let a, let b, let at): return .binary(op, substitute(a, stamp, &found), substitute(b, stamp, &found), at)
        case .unary(let op, let x, let at): return .unary(op, substitute(x, stamp, &found), at)
        case .cast(let t, let x, let at): return .cast(t, substitute(x, stamp, &found), at)
        case .ternary(let a, let b, let c, let at): return .ternary(substitute(a, stamp, &found), substitute(b, stamp, &found), substitute(c, stamp, &found), at)
        case .call(let n, let xs, let at): return .call(n, xs.map { substitute($0, stamp, &found) }, at)
        default: return e
        }
    }

    static func mentions(_ p: BtProbe, _ map: String) -> Bool {
        func expr(_ e: BtExpr) -> Bool {
            switch e {
            case .map(let n, let keys, _): return n == map || keys.contains(where: expr)
            case .integer, .string, .builtin, .positional, .variable, .field: return false
            case .call(_, let args, _): return args.contains(where: expr)
            case .unary(_, let x, _), .cast(_, let x, _), .member(let x, _, _), .structCast(_, let x, _): return expr(x)
            case .binary(_, let a, let b, _): return expr(a) || expr(b)
            case .ternary(let a, let b, let c, _): return expr(a) || expr(b) || expr(c)
            }
        }
        func lvalue(_ t: BtLValue) -> Bool {
            if case .map(let n, let keys) = t { return n == map || keys.contains(where: expr) }
            return false
        }
        func statement(_ s: BtStatement) -> Bool {
            switch s {
            case .expression(let e): return expr(e)
            case .assign(let target, _, let e, _): return lvalue(target) || expr(e)
            case .increment(let target, _, _): return lvalue(target)
            case .ifElse(let c, let yes, let no): return expr(c) || yes.contains(where: statement) || no.contains(where: statement)
            case .unroll(_, let body): return body.contains(where: statement)
            case .return: return false
            }
        }
        return (p.predicate.map(expr) ?? false) || p.body.contains(where: statement)
    }
}
