import TraceReport
import Foundation
import Testing
import TraceFormat
import TraceSchema

/// Turns Tests/Validation/capture.bt output into a recording (`BPFAN_IMPORT=dir swift test
/// --filter importCapture`): dir holds capture.txt, syscalls.txt ("nr name") and disks.txt
/// ("major:minor name"); run.trc is written there. Only for validate.sh, skipped otherwise.
@Test(.enabled(if: ProcessInfo.processInfo.environment["BPFAN_IMPORT"] != nil, "an import step of Tests/Validation/validate.sh: runs only with BPFAN_IMPORT=dir"))
func importCapture() throws {
    let dir = URL(fileURLWithPath: ProcessInfo.processInfo.environment["BPFAN_IMPORT"]!)
    let lines = try String(contentsOf: dir.appendingPathComponent("capture.txt"), encoding: .utf8).split(separator: "\n")
    var names: [String: String] = [:]
    for l in try String(contentsOf: dir.appendingPathComponent("syscalls.txt"), encoding: .utf8).split(separator: "\n") {
        let f = l.split(separator: " ")
        if f.count == 2 { names[String(f[0])] = String(f[1]) }
    }
    struct Dev: Encodable { var dev: UInt32; var name: String }
    var devs: [Dev] = []
    for l in try String(contentsOf: dir.appendingPathComponent("disks.txt"), encoding: .utf8).split(separator: "\n") {
        let f = l.split(separator: " "), mm = f.first?.split(separator: ":") ?? []
        if f.count == 2, mm.count == 2, let ma = UInt32(mm[0]), let mi = UInt32(mm[1]) { devs.append(Dev(dev: ma << 20 | mi, name: String(f[1]))) }
    }
    var start: (Int64, Int64) = (0, 0), stop: Int64 = 0
    var syscalls: [[String: ColumnValue]] = [], issues: [[String: ColumnValue]] = [], completes: [[String: ColumnValue]] = []
    var details: [[String: ColumnValue]] = [], exits: [[String: ColumnValue]] = [], execs: [[String: ColumnValue]] = []
    var execArgs: [String: (filename: String, args: [String])] = [:]
    // Numbers as printed by bpftrace: signed, or u64 beyond Int64 (a flush's sector is ~0).
    func n(_ s: String) -> Int64 { Int64(s) ?? UInt64(s).map { Int64(bitPattern: $0) } ?? 0 }
    for l in lines {
        let f = l.split(separator: " ").map(String.init)
        switch f.first {
        case "M": start = (n(f[1]), n(f[2]))
        case "E": stop = n(f[1])
        case "S" where f.count == 7:
            syscalls.append(["ts": .int(n(f[1])), "pid": .int(n(f[2])), "tid": .int(n(f[3])), "id": .int(n(f[4])),
                             "ret": .int(n(f[5])), "duration": .int(n(f[6]))])
        case "I" where f.count >= 6, "C" where f.count >= 6:
            let dev = n(f[2]), sector = n(f[3])
            // No request pointer in the tracepoints: (dev, sector) stands for it.
            var row: [String: ColumnValue] = ["ts": .int(n(f[1])), "rq": .int(dev << 40 ^ sector), "dev": .int(dev), "sector": .int(sector),
                                              "nr_bytes": .int(n(f[4])), "rwbs": .string(f[5])]
            if f.count >= 7 { row["comm"] = .string(f[6...].joined(separator: " ")) }
            if f[0] == "I" { issues.append(row) } else { completes.append(row) }
        case "D" where f.count >= 12:
            // capture-snoop.bt: D ts dur pid tid uid id ret a0 a1 a2 comm|path
            let rest = l.split(separator: " ", maxSplits: 11).last.map(String.init) ?? ""
            let commPath = rest.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            details.append(["ts": .int(n(f[1])), "duration": .int(n(f[2])), "pid": .int(n(f[3])), "tid": .int(n(f[4])), "uid": .int(n(f[5])),
                            "id": .int(n(f[6])), "ret": .int(n(f[7])), "arg0": .int(n(f[8])), "arg1": .int(n(f[9])), "arg2": .int(n(f[10])),
                            "comm": .string(commPath.first ?? ""), "path": .string(commPath.count > 1 ? commPath[1] : "")])
        case "F" where f.count >= 2:
            execArgs[f[1]] = (f.count > 2 ? l.split(separator: " ", maxSplits: 2).last.map(String.init) ?? "" : "", [])
        case "A" where f.count >= 3:
            let arg = f.count > 3 ? String(l.split(separator: " ", maxSplits: 3).last ?? "") : ""
            execArgs[f[1], default: ("", [])].args.append(arg)
        case "P" where f.count >= 9:
            // P ts dur pid tid ppid uid ret comm
            let pending = execArgs.removeValue(forKey: f[4]) ?? ("", [])
            let kept = Array(pending.args.prefix(20))
            execs.append(["ts": .int(n(f[1])), "duration": .int(n(f[2])), "pid": .int(n(f[3])), "tid": .int(n(f[4])), "ppid": .int(n(f[5])),
                          "uid": .int(n(f[6])), "ret": .int(n(f[7])), "comm": .string(f[8...].joined(separator: " ")), "filename": .string(pending.filename),
                          "argv": .bytes(Array(kept.map { $0 + "\0" }.joined().utf8)), "argc": .int(Int64(pending.args.count)),
                          "args_truncated": .int(pending.args.count > 20 ? 1 : 0)])
        case "X" where f.count >= 8:
            // X ts pid tid ppid exit_code start_time comm
            exits.append(["ts": .int(n(f[1])), "pid": .int(n(f[2])), "tid": .int(n(f[3])), "ppid": .int(n(f[4])), "exit_code": .int(n(f[5])),
                          "start_time": .int(n(f[6])), "comm": .string(f[7...].joined(separator: " ")), "group_dead": 1])
        default: break
        }
    }
    let path = dir.appendingPathComponent("run.trc").path
    let w = try TraceWriter(path: path, overwrite: true)
    try w.writeMetadata(name: MetadataName.clock, json: ClockAnchors(start: .init(monotonic: start.0, realtime: start.1, boottime: start.0),
                                                                     utcOffsetSeconds: TimeZone.current.secondsFromGMT()))
    try w.writeMetadata(name: MetadataName.recording, json: RecordingInfo(tool: "capture.bt", version: "validation", commandLine: [],
                                                                        families: ["syscalls", "block"], startTime: start.0, stopTime: stop))
    try w.writeMetadata(name: MetadataName.syscallNames, json: names)
    try w.writeMetadata(name: MetadataName.blockDevices, json: devs)
    for (table, rows) in [("syscall", syscalls), ("block_rq_issue", issues), ("block_rq_complete", completes),
                          ("syscall_detail", details), ("process_exit", exits), ("process_exec", execs)] where !rows.isEmpty || table == "syscall" {
        let schema = EventTables.named(table)!
        var buffer = TableBuffer(tableID: try w.defineTable(schema), schema: schema)
        for values in rows {
            buffer.append(row: schema.columns.map { c in values[c.name] ?? (c.type.isInteger ? .int(0) : .bytes([])) })
            if buffer.rowCount == 4096 { try w.flush(&buffer) }
        }
        try w.flush(&buffer)
    }
    try w.close()
}
