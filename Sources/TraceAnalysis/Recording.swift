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
        startTime = info?.startTime ?? anchors?.start.monotonic ?? summary.firstTime ?? 0
        // Without a recorded stop, the last event ends the span (inclusive: the window is half-open).
        stopTime = info?.stopTime ?? anchors?.stop?.monotonic ?? summary.lastTime.map { $0 &+ 1 } ?? startTime
        self.window = window
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
        return Recording(copying: self, window: w)
    }

    /// Where the analysed span begins: the window's start, or the recording's start.
    public var effectiveStart: Int64 { window.start ?? startTime }
    /// Where it ends: the window's end, or the recording's stop.
    public var effectiveEnd: Int64 { window.end ?? stopTime }

    public func hasTable(_ name: String) -> Bool { file.tableID(named: name) != nil }

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
