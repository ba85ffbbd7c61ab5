import Foundation
import TraceAnalysis
import TraceReport

/// Runs a bpftrace program over a recording: BEGIN, then every recorded event of its
/// tracepoint probes in time order with the interval probes firing on recording time, then
/// END and the maps, printed as bpftrace 0.17 prints them at exit.
public enum BtInterpreter {
    /// One attach point resolved against the recording.
    enum Attach {
        case begin, end
        case interval(Int64)
        case tracepoint(String)
        /// A kprobe served by a tracepoint under --map-kprobes.
        case mappedKprobe(BtKprobeMap.Substitute)
        /// profile:hz:N at the recorded sample rate.
        case samples
    }

    static let refusedKinds: [String: String] = [
        "kprobe": "kprobes", "k": "kprobes", "kretprobe": "kretprobes", "kr": "kretprobes",
        "uprobe": "uprobes", "u": "uprobes", "uretprobe": "uretprobes", "ur": "uretprobes", "usdt": "USDT probes", "U": "USDT probes",
        "kfunc": "kfuncs", "f": "kfuncs", "kretfunc": "kretfuncs", "fr": "kretfuncs", "software": "software events", "s": "software events",
        "hardware": "hardware events", "h": "hardware events", "watchpoint": "watchpoints", "w": "watchpoints", "rawtracepoint": "raw tracepoints",
    ]

    static func resolve(_ point: String, _ rec: Recording, at line: Int, mapKprobes: Bool = false) throws(BtError) -> [(Attach, String)] {
        let where_ = BtPosition(line: line, column: 1)
        if point == "BEGIN" { return [(.begin, point)] }
        if point == "END" { return [(.end, point)] }
        let parts = point.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch parts[0] {
        case "tracepoint", "t":
            guard parts.count == 3 else { throw BtError(where_, "\(point): a tracepoint is tracepoint:CATEGORY:EVENT") }
            let pattern = parts[1] + ":" + parts[2]
            let matches = rec.servableTracepoints.filter { BtGlob.matches(pattern, $0) }
            if matches.isEmpty {
                let hint = pattern.contains("*") || pattern.contains("?") ? "matches no tracepoint this recording holds" : "is not in this recording" + Recording.recordHint(pattern)
                throw BtError(where_, "\(point) \(hint)")
            }
            return matches.map { (.tracepoint($0), "tracepoint:" + $0) }
        case "interval", "i":
            guard parts.count == 3, let n = Int64(parts[2]), n > 0, let unit = ["s": Int64(1_000_000_000), "ms": 1_000_000, "us": 1000, "hz": 0][parts[1]] else {
                throw BtError(where_, "\(point): an interval is interval:s:N, interval:ms:N, interval:us:N or interval:hz:N")
            }
            return [(.interval(unit == 0 ? 1_000_000_000 / n : n * unit), point)]
        case "profile", "p":
            // bpftrace's units: hz:N, or a period s:N, ms:N, us:N. Only the recorded rate is served.
            let periods: [String: Double] = ["s": 1, "ms": 1e-3, "us": 1e-6]
            guard parts.count == 3, let n = Double(parts[2]), n > 0, parts[1] == "hz" || periods[parts[1]] != nil else {
                throw BtError(where_, "\(point): a profile probe is profile:hz:N, profile:s:N, profile:ms:N or profile:us:N")
            }
            let hz = parts[1] == "hz" ? n : 1 / (n * periods[parts[1]]!)
            guard rec.hasTable("cpu_sample") else {
                throw BtError(where_, "\(point): this recording has no CPU samples (record them with bpfrec record --families stacks)")
            }
            let recorded = rec.info?.sampleFrequency ?? 49
            guard abs(hz - Double(recorded)) < 1e-9 else {
                throw BtError(where_, "\(point): this recording's CPUs were sampled at \(recorded) Hz; use profile:hz:\(recorded) (record another rate with bpfrec record --stack-freq N)")
            }
            return [(.samples, point)]
        case "kprobe" where parts.count == 2 && BtKprobeMap.substitutes[parts[1]] != nil,
             "k" where parts.count == 2 && BtKprobeMap.substitutes[parts[1]] != nil:
            let sub = BtKprobeMap.substitutes[parts[1]]!
            guard mapKprobes else {
                throw BtError(where_, "\(point): kprobes are not in recordings; tracepoint:\(sub.event) fires at the same point (bpfan bt --map-kprobes serves this probe from it, \(sub.meaning))")
            }
            guard rec.servableTracepoints.contains(sub.event) else {
                throw BtError(where_, "\(point): --map-kprobes serves it from \(sub.event), which is not in this recording" + Recording.recordHint(sub.event))
            }
            return [(.mappedKprobe(sub), point)]
        default:
            if let what = refusedKinds[parts[0]], parts.count == 2, let instead = BtKprobeMap.alternatives[parts[1]] {
                throw BtError(where_, "\(point): \(what) are not in recordings; \(instead)")
            }
            if let what = refusedKinds[parts[0]] {
                throw BtError(where_, "\(point): \(what) are not in recordings (no kprobes or uprobes are recorded); use a tracepoint (bpfan bt -l lists those this recording serves)")
            }
            throw BtError(where_, "\(point): unknown probe type '\(parts[0])'")
        }
    }

    /// Why the recording cannot serve one of the program's probes (the first, as `run` would
    /// say it), or nil when it serves them all: for `bpfan tools` against a recording.
    public static func unservedProbe(_ program: BtProgram, _ rec: Recording, mapKprobes: Bool = false) -> String? {
        for probe in program.probes {
            for point in probe.attachPoints {
                do { _ = try resolve(point, rec, at: probe.line, mapKprobes: mapKprobes) } catch { return error.message }
            }
        }
        return nil
    }

    /// A class: it is handed to every event, and a struct of closures would be copied
    /// (one reference count per field) each time.
    final class Compiled {
        let attach: Attach
        let name: String
        let input: TracepointProbeInput?
        let predicate: BtEval?
        let body: BtExec
        let scratchCount: Int
        /// Only a probe that calls print(@m), clear() or zero() has work left at its end.
        let waitsForProbeEnd: Bool
        /// A probe that only counts events by comm or by nothing: BtWorker counts a chunk's
        /// events per key at once rather than running the body per event.
        let counting: BtCountingProbe?
        init(attach: Attach, name: String, input: TracepointProbeInput?, predicate: BtEval?, body: @escaping BtExec, scratchCount: Int, waitsForProbeEnd: Bool = false,
             counting: BtCountingProbe? = nil) {
            self.waitsForProbeEnd = waitsForProbeEnd
            self.counting = counting
            self.attach = attach
            self.name = name
            self.input = input
            self.predicate = predicate
            self.body = body
            self.scratchCount = scratchCount
        }

        func fire(_ context: BtContext, row: TracepointRow?, time: Int64) throws {
            context.set(row)
            try fire(context, time: time)
        }

        /// Runs the probe on the event already in `context.row`.
        func fire(_ context: BtContext, time: Int64) throws {
            let runtime = context.program
            context.time = time
            context.returned = false
            // Scratch variables live for one invocation.
            if scratchCount > 0 { context.scratch = Array(repeating: .int(0), count: scratchCount) }
            let passes = predicate.map { $0(context).integer != 0 } ?? true
            if let e = runtime.error { throw e }
            guard passes else { return }
            guard waitsForProbeEnd else {
                try body(context)
                if let e = runtime.error { throw e }
                return
            }
            defer { runtime.probeEnded() }
            try body(context)
            if let e = runtime.error { throw e }
        }
    }

    /// One core's copy of an order-independent program's event probes, with maps of its own.
    final class BtWorker: TracepointFolding, @unchecked Sendable {
        // @unchecked: foldTracepoints hands a worker to one thread at a time.
        let maps: BtMaps
        let probes: [Compiled]
        let context: BtContext
        /// The earliest error an event raised (str() of a value not recorded…), by event time.
        var firstError: (time: Int64, error: Error)?

        init(runtime: BtRuntime, probes: [Compiled]) {
            maps = runtime.maps
            self.probes = probes
            context = BtContext(program: runtime)
        }

        func begin(_ batch: Batch) { context.set(TracepointRow(batch: batch, row: 0)) }

        func visit(probe: Int, events: TracepointEvents, comms: [[UInt8]]) {
            let compiled = probes[probe], context = self.context
            if let counting = compiled.counting, firstError == nil {
                do {
                    try counting.count(events, comms: comms, ints: context.ints, into: maps)
                } catch {
                    // Only the map's size bound can stop it: first reached by this chunk.
                    firstError = (events.times.first ?? 0, error)
                }
                return
            }
            var comm: Int32 = -1
            for k in events.rows.indices {
                let time = events.times[k]
                if let f = firstError, f.time <= time { continue }
                // The row moves along the batch in place: no row value is built per event.
                context.index = events.rows[k]
                context.row!.row = context.index
                if !events.comms.isEmpty, events.comms[k] != comm {
                    comm = events.comms[k]
                    context.comm = comms[Int(comm)]
                }
                do {
                    try compiled.fire(context, time: time)
                } catch {
                    firstError = (time, error)
                    context.program.error = nil
                }
            }
        }
    }

    /// Runs `program`; its output goes to `out`. Throws a BtError for a program the recording
    /// cannot serve, before any output. `ordered` runs every event in time order on one core
    /// even where the program's result does not depend on the order (for the tests that prove
    /// the two give the same).
    public static func run(_ program: BtProgram, _ rec: Recording, positionals: [String], json: Bool = false, tool: String = "bt",
                           ordered: Bool = false, mapKprobes: Bool = false, log: BtAggregationLog? = nil, into out: inout ToolOutput) throws {
        let runtime = BtRuntime(out: out)
        // The log is one object: the run folds on one core, in time order.
        runtime.maps.log = log
        let ordered = ordered || log != nil
        defer { log?.keyed = runtime.maps.keyed }
        runtime.json = json
        defer { out = runtime.out }
        var loaded: KernelSymbols??
        let symbols = { () -> KernelSymbols? in
            if loaded == nil { loaded = .some(try? KernelSymbols.load(rec.file)) }
            return loaded!
        }
        var execsLoaded: ExecArgvIndex??
        let execs = { () -> ExecArgvIndex? in
            if execsLoaded == nil { execsLoaded = .some(try? ExecArgvIndex(rec)) }
            return execsLoaded!
        }
        var uidsLoaded: UidTimeline??
        let uids = { () -> UidTimeline? in
            if uidsLoaded == nil { uidsLoaded = .some(rec.hasTable(ProcessSnapshotRow.table) || rec.hasTable(ProcessForkRow.table) ? try? rec.uidTimeline() : nil) }
            return uidsLoaded!
        }
        var parentsLoaded: ParentTimeline??
        let parents = { () -> ParentTimeline? in
            if parentsLoaded == nil { parentsLoaded = .some(rec.hasTable(ProcessSnapshotRow.table) || rec.hasTable(ProcessForkRow.table) ? try? rec.parentTimeline() : nil) }
            return parentsLoaded!
        }
        var usersLoaded: UserSymbols??
        let userSymbols = { () -> UserSymbols? in
            if usersLoaded == nil { usersLoaded = .some(try? UserSymbols.load(rec)) }
            return usersLoaded!
        }
        var loadsLoaded: LoadAverages??
        let loadAverages = { () -> LoadAverages? in
            if loadsLoaded == nil { loadsLoaded = .some(rec.hasTable("load_average") ? try? LoadAverages(rec) : nil) }
            return loadsLoaded!
        }
        // bpftrace's syscall-latency idiom is one probe over the call rows (BtSyscallLatencyIdiom);
        // an ordered run (the tests' reference) keeps the program as written.
        var program = program
        var folded = 0, foldedEnters: [String] = [], foldedStamps: [String] = []
        if !ordered, let r = BtSyscallLatencyIdiom.rewrite(program, rec) { (program, folded, foldedEnters, foldedStamps) = r }
        // One column set per table: probes on the same table share its scan.
        var columnsByTable: [String: TracepointColumns] = [:]
        var resolved: [(probe: BtProbe, attach: Attach, name: String, input: TracepointProbeInput?)] = []
        var aliases = folded
        for probe in program.probes {
            for point in probe.attachPoints {
                for (attach, name) in try resolve(point, rec, at: probe.line, mapKprobes: mapKprobes) {
                    var source: TracepointSource?
                    if case .mappedKprobe(let sub) = attach {
                        let event = sub.event
                        // Several names of one function (blk_account_io_start, its __ form) are
                        // one tracepoint: attached once, as only one exists in a kernel.
                        if resolved.contains(where: { if case .mappedKprobe(let s) = $0.attach { return s.event == event && $0.probe.line == probe.line }; return false }) {
                            aliases += 1  // bpftrace's banner still counts it
                            continue
                        }
                        source = try rec.tracepointSource(event)
                        runtime.out.warn("bpfan \(tool): \(name) is served by tracepoint:\(event) (\(BtKprobeMap.substitutes[String(name.split(separator: ":").last!)]!.meaning))")
                    }
                    if case .samples = attach { source = try rec.cpuSampleSource(name) }
                    if case .tracepoint(let event) = attach { source = try rec.tracepointSource(event) }
                    let input = source.map { s in
                        let columns = columnsByTable[s.table] ?? TracepointColumns()
                        columnsByTable[s.table] = columns
                        return TracepointProbeInput(source: s, columns: columns)
                    }
                    resolved.append((probe, attach, name, input))
                }
            }
        }
        func compile(_ r: (probe: BtProbe, attach: Attach, name: String, input: TracepointProbeInput?), into maps: BtMaps) throws -> Compiled {
            var c = BtCompiler(source: r.input?.source, columns: r.input?.columns, positionals: positionals, recordingStart: rec.effectiveStart,
                               clock: rec.clock, symbols: symbols, execs: execs, uids: uids, userSymbols: userSymbols, parents: parents, diskNames: { rec.blockDevices }, maps: maps)
            if case .mappedKprobe(let sub) = r.attach {
                // A generic table names a field's column itself; a family's view names it in the catalog.
                c.kprobeArguments = sub.arguments.mapValues { r.input?.source.field($0)?.column ?? $0 }
                c.kprobePointers = sub.pointers
            }
            c.hostPages = rec.memoryAndSwapPages
            c.loadAverages = loadAverages
            c.probeName = r.name
            let predicate = try r.probe.predicate.map { p throws(BtError) in try c.integer(p) }
            let body = try c.block(r.probe.body)
            return Compiled(attach: r.attach, name: r.name, input: r.input, predicate: predicate, body: body, scratchCount: c.scratchSlots.count,
                            waitsForProbeEnd: c.waitsForProbeEnd, counting: r.input.flatMap { BtCountingProbe(r.probe, columns: $0.columns, maps: maps) })
        }
        let compiled = try resolved.map { try compile($0, into: runtime.maps) }
        // A folded idiom's stamp map exists as the enter probe made it, empty again at exit.
        for stamp in foldedStamps where runtime.maps.kinds[stamp] == nil {
            runtime.maps.kinds[stamp] = .integer
            runtime.maps.keyed[stamp] = true
        }
        // Stacks are named from what the recording kept: say so when it kept nothing to name them.
        if case .some(.none) = loaded { runtime.out.warn("bpfan \(tool): this recording has no kernel symbols (kallsyms): kstack and ksym() print kernel addresses in hex") }
        if case .some(.none) = usersLoaded { runtime.out.warn("bpfan \(tool): ustack: this recording has no process maps (bpfrec record --families stacks keeps them); user frames print as addresses") }
        let foldedSources = foldedEnters.compactMap { try? rec.tracepointSource($0) }
        for note in TracepointSource.coverageNotes(compiled.compactMap { $0.input?.source } + foldedSources) { runtime.out.warn("bpfan \(tool): \(note)") }
        let families = Set(compiled.compactMap { $0.input.map { Recording.family(ofTable: $0.source.table) } })
        if let lost = rec.lossSummary(families: families) {
            runtime.out.warn("bpfan \(tool): warning: \(lost); maps and output are incomplete")
        }
        if json {
            runtime.out.text(BtJSON.line("attached_probes", "{\"probes\": \(compiled.count + aliases)}"))
        } else {
            runtime.out.text("Attaching \(compiled.count + aliases) probe\(compiled.count + aliases == 1 ? "" : "s")...\n")
        }

        let context = BtContext(program: runtime)
        func fire(_ c: Compiled, row: TracepointRow?, time: Int64) throws {
            try c.fire(context, row: row, time: time)
        }
        let start = rec.effectiveStart, end = rec.effectiveEnd
        for c in compiled { if case .begin = c.attach, !runtime.exited { try fire(c, row: nil, time: start) } }

        // Interval probes fire at start + k * period, between the events, until the window ends.
        var ticks: [(next: Int64, period: Int64, probe: Int)] = compiled.enumerated().compactMap { i, c in
            if case .interval(let p) = c.attach { return (start &+ p, p, i) }
            return nil
        }
        func fireTicks(until t: Int64) throws {
            while !runtime.exited, let i = ticks.indices.min(by: { ticks[$0].next < ticks[$1].next }), ticks[i].next <= t {
                let tick = ticks[i]
                ticks[i].next = tick.next &+ tick.period
                try fire(compiled[tick.probe], row: nil, time: tick.next)
            }
        }
        let events = compiled.filter { $0.input != nil }
        let inputs = events.map { $0.input! }
        struct Exited: Error {}
        if !ordered, !runtime.exited, ticks.isEmpty, BtOrderIndependence.holds(program), Recording.canFoldUnordered(inputs) {
            // Every core folds chunks into maps of its own, merged into the program's before END.
            let eventProbes = resolved.filter { $0.input != nil }
            let workers = try (0..<max(1, ProcessInfo.processInfo.activeProcessorCount)).map { _ in
                let own = BtRuntime(out: ToolOutput())
                return BtWorker(runtime: own, probes: try eventProbes.map { try compile($0, into: own.maps) })
            }
            try rec.foldTracepoints(inputs, workers: workers)
            if let e = workers.compactMap(\.firstError).min(by: { $0.time < $1.time }) { throw e.error }
            for w in workers {
                try runtime.maps.merge(w.maps)
                runtime.unknownUids += w.context.program.unknownUids
                runtime.unknownParents += w.context.program.unknownParents
                runtime.unknownDisks += w.context.program.unknownDisks
            }
        } else if !runtime.exited {
            do {
                try rec.scanTracepoints(inputs) { hit in
                    try fireTicks(until: hit.time)
                    if runtime.exited { throw Exited() }
                    try fire(events[hit.probe], row: hit.row, time: hit.time)
                    if runtime.exited { throw Exited() }
                }
                try fireTicks(until: end)
            } catch is Exited {}
        }
        // END runs after exit() too, as bpftrace's does.
        runtime.exited = false
        for c in compiled { if case .end = c.attach { try fire(c, row: nil, time: end) } }
        if runtime.shortenedArgs > 0, let limits = execsLoaded??.limits {
            runtime.out.warn("bpfan \(tool): this recording kept arguments to \(limits.longArgBytes) bytes (an older bpfrec); \(runtime.shortenedArgs) exec(s) may show arguments shorter than bpftrace's 1023 bytes")
        }
        if runtime.unknownUids > 0 {
            runtime.out.warn("bpfan \(tool): uid: \(runtime.unknownUids) event(s) of threads the recording never gave a uid (not in its process snapshot, forks, execs or syscall_detail) read uid 0")
        }
        if runtime.unknownParents > 0 {
            runtime.out.warn("bpfan \(tool): curtask->real_parent: \(runtime.unknownParents) event(s) of threads the process tables never gave a parent (not in the snapshot, forks or execs) read pid 0 and an empty comm")
        }
        if runtime.loadReadsAfterEvent > 0 {
            runtime.out.warn("bpfan \(tool): cat(\"/proc/loadavg\"): \(runtime.loadReadsAfterEvent) event(s) came before the recorder's first read of it (just after its probes attached) and print that read")
        }
        if runtime.unknownDisks > 0 {
            runtime.out.warn("bpfan \(tool): disk_name: \(runtime.unknownDisks) event(s) of requests on devices the recording's block_devices does not name read an empty name")
        }
        // At exit bpftrace prints two newlines, then every map by name.
        runtime.out.text("\n\n")
        for name in runtime.maps.kinds.keys.sorted() { runtime.printMap(name) }
    }
}

/// bpftrace's wildcards in probe names: `*` any run, `?` one character.
public enum BtGlob {
    public static func matches(_ pattern: String, _ name: String) -> Bool {
        let p = Array(pattern.utf8), s = Array(name.utf8)
        var pi = 0, si = 0, star = -1, mark = 0
        while si < s.count {
            if pi < p.count, p[pi] == UInt8(ascii: "?") || p[pi] == s[si] { pi += 1; si += 1 }
            else if pi < p.count, p[pi] == UInt8(ascii: "*") { star = pi; mark = si; pi += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; si = mark }
            else { return false }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}
