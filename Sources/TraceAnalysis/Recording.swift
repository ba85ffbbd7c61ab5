import Foundation
import TraceFormat
import TraceSchema

/// A recording opened for analysis: the file, its decoded metadata, and the time window the
/// user asked for. Immutable and shareable across the scan's worker threads.
public final class Recording: @unchecked Sendable {
    // @unchecked: every stored property is immutable after init (TraceFile is itself read-only).
    public let file: TraceFile
    public let path: String
    public let host: HostInfo?
    public let info: RecordingInfo?
    /// The host's RAM + swap in pages (MemTotal + SwapTotal at the start): a system-wide OOM's
    /// totalpages. nil for a recording made before bpfrec kept them.
    public var memoryAndSwapPages: Int64? { host.flatMap { h in h.memoryPages.map { $0 + (h.swapPages ?? 0) } } }
    /// Clock anchors when the recording has them (wall-clock printing, `--from 22:30:00`).
    public let clock: ClockAnchorsView?
    /// Syscall number → name from the recording host (`syscall_names`), parsed when first
    /// asked for (most tools never do).
    public var syscallNames: [Int: String] { names.value }
    /// Device number (major << 20 | minor) → disk name (`block_devices`), parsed when first
    /// asked for.
    public var blockDevices: [UInt32: String] { devices.value }
    private let names: LazyValue<[Int: String]>
    private let devices: LazyValue<[UInt32: String]>
    /// CLOCK_MONOTONIC time recording started and stopped (from the metadata, else the events).
    public let startTime: Int64
    public let stopTime: Int64
    /// The part of the recording tools look at.
    public let window: TimeWindow

    public convenience init(path: String) throws {
        try self.init(file: TraceFile(path: path), window: .all)
    }

    public init(file: TraceFile, window: TimeWindow) throws {
        self.file = file
        self.path = file.path
        host = try file.metadata(named: MetadataName.host, as: HostInfo.self)
        info = try file.metadata(named: MetadataName.recording, as: RecordingInfo.self)
        let anchors = try file.metadata(named: MetadataName.clock, as: ClockAnchors.self)
        clock = anchors.map {
            ClockAnchorsView(monotonicAtStart: $0.start.monotonic, realtimeAtStart: $0.start.realtime, utcOffsetSeconds: $0.utcOffsetSeconds ?? 0)
        }
        // The blocks are read (checksum, decompression) now, so that a damaged one is reported
        // up front as before; their JSON is parsed on first use (invalid JSON reads as empty).
        let rawNames = try file.metadata(named: MetadataName.syscallNames)
        names = LazyValue {
            var names: [Int: String] = [:]
            if let rawNames, let raw = try? JSONDecoder().decode([String: String].self, from: Data(rawNames)) {
                for (k, v) in raw { if let n = Int(k) { names[n] = v } }
            }
            return names
        }
        let rawDevices = try file.metadata(named: MetadataName.blockDevices)
        devices = LazyValue {
            struct Device: Decodable { var dev: UInt32; var name: String }
            var devices: [UInt32: String] = [:]
            if let rawDevices, let list = try? JSONDecoder().decode([Device].self, from: Data(rawDevices)) {
                for d in list { devices[d.dev] = d.name }
            }
            return devices
        }
        let summary = RecordingSummary(file)
        // A ring that dropped its oldest chunks, or a rotated set missing its first files, is
        // complete only from where the lost data ends: the span begins there.
        let recordedStart = info?.startTime ?? anchors?.start.monotonic ?? summary.firstTime ?? 0
        startTime = max(recordedStart, file.firstCoveredTime ?? recordedStart)
        // Without a recorded stop, the last event ends the span (inclusive: the window is half-open).
        stopTime = info?.stopTime ?? anchors?.stop?.monotonic ?? summary.lastTime.map { $0 &+ 1 } ?? startTime
        self.window = Self.complete(window, file)
    }

    /// The window cut to where the recording is complete: the rows a ring's kept chunks hold
    /// from before its dropped ones ended are a partial record (other tables' rows of that
    /// time are gone), so no tool reads them.
    private static func complete(_ window: TimeWindow, _ file: TraceFile) -> TimeWindow {
        guard let first = file.firstCoveredTime else { return window }
        var w = window
        w.start = max(w.start ?? first, first)
        return w
    }

    private init(copying other: Recording, window: TimeWindow) {
        file = other.file
        path = other.path
        host = other.host
        info = other.info
        clock = other.clock
        names = other.names
        devices = other.devices
        startTime = other.startTime
        stopTime = other.stopTime
        self.window = window
    }

    /// The same recording seen through `--from`/`--to` (either may be nil).
    public func windowed(from: String?, to: String?) throws -> Recording {
        var w = TimeWindow.all
        if let from { w.start = try TimeSpec.parse(from, recordingStart: startTime, clock: clock) }
        if let to { w.end = try TimeSpec.parse(to, recordingStart: startTime, clock: clock) }
        if let s = w.start, let e = w.end, e <= s {
            throw AnalysisError("--to (\(to ?? "")) is not after --from (\(from ?? ""))")
        }
        return Recording(copying: self, window: Self.complete(w, file))
    }

    /// Where the analysed span begins: the window's start, or the recording's start when the
    /// window opens before it.
    public var effectiveStart: Int64 { max(window.start ?? startTime, startTime) }
    /// Where it ends: the window's end, or the recording's stop when the window ends after it
    /// (intervals are not laid out over time nothing was recorded in).
    public var effectiveEnd: Int64 { min(window.end ?? stopTime, stopTime) }

    /// What of the asked-for span the recording covers: `nothing` says why no answer is
    /// possible (tools print it and exit non-zero), `notes` what qualifies the answer.
    public struct Coverage: Sendable, Equatable {
        public var nothing: String?
        public var notes: [String] = []
    }

    /// Checks the recording and the `--from`/`--to` window against each other (`from`/`to`:
    /// the flags' text, for the messages).
    public func coverage(from: String?, to: String?) -> Coverage {
        var c = Coverage()
        func secs(_ ns: Int64) -> String { String(format: "%.3f", Double(ns) / 1e9) + " s" }
        let span = stopTime - startTime
        if span <= 0 {
            if info == nil {
                c.nothing = "\(path): no events survive and the recording's metadata is gone (the file ends at \(file.fileSize) bytes\(file.hasFooter ? "" : ", cut short")); nothing to analyse"
            } else {
                c.nothing = "\(path): the recording covers no time (no events, no stop time); nothing to analyse"
            }
            return c
        }
        if info == nil {
            c.notes.append("\(path): the recording's metadata is gone\(file.hasFooter ? "" : " (the file was cut short)"): its command line, families and start/stop times are unknown; the span is that of the surviving events, \(secs(span))")
        }
        if let s = window.start, s >= stopTime {
            c.nothing = "--from \(from ?? ""): \(secs(s - startTime)) from the start, at or after the recording's end (\(secs(span))); nothing to analyse"
            return c
        }
        if let e = window.end, e <= startTime {
            c.nothing = "--to \(to ?? ""): at or before the recording's start; nothing to analyse"
            return c
        }
        if let e = window.end, e > stopTime {
            c.notes.append("--to \(to ?? ""): \(secs(e - startTime)) from the start, after the recording's end (\(secs(span))); the analysed span ends there")
        }
        if let s = window.start, s < startTime {
            c.notes.append("--from \(from ?? ""): before the recording's start; the analysed span begins there")
        }
        return c
    }

    /// The note for a recording limited to some processes (bpfrec -p, a launched command,
    /// --cgroup), or nil for a system-wide one.
    public var scopeNote: String? {
        info?.scope.map { "recorded for \($0) only: other processes' events are not in it" }
    }

    /// The note for a tool's intervals (the live tools' `interval [count]`, recording time)
    /// when the analysed span gives fewer than asked for or cuts the last one short.
    public func intervalNote(_ r: IntervalRequest) -> String? {
        let (seconds, count) = (r.seconds, r.count)
        var end = effectiveEnd
        if let limit = r.spanSeconds { end = min(end, effectiveStart &+ Int64(limit) * 1_000_000_000) }
        let b = IntervalBuckets(start: effectiveStart, end: end, intervalSeconds: seconds, count: count)
        var parts: [String] = []
        if let count, b.bucketCount < count { parts.append("\(b.bucketCount) of the \(count) intervals asked for") }
        if b.wholeCount < b.bucketCount {
            parts.append("the last interval covers \(String(format: "%.3f", b.cutSeconds)) s of \(seconds) s (partial)")
        }
        guard !parts.isEmpty else { return nil }
        return "the analysed span is \(String(format: "%.3f", Double(end - effectiveStart) / 1e9)) s: " + parts.joined(separator: "; ")
    }

    public func hasTable(_ name: String) -> Bool { file.tableID(named: name) != nil }

    /// The columns this recording holds for a table (an older recorder's may lack some the
    /// schema has now); empty when it has no such table.
    public func columnNames(of table: String) -> Set<String> {
        Set(file.tables.values.first { $0.name == table }?.columns.map(\.name) ?? [])
    }

    /// The family that records a table, from the compiled-in schemas (for "record it with ...").
    /// A generic tracepoint's table (`irq:softirq_entry`) answers its own name: its loss rows
    /// are named after the event.
    public static func family(ofTable name: String) -> String {
        if name.contains(":") { return name }
        return EventTables.all.first { $0.name == name }?.family ?? "?"
    }

    /// Tables among `names` the recording does not have.
    public func missingTables(_ names: [String]) -> [String] { names.filter { !hasTable($0) } }

    /// Events lost inside the window for the given families, summed by family and reason.
    /// "N events lost in this window (family reason n, ...)", or nil when none were.
    public func lossSummary(families: Set<String>) -> String? {
        let losses = losses(families: families)
        guard !losses.isEmpty else { return nil }
        let detail = losses.map { "\($0.family) \($0.reason) \($0.lost)" }.joined(separator: ", ")
        return "\(losses.reduce(0) { $0 + $1.lost }) events lost in this window (\(detail))"
    }

    public func losses(families: Set<String>) -> [LossCount] {
        var out: [String: LossCount] = [:]
        for chunk in file.chunks(ofTable: "lost_events") {
            guard let cols = try? file.read(chunk, columns: ["ts", "window", "family", "reason", "lost"]),
                  case .ints(let ts)? = cols["ts"], case .ints(let win)? = cols["window"],
                  case .blobs(let fam)? = cols["family"], case .blobs(let reason)? = cols["reason"],
                  case .ints(let lost)? = cols["lost"] else { continue }
            for i in 0..<ts.count {
                let family = fam.string(i)
                guard families.contains(family) else { continue }
                // A loss window overlapping the analysed span counts.
                let begin = ts[i] - win[i]
                if let s = window.start, ts[i] < s { continue }
                if let e = window.end, begin >= e { continue }
                let key = family + "\u{0}" + reason.string(i)
                out[key, default: LossCount(family: family, reason: reason.string(i), lost: 0)].lost += lost[i]
            }
        }
        return out.values.sorted { ($0.family, $0.reason) < ($1.family, $1.reason) }
    }
}

/// Events a family lost, for the warning a tool prints before its output.
public struct LossCount: Sendable, Equatable {
    public var family: String
    public var reason: String
    public var lost: Int64
    public init(family: String, reason: String, lost: Int64) {
        self.family = family
        self.reason = reason
        self.lost = lost
    }
}

/// A value computed on first use, once, from any thread.
final class LazyValue<T: Sendable>: @unchecked Sendable {
    // @unchecked: `cached` is only touched under `lock`.
    private let lock = NSLock()
    private var cached: T?
    private let make: @Sendable () -> T
    init(_ make: @escaping @Sendable () -> T) { self.make = make }
    var value: T {
        lock.lock()
        defer { lock.unlock() }
        if let cached { return cached }
        let v = make()
        cached = v
        return v
    }
}
