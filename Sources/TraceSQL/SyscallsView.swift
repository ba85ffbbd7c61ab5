import TraceAnalysis
import TraceReport

/// `syscalls`: the syscall table with names, the caller's comm (ProcessTracker) and the
/// arguments of the matching syscall_detail row, in one time-ordered merged scan. A detail row
/// shares its call's sys_enter time and thread, and sorts before it (source order breaks ties),
/// so it waits, one per thread, for its call.
struct SyscallsView: DerivedView {
    let name = "syscalls"
    let columnNames = ["ts", "exit_ts", "cpu", "pid", "tid", "comm", "id", "name", "ret", "failed", "duration", "unpaired",
                       "uid", "arg0", "arg1", "arg2", "arg3", "arg4", "arg5", "path", "path2", "data"]

    func produce(_ r: SQLRecording, into sink: RowSink) throws {
        let rec = r.recording
        let trackerCount = ProcessTracker.sources.count
        let sources = ProcessTracker.sources + [
            ScanSource(SyscallDetailRow.self, reading: [\.tid, \.uid, \.arg0, \.arg1, \.arg2, \.arg3, \.arg4, \.arg5, \.path, \.path2, \.data]),
            ScanSource(SyscallRow.self, reading: [\.cpu, \.pid, \.tid, \.id, \.ret, \.duration, \.unpaired]),
        ]
        let names = rec.syscallNames
        var tracker = ProcessTracker(for: rec)
        var pending: [Int64: [ResultCell]] = [:]
        var pendingTs: [Int64: Int64] = [:]
        let noDetail = [ResultCell](repeating: .null, count: 10)
        try rec.scanMerged(sources) { m in
            if m.source < trackerCount {
                tracker.apply(source: m.source, batch: m.batch, row: m.row)
                return
            }
            if m.source == trackerCount {
                let d = SyscallDetailRow(m)
                pending[d.tid] = [.int(d.uid)] + [d.arg0, d.arg1, d.arg2, d.arg3, d.arg4, d.arg5].map { ResultCell.u64(UInt64(bitPattern: $0)) }
                    + [.text(d.path), .text(d.path2), .blob(d.data)]
                pendingTs[d.tid] = d.ts
                return
            }
            let s = SyscallRow(m)
            var detail = noDetail
            if pendingTs[s.tid] == s.ts, let d = pending.removeValue(forKey: s.tid) {
                detail = d
                pendingTs[s.tid] = nil
            }
            let id = s.id
            try sink.emit([
                .u64(UInt64(bitPattern: s.ts)), .u64(UInt64(bitPattern: s.ts &+ s.duration)), .int(s.cpu), .int(s.pid), .int(s.tid),
                .text(tracker.comm(s.tid) ?? ""), .int(id), .text(names[Int(id)] ?? "[unknown: \(id)]"), .int(s.ret), .int(s.ret < 0 ? 1 : 0),
                .u64(UInt64(bitPattern: s.duration)), .int(s.unpaired),
            ] + detail)
        }
    }
}
