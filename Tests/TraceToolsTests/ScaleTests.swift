import TraceReport
import TraceTestSupport
import Foundation
import Testing
import TraceFormat
import TraceSchema
@testable import TraceTools

/// Opt-in scale check (`BPFAN_SCALE=rows swift test --filter Scale`): a recording of that many
/// syscall rows in 64 Ki-row chunks, two CPUs interleaved out of order, analysed by syscount
/// (streaming aggregation) and syscount -P (time-ordered merge with the process tracker). Prints
/// wall time and peak RSS; checks the totals.
@Test(.enabled(if: ProcessInfo.processInfo.environment["BPFAN_SCALE"] != nil, "opt-in scale check: runs only with BPFAN_SCALE=rows"))
func scaleSyscount() throws {
    let rows = Int(ProcessInfo.processInfo.environment["BPFAN_SCALE"] ?? "") ?? 2_000_000
    let path = ProcessInfo.processInfo.environment["BPFAN_SCALE_PATH"] ?? SyntheticRecording.directory.appendingPathComponent("scale.trc").path
    try FileManager.default.createDirectory(at: SyntheticRecording.directory, withIntermediateDirectories: true)
    let w = try TraceWriter(path: path, overwrite: true)
    try w.writeMetadata(name: MetadataName.syscallNames, json: ["0": "read", "1": "write", "2": "open"])
    try w.writeMetadata(name: MetadataName.recording, json: RecordingInfo(tool: "scale", version: "test", commandLine: [], families: ["syscalls", "proc"],
                                                                        startTime: SyntheticRecording.t0, stopTime: SyntheticRecording.t0 + Int64(rows) * 1000 + 1_000_000))
    let snap = EventTables.named("process_snapshot")!
    var sb = TableBuffer(tableID: try w.defineTable(snap), schema: snap)
    for p in 0..<20 {
        sb.append(row: snap.columns.map { c -> ColumnValue in
            switch c.name {
            case "pid", "tid": .int(Int64(1000 + p))
            case "comm": .string("proc\(p)")
            case "ts": .int(SyntheticRecording.t0)
            default: c.type.isInteger ? .int(0) : .bytes([])
            }
        })
    }
    try w.flush(&sb)
    let schema = EventTables.named("syscall")!
    let id = try w.defineTable(schema)
    var buffer = TableBuffer(tableID: id, schema: schema, reserve: 65536)
    for i in 0..<rows {
        // Two CPUs' rows interleaved with a 5 us skew: out of order by a little.
        let ts = SyntheticRecording.t0 + Int64(i) * 1000 + (i % 2 == 0 ? 5000 : 0)
        for (ci, c) in schema.columns.enumerated() {
            switch c.name {
            case "ts": buffer.append(int: ts, column: ci)
            case "pid", "tid": buffer.append(int: Int64(1000 + i % 20), column: ci)
            case "id": buffer.append(int: Int64(i % 3), column: ci)
            case "ret": buffer.append(int: i % 7 == 0 ? -2 : 0, column: ci)
            case "duration": buffer.append(int: 700, column: ci)
            default: buffer.append(int: 0, column: ci)
            }
        }
        if buffer.rowCount == 65536 { try w.flush(&buffer) }
    }
    try w.flush(&buffer)
    try w.close()

    for args in [[path], ["-P", "-L", "-T", "100", path]] {
        let start = Date()
        let out = try runTool(Syscount.self, args)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print("scale: syscount \(args.dropLast().joined(separator: " ")) over \(rows) rows: \(String(format: "%.2f", Date().timeIntervalSince(start))) s, peak RSS \(usage.ru_maxrss / 1024) MiB")
        #expect(!out.failed)
        let total = out.stdout.split(separator: "\n").compactMap { line -> Int? in
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            return f.count >= 2 && (f[0] == "read" || f[0] == "write" || f[0] == "open" || f[0].hasPrefix("10")) ? Int(f[args.count == 1 ? 1 : 2]) : nil
        }.reduce(0, +)
        #expect(total == rows)
    }
}
