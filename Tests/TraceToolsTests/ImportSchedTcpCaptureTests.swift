import TraceReport
import Foundation
import Testing
import TraceFormat
import TraceSchema

/// Turns Tests/Validation/capture-sched-tcp.bt output into a recording
/// (`BPFAN_IMPORT_SCHED=dir swift test --filter importSchedTcpCapture`): dir holds capture.txt;
/// run.trc is written there. Only for validate-sched-tcp.sh, skipped otherwise.
@Test(.enabled(if: ProcessInfo.processInfo.environment["BPFAN_IMPORT_SCHED"] != nil, "an import step of Tests/Validation/validate-sched-tcp.sh: runs only with BPFAN_IMPORT_SCHED=dir"))
func importSchedTcpCapture() throws {
    let dir = URL(fileURLWithPath: ProcessInfo.processInfo.environment["BPFAN_IMPORT_SCHED"]!)
    let text = try String(contentsOf: dir.appendingPathComponent("capture.txt"), encoding: .utf8)
    var start: (Int64, Int64) = (0, 0), stop: Int64 = 0
    var tables: [String: [[String: ColumnValue]]] = ["sched_wakeup": [], "sched_wakeup_new": [], "sched_switch": [], "tcp_state": [], "syscall_detail": []]
    func n(_ s: Substring) -> Int64 { Int64(s) ?? UInt64(s).map { Int64(bitPattern: $0) } ?? 0 }
    func ip(_ s: Substring) -> [UInt8] { s.split(separator: ".").map { UInt8($0) ?? 0 } + Array(repeating: 0, count: 12) }
    for l in text.split(separator: "\n") {
        let f = l.split(separator: "\t", omittingEmptySubsequences: false)
        switch f.first {
        case "M" where f.count == 3: start = (n(f[1]), n(f[2]))
        case "E" where f.count == 2: stop = n(f[1])
        case "W" where f.count == 4, "N" where f.count == 4:
            // The tracepoint has no tgid of the woken task: tid stands in.
            tables[f[0] == "W" ? "sched_wakeup" : "sched_wakeup_new"]!.append(
                ["ts": .int(n(f[1])), "target_pid": .int(n(f[2])), "target_tid": .int(n(f[2])), "target_comm": .string(String(f[3]))])
        case "X" where f.count == 10:
            tables["sched_switch"]!.append(["ts": .int(n(f[1])), "cpu": .int(n(f[2])), "pid": .int(n(f[3])), "tid": .int(n(f[4])),
                                            "prev_state": .int(n(f[5])), "preempt": .int(n(f[6]) == 256 ? 1 : 0), "next_pid": .int(n(f[7])),
                                            "next_tid": .int(n(f[7])), "prev_comm": .string(String(f[8])), "next_comm": .string(String(f[9]))])
        case "T" where f.count == 14:
            tables["tcp_state"]!.append(["ts": .int(n(f[1])), "pid": .int(n(f[2])), "tid": .int(n(f[3])), "skaddr": .int(n(f[4])), "family": 2,
                                         "sport": .int(n(f[5])), "dport": .int(n(f[6])), "saddr": .bytes(ip(f[7])), "daddr": .bytes(ip(f[8])),
                                         "old_state": .int(n(f[9])), "new_state": .int(n(f[10])), "bytes_acked": .int(n(f[11])),
                                         "bytes_received": .int(n(f[12])), "comm": .string(String(f[13]))])
        case "A" where f.count == 9:
            tables["syscall_detail"]!.append(["ts": .int(n(f[1])), "pid": .int(n(f[2])), "tid": .int(n(f[3])), "id": .int(n(f[4])),
                                              "ret": .int(n(f[5])), "duration": .int(n(f[6])), "comm": .string(String(f[7])),
                                              "data": .bytes(unescape(f[8]))])
        default: break
        }
    }
    let path = dir.appendingPathComponent("run.trc").path
    let w = try TraceWriter(path: path, overwrite: true)
    try w.writeMetadata(name: MetadataName.clock, json: ClockAnchors(start: .init(monotonic: start.0, realtime: start.1, boottime: start.0),
                                                                     utcOffsetSeconds: TimeZone.current.secondsFromGMT()))
    try w.writeMetadata(name: MetadataName.recording, json: RecordingInfo(tool: "capture-sched-tcp.bt", version: "validation", commandLine: [],
                                                                        families: ["sched", "tcp"], startTime: start.0, stopTime: stop))
    for table in ["sched_wakeup", "sched_wakeup_new", "sched_switch", "tcp_state", "syscall_detail"] {
        let schema = EventTables.named(table)!
        var buffer = TableBuffer(tableID: try w.defineTable(schema), schema: schema)
        for values in tables[table]! {
            buffer.append(row: schema.columns.map { c in values[c.name] ?? (c.type.isInteger ? .int(0) : .bytes([])) })
            if buffer.rowCount == 4096 { try w.flush(&buffer) }
        }
        try w.flush(&buffer)
    }
    try w.close()
}

/// bpftrace's `%r`: printable bytes as themselves, others as `\xNN` (a backslash is not escaped).
private func unescape(_ s: Substring) -> [UInt8] {
    let b = Array(s.utf8)
    var out: [UInt8] = []
    var i = 0
    while i < b.count {
        if b[i] == UInt8(ascii: "\\"), i + 3 < b.count, b[i + 1] == UInt8(ascii: "x"), let v = UInt8(String(decoding: b[(i + 2)...(i + 3)], as: UTF8.self), radix: 16) {
            out.append(v)
            i += 4
        } else {
            out.append(b[i])
            i += 1
        }
    }
    return out
}
