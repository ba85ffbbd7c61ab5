import CBPFPrograms
import CLibBPF
import Foundation
import Glibc
import TraceFormat
import TraceSchema

/// `bpfrec record`: snapshot, load and attach the families, drain the ring on a timer into
/// chunks until the duration ends or a stop signal arrives, then detach, drain the rest and
/// close the file with its footer.
public enum Recorder {
    public static func missingCapabilities() -> [String] { Privileges.missing() }

    /// Records; `ready` is called once every probe is attached (the workload may start; a
    /// launched command starts then).
    /// `status`, when given, receives the live status line about once a second, and "" at stop.
    public static func record(_ options: RecorderOptions, ready: (String) -> Void, warn: (String) -> Void,
                              status: ((String) -> Void)? = nil) throws -> RecordingSummary {
        let missing = Privileges.missing()
        guard missing.isEmpty else {
            throw RecorderError("missing capability \(missing.joined(separator: " and ")): run as root or grant it with `setcap cap_bpf,cap_perfmon+ep bpfrec`")
        }
        var o = options
        // The command is forked first, held before its exec: its pid joins the filter, and the
        // process snapshot sees it.
        let launched = try o.command.isEmpty ? nil : LaunchedCommand(o.command)
        if let launched, !o.systemWide { o.pids.append(UInt32(launched.pid)) }
        do {
            return try record(o, launched: launched, ready: ready, warn: warn, status: status)
        } catch {
            launched?.abandon()
            throw error
        }
    }

    private static func record(_ options: RecorderOptions, launched: LaunchedCommand?, ready: (String) -> Void, warn: (String) -> Void,
                               status: ((String) -> Void)?) throws -> RecordingSummary {
        var o = options
        // -p follows descendants through the proc family's fork program (it adds each child of
        // a recorded process to the filter): it is recorded whenever -p is, named or not.
        if !o.pids.isEmpty && !o.families.contains(.proc) { o.families.insert(.proc, at: 0) }
        bpfrec_setup_libbpf_logging(o.verbose ? 1 : 0)
        bpfrec_install_stop_handler()
        let cpus = Int(libbpf_num_possible_cpus())
        let ringBytes = o.ringSizeMB << 20

        let cgroupID = try o.cgroupPath.map { path throws(RecorderError) -> UInt64 in
            var st = stat()
            guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
                throw RecorderError("--cgroup \(path): not a cgroup v2 directory (\(errnoText()))")
            }
            return UInt64(st.st_ino)
        }

        // Tracepoints named with -e are resolved before the file exists: a bad one records nothing.
        var generic: [GenericEvent] = []
        var eventsDirectory = ""
        if !o.events.isEmpty || !o.stackEvents.isEmpty {
            try GenericEvents.checkCookies()
            eventsDirectory = try GenericEvents.eventsDirectory()
            generic = try GenericEvents.resolve(o.events, stackPatterns: o.stackEvents, stacks: o.stacks, directory: eventsDirectory)
        }
        let families = o.families + (generic.isEmpty ? [] : [Family.tracepoints])
        guard !families.isEmpty else { throw RecorderError("nothing to record: --families none and no -e SUBSYS:EVENT") }
        let genericKernelStacks = generic.contains { $0.stacks.contains(.kernel) }

        let writer: TraceWriter
        var layout = TraceLayout.linear
        if let ring = o.ring { layout = .ring(capacity: ring) }
        if o.rotateBytes != nil || o.rotateSeconds != nil { layout = .rotate(bytes: o.rotateBytes, seconds: o.rotateSeconds) }
        do { writer = try TraceWriter(path: o.output, overwrite: o.overwrite, layout: layout) } catch {
            throw RecorderError("-o \(o.output): \((error as? FormatError)?.message ?? "\(error)")")
        }
        writer.sizeLimit = o.maxSize
        // The owner is set at once, so that even a recording killed midway is the user's.
        var ownerText = "mode 0600, owner \(FileOwner.userName(geteuid()))"
        if let owner = o.owner {
            if let why = owner.apply(to: writer.currentPath) {
                guard !owner.required else {
                    unlink(writer.currentPath)
                    throw RecorderError("--owner: \(why)")
                }
                warn("bpfrec: warning: \(why); it stays \(FileOwner.userName(geteuid()))'s")
            } else {
                ownerText = "mode 0600, owner \(FileOwner.userName(owner.uid)): \(owner.why)"
            }
        }
        let pipeline = ChunkPipeline(writer: writer)
        if case .rotate = layout, let owner = o.owner {
            pipeline.configure { @Sendable w in w.created = { @Sendable path in _ = owner.apply(to: path) } }
        }
        let startAnchor = HostMetadata.anchor()

        // Tables: every table of the recorded families, plus the recorder's own.
        var tableIDs: [String: UInt32] = [:]
        let recorded = EventTables.all.filter { t in
            o.families.contains { $0.name == t.family } || t.family == "recorder" || t.name == "process_snapshot"
        }
        // The snapshot and the memory maps are what other chunks are read with: a ring never
        // drops them, and each rotated file starts with them again.
        for t in recorded { tableIDs[t.name] = try writer.defineTable(t, retained: t.name == "process_snapshot" || t.name == "process_maps") }
        var genericTables: [(event: GenericEvent, tableID: UInt32)] = []
        for e in generic { genericTables.append((e, try writer.defineTable(e.schema))) }
        func buffer(_ name: String) -> TableBuffer {
            TableBuffer(tableID: tableIDs[name]!, schema: EventTables.named(name)!)
        }

        // Facts that do not change while recording go in first, so a killed recording has them.
        let host = HostMetadata.host()
        try writer.writeMetadata(name: MetadataName.host, json: host)
        try writer.writeMetadata(name: MetadataName.clock, json: ClockAnchors(start: startAnchor, utcOffsetSeconds: HostMetadata.utcOffsetSeconds()))
        try writer.writeMetadata(name: MetadataName.syscallNames, bytes: SystemTables.syscallNamesJSON())
        try writer.writeMetadata(name: MetadataName.blockDevices, json: SystemTables.blockDevices())
        try writer.writeMetadata(name: MetadataName.mounts, bytes: SystemTables.mountInfo())
        if !generic.isEmpty {
            try writer.writeMetadata(name: MetadataName.tracepointFormats,
                                    json: Dictionary(uniqueKeysWithValues: generic.map { ($0.format.event, $0.formatText) }))
            try writer.writeMetadata(name: MetadataName.tracepointCatalog, json: GenericEvents.catalog(directory: eventsDirectory))
        }
        // Kernel symbols (~5 MB of text, ~0.8 MB compressed) serve only kernel stacks (the
        // stacks family's, the tcp family's drops, and those of --stack-events): other
        // recordings do without them.
        let recordsKernelSymbols = o.families.contains(.stacks) || o.families.contains(.tcp) || genericKernelStacks
        if recordsKernelSymbols {
            let kallsyms = SystemTables.kernelTextSymbols()
            if kallsyms.starts(with: Array("0000000000000000 ".utf8)) {
                warn("bpfrec: warning: /proc/kallsyms shows no addresses (needs CAP_SYSLOG): kernel stacks will not symbolize")
            }
            pipeline.metadata(name: MetadataName.kernelSymbols, bytes: kallsyms)
        }

        // The snapshot is read before the probes attach: a process born in between is seen
        // by both, never by neither.
        var snapshot = buffer("process_snapshot")
        ProcessSnapshot.rows(ProcessSnapshot.take(), at: HostMetadata.monotonic(), into: &snapshot)
        pipeline.submit(tableID: snapshot.tableID, schema: snapshot.schema, family: nil, columns: snapshot.takeColumns())
        // bpflist's view of the host, before the recorder's own programs load.
        func submitBpfObjects(at ts: UInt64, atStop: Bool) {
            var scans = buffer("bpf_scans"), objects = buffer("bpf_objects"), probes = buffer("probe_events")
            BpfObjectSnapshot.rows(at: ts, atStop: atStop, scans: &scans, objects: &objects, probes: &probes)
            for var rows in [scans, objects, probes] where rows.rowCount > 0 {
                pipeline.submit(tableID: rows.tableID, schema: rows.schema, family: nil, columns: rows.takeColumns())
            }
        }
        submitBpfObjects(at: HostMetadata.monotonic(), atStop: false)

        // Load and attach.
        let maps = try SharedMaps(ringBytes: ringBytes)
        for pid in o.pids { try maps.addPidFilter(pid) }
        var cfg = bpfrec_config()
        cfg.own_tgid = UInt32(getpid())
        cfg.filter_pids = o.pids.isEmpty ? 0 : 1
        cfg.cgroup_id = cgroupID ?? 0
        cfg.offcpu_stacks = !o.offCPUStacks ? 0 : o.offCPUStacksAtEverySwitch ? 2 : 1
        var loaded: [LoadedFamily] = []
        // Exec capture (proc's process_exec rows): with the syscalls family, its raw_syscalls
        // programs do it (they run on every syscall anyway); alone, proc uses the per-syscall
        // exec tracepoints when tracefs is readable (never mounted here), else a raw_syscalls fallback. Attaching a
        // per-syscall tracepoint puts a callback on every syscall (~100 ns each here), which is
        // why it is left out when syscalls is recorded. syscalls loads first so that proc knows.
        let execInSyscalls = families.contains(.proc) && families.contains(.syscalls)
        let loadOrder = families.filter { $0 == .syscalls } + families.filter { $0 != .syscalls }
        for f in loadOrder {
            do throws(RecorderError) {
                var skipping = o.offCPUStacks ? [] : ["offcpu_"]
                var config = cfg
                if f == .syscalls { config.exec_in_syscalls = execInSyscalls ? 1 : 0 }
                if f == .proc {
                    if execInSyscalls && loaded.contains(where: { $0.family == .syscalls }) {
                        skipping += ["enter_exec", "exit_exec", "exec_sys_"]
                    } else {
                        skipping += Tracefs.available ? ["exec_sys_"] : ["enter_exec", "exit_exec"]
                    }
                }
                let l = try LoadedFamily.load(f, config: config, maps: maps, skipping: skipping)
                loaded.append(l)
            } catch {
                if o.familiesExplicit || f == .tracepoints || (f == .proc && !o.pids.isEmpty) { throw error }
                warn("bpfrec: warning: \(error.message); recording without it")
            }
        }
        loaded.sort { (families.firstIndex(of: $0.family) ?? 0) < (families.firstIndex(of: $1.family) ?? 0) }
        guard !loaded.isEmpty else { throw RecorderError("no family could be loaded") }
        let decoder = RecordDecoder(families: loaded.map(\.family), tableIDs: tableIDs, generic: genericTables)
        let drain = try RingDrain(ringFD: maps.ringFD, decoder: decoder)
        for l in loaded { try l.attach(cpus: cpus, sampleFrequency: o.stackFrequency) }
        if let g = loaded.first(where: { $0.family == .tracepoints }) { try g.attachGeneric(generic) }
        // The BPF programs' symbols, ours now loaded: the stacks our programs take start in them.
        var bpfSymbols = BPFSymbolLines()
        if recordsKernelSymbols {
            bpfSymbols.add(SystemTables.bpfProgramSymbols())
            pipeline.metadata(name: MetadataName.bpfSymbols, bytes: bpfSymbols.bytes)
        }
        // -p follows descendants from now on (the fork program is attached); the ones already
        // alive are added from /proc, read after the attach so that none forked in between is
        // missed (a fork after the attach whose parent this adds is seen here too).
        if !o.pids.isEmpty {
            for pid in ProcessSnapshot.descendants(of: o.pids) { try? maps.addPidFilter(pid) }
        }
        let startTime = HostMetadata.monotonic()
        var info = RecordingInfo(tool: "bpfrec", version: ToolkitVersion.number, commandLine: o.commandLine, families: loaded.map(\.family.name),
                                 startTime: Int64(startTime), stackFrequency: loaded.contains { $0.family.name == "stacks" } ? o.stackFrequency : nil,
                                 pids: o.pids.isEmpty ? nil : o.pids, command: launched?.argv, cgroup: o.cgroupPath)
        info.commandPid = launched.map { UInt32($0.pid) }
        if loaded.contains(where: { $0.family.name == "stacks" }) && o.offCPUStacks {
            info.offCPUStacks = o.offCPUStacksAtEverySwitch ? "all" : "blocked"
        }
        pipeline.metadata(name: MetadataName.recording, bytes: Array(try JSONEncoder.sortedKeys.encode(info)))
        if case .rotate = layout {
            // Each numbered file closes with its own stop time, so it reads as a whole recording.
            let opened = info
            pipeline.closingMetadata { @Sendable in
                var part = opened
                part.stopTime = Int64(HostMetadata.monotonic())
                part.stopReason = "--rotate: continued in the next file"
                let clock = ClockAnchors(start: startAnchor, stop: HostMetadata.anchor(), utcOffsetSeconds: HostMetadata.utcOffsetSeconds())
                return [(MetadataName.recording, ((try? JSONEncoder.sortedKeys.encode(part)).map { Array($0) } ?? [])),
                        (MetadataName.clock, ((try? JSONEncoder.sortedKeys.encode(clock)).map { Array($0) } ?? []))]
            }
        }

        ready(readyLine(o, loaded: loaded, launched: launched))
        var commandFailure: String?
        if let launched { commandFailure = launched.release() }
        if let commandFailure { warn("bpfrec: error: \(commandFailure)") }

        // Drain loop.
        var loss = LossAccounting(cpus: cpus, start: startTime)
        var lostRows = buffer("lost_events")
        var mapsRows = buffer("process_maps")
        var loadRows = buffer("load_average")
        var loadAverage = LoadAveragePoll()
        loadAverage.poll(at: HostMetadata.monotonic(), force: true, into: &loadRows)
        let processMaps = ProcessMaps(pipeline: pipeline)
        let perfMaps = PerfMaps(pipeline: pipeline)
        let flushNs = UInt64(o.flushIntervalMs) * 1_000_000
        let deadline = o.duration.map { startTime + UInt64($0 * 1e9) }
        let stallUntil = startTime + UInt64(o.stallDrainMs) * 1_000_000
        var lastWindow = startTime
        var failure: Error?
        var behind = false
        var stopReason: String?
        // What asked to stop first (a signal, -d), for the recording's metadata.
        var requested: String?
        // A stop request with a launched command running: the command is given this long to
        // exit (recorded meanwhile) before the recording stops.
        var commandGraceEnd: UInt64?
        var commandExitTime: UInt64?
        var lastStatus = (time: startTime, events: UInt64(0), lost: UInt64(0))
        while true {
            // Sleep between drains unless the last one stopped at its budget with more waiting.
            if !behind {
                var ts = timespec(tv_sec: 0, tv_nsec: o.drainIntervalMs * 1_000_000)
                nanosleep(&ts, nil)
            }
            let now = HostMetadata.monotonic()
            let signal = bpfrec_stop_requested()
            let timeUp = deadline.map { now >= $0 } ?? false
            if requested == nil && (signal != 0 || timeUp) {
                requested = signal != 0 ? (signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)") : "-d ended"
            }
            if pipeline.sizeLimitReached {
                stopReason = "--max-size \(RecorderOptions.sizeText(o.maxSize ?? 0)) reached"
                break
            }
            if let launched {
                if launched.poll() {
                    commandExitTime = now
                    stopReason = requested.map { "the command exited after \($0)" } ?? "the command exited"
                    break
                }
                if (signal != 0 || timeUp) && commandGraceEnd == nil {
                    // Ctrl-C reached the command too (same process group); SIGTERM and -d are
                    // passed on to it.
                    if signal != SIGINT { launched.signal(SIGTERM) }
                    commandGraceEnd = now + UInt64(o.commandGraceSeconds * 1e9)
                }
                if let end = commandGraceEnd, now >= end {
                    stopReason = "\(requested ?? "stop"); the command had not exited \(String(format1: o.commandGraceSeconds)) s later"
                    break
                }
            } else if signal != 0 || timeUp {
                stopReason = requested
                break
            }
            if now < stallUntil { continue }
            behind = drain.drain(now: now)
            // Maps are read as soon as a process shows up in a user stack: it may exit soon.
            processMaps.forget(pids: decoder.takeExecPids())
            let stackPids = decoder.takeUserStackPids()
            processMaps.record(pids: stackPids, at: now, into: &mapsRows)
            perfMaps.track(pids: stackPids)
            perfMaps.exited(pids: decoder.takeExitPids(), warn: warn)
            for c in decoder.take(where: { rows, first in rows >= o.chunkRows || now &- first >= flushNs }) {
                pipeline.submit(tableID: c.tableID, schema: c.schema, family: c.family, columns: c.columns)
            }
            if let status, now &- lastStatus.time >= 1_000_000_000 {
                let events = decoder.eventsByFamily.reduce(0, +), lost = loss.totalByFamily.reduce(0, +)
                let dt = Double(now &- lastStatus.time) / 1e9
                // A plain file's size is what it cost; a ring or a rotated set counts every chunk written.
                let progress = pipeline.writeProgress
                let bounded = o.ring != nil || o.rotateBytes != nil || o.rotateSeconds != nil
                status(StatusLine(seconds: Double(now &- startTime) / 1e9, events: events, eventsPerSecond: Double(events &- lastStatus.events) / dt,
                                  bytes: bounded ? progress.chunkBytes : pipeline.fileBytes, lost: lost, lostPerSecond: Double(lost &- lastStatus.lost) / dt,
                                  ringDroppedBytes: o.ring != nil ? progress.ringDroppedBytes ?? 0 : nil, files: progress.files).text)
                lastStatus = (now, events, lost)
            }
            loadAverage.poll(at: now, into: &loadRows)
            if now &- lastWindow >= flushNs {
                lastWindow = now
                if loadRows.rowCount > 0 { pipeline.submit(tableID: loadRows.tableID, schema: loadRows.schema, family: nil, columns: loadRows.takeColumns()) }
                loss.window(maps: maps, families: loaded, generic: generic, now: now, into: &lostRows)
                if lostRows.rowCount > 0 { pipeline.submit(tableID: lostRows.tableID, schema: lostRows.schema, family: nil, columns: lostRows.takeColumns()) }
                if mapsRows.rowCount > 0 { pipeline.submit(tableID: mapsRows.tableID, schema: mapsRows.schema, family: nil, columns: mapsRows.takeColumns()) }
                processMaps.writeWhenIdle()
                if let e = pipeline.error { failure = e; break }
            }
        }

        // Programs loaded while we ran (a live tool started beside us) are in kallsyms until
        // they unload: read it again while ours are still attached.
        if recordsKernelSymbols {
            bpfSymbols.add(SystemTables.bpfProgramSymbols())
            pipeline.metadata(name: MetadataName.bpfSymbols, bytes: bpfSymbols.bytes)
        }
        status?("")
        // Stop: detach first so nothing new arrives, then take what is left in the ring.
        for l in loaded { l.detach() }
        let stopTime = HostMetadata.monotonic()
        drain.drainAll(now: stopTime)
        processMaps.forget(pids: decoder.takeExecPids())
        let stackPids = decoder.takeUserStackPids()
        processMaps.record(pids: stackPids, at: stopTime, into: &mapsRows)
        perfMaps.track(pids: stackPids)
        perfMaps.exited(pids: decoder.takeExitPids(), warn: warn)
        perfMaps.finish(warn: warn)
        if mapsRows.rowCount > 0 { pipeline.submit(tableID: mapsRows.tableID, schema: mapsRows.schema, family: nil, columns: mapsRows.takeColumns()) }
        let skippedSymbols = processMaps.finish(grace: o.symbolGraceSeconds)
        if skippedSymbols > 0 {
            warn("bpfrec: warning: symbol tables of \(skippedSymbols) binaries not extracted in time at stop (their process_maps rows keep the build-ids)")
        }
        for c in decoder.take(where: { _, _ in true }) {
            pipeline.submit(tableID: c.tableID, schema: c.schema, family: c.family, columns: c.columns)
        }
        loss.window(maps: maps, families: loaded, generic: generic, now: stopTime, into: &lostRows)
        loadAverage.poll(at: stopTime, force: true, into: &loadRows)
        submitBpfObjects(at: stopTime, atStop: true)
        if loadRows.rowCount > 0 { pipeline.submit(tableID: loadRows.tableID, schema: loadRows.schema, family: nil, columns: loadRows.takeColumns()) }
        if lostRows.rowCount > 0 { pipeline.submit(tableID: lostRows.tableID, schema: lostRows.schema, family: nil, columns: lostRows.takeColumns()) }
        // With -- CMD the recording is of CMD: it ends when CMD exited (seen within a drain
        // interval), not after the detach and kallsyms reads that follow, which would leave the
        // last half second empty and every rate low (found by Tests/Validation/compare-validation.py).
        info.stopTime = Int64(commandExitTime ?? stopTime)
        if stopReason == nil && pipeline.sizeLimitReached { stopReason = "--max-size \(RecorderOptions.sizeText(o.maxSize ?? 0)) reached" }
        info.stopReason = stopReason
        pipeline.metadata(name: MetadataName.recording, bytes: Array(try JSONEncoder.sortedKeys.encode(info)), closing: true)
        let clock = ClockAnchors(start: startAnchor, stop: HostMetadata.anchor(), utcOffsetSeconds: HostMetadata.utcOffsetSeconds())
        pipeline.metadata(name: MetadataName.clock, bytes: Array(try JSONEncoder.sortedKeys.encode(clock)), closing: true)
        let done = pipeline.finish()
        withExtendedLifetime(drain) {}
        loaded.removeAll()
        if let e = failure ?? done.error {
            let why = (e as? FormatError).map { "\($0.path == o.output ? "" : $0.path + ": ")\($0.message)" } ?? "\(e)"
            if case .rotate = layout {
                // What is left is usable: say which files are whole.
                let finished = done.files.dropLast()
                let whole = finished.isEmpty ? "no file was finished" : "\(finished.count == 1 ? finished[0] : finished.first! + " … " + finished.last!) closed and whole"
                throw RecorderError("-o \(o.output): \(why); stopped: \(whole), \(done.files.last!) kept up to its last whole block")
            }
            throw RecorderError("-o \(o.output): \(why)")
        }
        if done.refusedRows > 0, let r = stopReason {
            stopReason = r + " (the last \(done.refusedRows) rows, drained after it, are not in the file)"
        }
        // The file is closed: now the command may take its time. One still running is asked to
        // stop, and its status is what bpfrec returns.
        if let launched, !launched.poll() {
            launched.signal(SIGTERM)
            launched.wait()
        }

        var events: [Family: UInt64] = [:], bytes: [Family: Int] = [:], lost: [Family: UInt64] = [:]
        for f in families {
            events[f] = decoder.eventsByFamily[Int(f.rawValue)]
            bytes[f] = done.bytesByFamily[Int(f.rawValue)]
            lost[f] = loss.totalByFamily[Int(f.rawValue)]
        }
        var shownPath = o.output
        var fileBytes = done.totalBytes
        if case .rotate = layout {
            fileBytes = done.files.reduce(0) { n, f in
                var st = stat()
                return n + (stat(f, &st) == 0 ? Int(st.st_size) : 0)
            }
        }
        if case .rotate = layout { shownPath = done.files.count == 1 ? done.files[0] : "\(done.files.first!) … \(done.files.last!) (\(done.files.count) files)" }
        if let r = done.ring {
            shownPath += " (ring \(RecorderOptions.sizeText(r.capacity)): \(r.liveChunks) chunks kept"
                + (r.droppedChunks > 0 ? ", the oldest \(r.droppedChunks) (\(RecorderOptions.sizeText(r.droppedBytes))) dropped)" : ", none dropped)")
        }
        var summary = RecordingSummary(path: shownPath, seconds: Double((commandExitTime ?? stopTime) - startTime) / 1e9, eventsByFamily: events,
                                       chunkBytesByFamily: bytes, lostByFamily: lost, fileBytes: fileBytes, families: families)
        summary.ownerText = ownerText
        // The end line names only a stop the user may not expect (--max-size).
        summary.stopReason = pipeline.sizeLimitReached ? stopReason : nil
        if let launched {
            summary.command = launched.text
            summary.commandOutcome = commandFailure.map { "did not start (\($0))" } ?? launched.outcome
            summary.commandExitCode = launched.exitCode
        }
        return summary
    }

    /// "bpfrec: recording proc(tp_btf) syscalls(tp_btf) to run.trc for PID 1234 and
    /// descendants; Ctrl-C to stop".
    static func readyLine(_ o: RecorderOptions, loaded: [LoadedFamily], launched: LaunchedCommand?) -> String {
        var line = "bpfrec: recording \(loaded.map { "\($0.family)(\($0.attachMode))" }.joined(separator: " ")) to \(o.output)"
        let others = o.pids.filter { $0 != launched.map { UInt32($0.pid) } }
        if let launched {
            line += " while `\(launched.text)` (PID \(launched.pid)) runs"
            if o.systemWide { line += ", system-wide" } else { line += others.isEmpty ? ", it and its descendants only" : ", it, PID \(others.map(String.init).joined(separator: ", ")) and their descendants only" }
        } else if !o.pids.isEmpty {
            line += ", PID \(o.pids.map(String.init).joined(separator: ", ")) and descendants only"
        }
        if let c = o.cgroupPath { line += ", cgroup \(c)" }
        if let d = o.duration { line += ", for \(d == d.rounded() && d < 1e15 ? String(Int(d)) : String(d)) s" }
        if let m = o.maxSize { line += ", up to \(RecorderOptions.sizeText(m))" }
        return line + (launched == nil ? "; Ctrl-C to stop" : "; Ctrl-C stops it and the recording")
    }
}

extension Recorder {
    /// For `bpfrec families`: whether each family loads on this kernel, and how
    /// ("tp_btf" or "raw_tp"), without attaching anything.
    public static func probeFamilies() -> [(family: Family, result: Result<String, RecorderError>)] {
        bpfrec_setup_libbpf_logging(0)
        let missing = Privileges.missing()
        return Family.allCases.map { f in
            guard missing.isEmpty else { return (f, .failure(RecorderError("unknown: needs \(missing.joined(separator: " and "))"))) }
            do throws(RecorderError) {
                let maps = try SharedMaps(ringBytes: 1 << 20)
                var cfg = bpfrec_config()
                cfg.own_tgid = UInt32(getpid())
                let l = try LoadedFamily.load(f, config: cfg, maps: maps, skipping: Tracefs.available ? ["exec_sys_"] : ["enter_exec", "exit_exec"])
                return (f, .success(l.attachMode))
            } catch {
                return (f, .failure(error))
            }
        }
    }
}
