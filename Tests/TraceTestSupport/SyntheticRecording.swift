import Foundation
import TraceFormat
import TraceSchema

/// Builds a small recording whose every event the test chose, with the compiled-in schemas.
/// Columns a row leaves out are 0 / empty. Shared by the engine's and the tools' tests.
public final class SyntheticRecording {
    public static let t0: Int64 = 1_000_000_000_000          // CLOCK_MONOTONIC at recording start
    public static let wall0: Int64 = 1_795_990_000_000_000_000 // 2026-11-29 22:06:40 UTC at t0
    public var rows: [String: [[String: ColumnValue]]] = [:]
    public var order: [String] = []
    public var syscallNames: [String: String] = [:]
    public var devices: [(UInt32, String)] = []
    /// Raw metadata blobs by name (e.g. `kallsyms` text).
    public var metadata: [String: [UInt8]] = [:]
    public var duration: Int64 = 5_000_000_000
    public var rowsPerChunk = 3
    public var commandLine = ["bpfrec", "record"]
    public var stackFrequency: Int?
    /// False for a recording without host metadata (as a damaged or foreign file may be).
    public var writesHost = true
    public var hostname = "testhost"
    public var kernelRelease = "6.18.0"
    /// Tables outside the compiled-in catalog (generic tracepoint tables), by name.
    public var schemas: [String: TableSchema] = [:]

    public init() {}

    public func add(_ table: String, _ values: [String: ColumnValue]) {
        if rows[table] == nil { order.append(table) }
        rows[table, default: []].append(values)
    }

    /// One directory per test process, removed when the process exits.
    public static let directory: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bpfan-tests-\(getpid())")
        atexit { try? FileManager.default.removeItem(at: FileManager.default.temporaryDirectory.appendingPathComponent("bpfan-tests-\(getpid())")) }
        return dir
    }()

    /// `t0 + seconds`, in ns.
    public static func at(_ seconds: Double) -> Int64 { t0 + Int64((seconds * 1e9).rounded()) }

    public func write(lost: [(family: String, lost: Int64, at: Double)] = []) throws -> String {
        let dir = Self.directory
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("\(UUID().uuidString).trc").path
        let w = try TraceWriter(path: path)
        if writesHost { try w.writeMetadata(name: MetadataName.host, json: HostInfo(hostname: hostname, kernelRelease: kernelRelease, machine: "x86_64", cpuCount: 2, pageSize: 4096)) }
        try w.writeMetadata(name: MetadataName.clock, json: ClockAnchors(
            start: .init(monotonic: Self.t0, realtime: Self.wall0, boottime: Self.t0),
            stop: .init(monotonic: Self.t0 + duration, realtime: Self.wall0 + duration, boottime: Self.t0 + duration), utcOffsetSeconds: 0))
        try w.writeMetadata(name: MetadataName.recording, json: RecordingInfo(tool: "bpfrec", version: "test", commandLine: commandLine,
                                                                            families: [], startTime: Self.t0, stopTime: Self.t0 + duration,
                                                                            stackFrequency: stackFrequency))
        if !syscallNames.isEmpty { try w.writeMetadata(name: MetadataName.syscallNames, json: syscallNames) }
        for (name, bytes) in metadata.sorted(by: { $0.key < $1.key }) { try w.writeMetadata(name: name, bytes: bytes) }
        struct Dev: Encodable { var dev: UInt32; var name: String }
        if !devices.isEmpty { try w.writeMetadata(name: MetadataName.blockDevices, json: devices.map { Dev(dev: $0.0, name: $0.1) }) }
        var tables = order
        for l in lost { add("lost_events", ["ts": .int(Self.at(l.at)), "window": .int(1_000_000_000), "family": .string(l.family), "reason": "ringbuf_full", "lost": .int(l.lost)]) }
        if !lost.isEmpty && !tables.contains("lost_events") { tables.append("lost_events") }
        for table in tables {
            let schema = schemas[table] ?? EventTables.named(table)!
            let id = try w.defineTable(schema)
            var buffer = TableBuffer(tableID: id, schema: schema)
            for values in rows[table]! {
                buffer.append(row: schema.columns.map { c in values[c.name] ?? (c.type.isInteger ? .int(0) : .bytes([])) })
                if buffer.rowCount == rowsPerChunk { try w.flush(&buffer) }
            }
            try w.flush(&buffer)
        }
        try w.close()
        return path
    }
}
