import TraceAnalysis
import TraceReport

/// `processes`: process lifetimes from the ProcessTracker's tables in time order. The tracker
/// itself answers ppid and uid at each event; this view adds what a lifetime needs (when it
/// began and ended, its exec, the thread group's end).
struct ProcessesView: DerivedView {
    let name = "processes"
    let columnNames = ["pid", "ppid", "comm", "uid", "start_ts", "seen_by", "exec_ts", "execs", "filename", "argv", "exit_ts", "exit_code", "lifetime"]

    struct Life {
        var pid: Int64
        var ppid: Int64 = 0
        var comm = ""
        var uid: Int64 = 0
        var start: Int64
        var seenBy: String
        var execTs: Int64?
        var execs = 0
        var filename: String?
        var argv: String?
        var exitTs: Int64?
        var exitCode: Int64?
    }

    /// NUL-separated arguments as one line.
    static func joined(_ raw: [UInt8]) -> String {
        var b = raw
        while b.last == 0 { b.removeLast() }
        return b.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
    }

    func produce(_ r: SQLRecording, into sink: RowSink) throws {
        let rec = r.recording
        let sources = [
            ScanSource(ProcessSnapshotRow.self, reading: [\.pid, \.tid, \.ppid, \.uid, \.startTime, \.comm, \.cmdline, \.exe]),
            ScanSource(ProcessForkRow.self, reading: [\.pid, \.tid, \.comm, \.childPid, \.childTid, \.childStartTime]),
            ScanSource(ProcessExecRow.self, reading: [\.pid, \.tid, \.ppid, \.uid, \.ret, \.comm, \.filename, \.argv]),
            ScanSource(CommChangeRow.self, reading: [\.pid, \.tid, \.newComm]),
            ScanSource(ProcessExitRow.self, reading: [\.pid, \.tid, \.ppid, \.comm, \.exitCode, \.groupDead]),
        ]
        // Recordings made before group_dead existed: the main thread's exit ends the process.
        let hasGroupDead = rec.file.schema(named: "process_exit")?.columnIndex("group_dead") != nil
        var alive: [Int64: Life] = [:]
        func emit(_ l: Life) throws {
            let u = { (v: Int64?) in v.map { ResultCell.u64(UInt64(bitPattern: $0)) } ?? .null }
            try sink.emit([
                .int(l.pid), .int(l.ppid), .text(l.comm), .int(l.uid), .u64(UInt64(bitPattern: l.start)), .text(l.seenBy),
                u(l.execTs), .int(Int64(l.execs)), l.filename.map { .text($0) } ?? .null, l.argv.map { .text($0) } ?? .null,
                u(l.exitTs), .int(l.exitCode), u(l.exitTs.map { $0 - l.start }),
            ])
        }
        try rec.scanMerged(sources) { m in
            switch m.source {
            case 0:
                let s = ProcessSnapshotRow(m)
                guard s.pid == s.tid else { return }
                var l = Life(pid: s.pid, start: s.startTime, seenBy: "snapshot")
                l.ppid = s.ppid
                l.comm = s.comm
                l.uid = s.uid
                let exe = s.exe, args = Self.joined(s.cmdline)
                l.filename = exe.isEmpty ? nil : exe
                l.argv = args.isEmpty ? nil : args
                alive[s.pid] = l
            case 1:
                let f = ProcessForkRow(m)
                guard f.childPid != f.pid else { return }  // a new thread, not a process
                if let old = alive.removeValue(forKey: f.childPid) { try emit(old) }  // its exit was not recorded
                var l = Life(pid: f.childPid, start: f.childStartTime != 0 ? f.childStartTime : f.ts, seenBy: "fork")
                l.ppid = f.pid
                l.comm = f.comm
                l.uid = alive[f.pid]?.uid ?? 0
                l.filename = alive[f.pid]?.filename
                l.argv = alive[f.pid]?.argv
                alive[f.childPid] = l
            case 2:
                let e = ProcessExecRow(m)
                guard e.ret == 0 else { return }
                var l = alive[e.pid] ?? Life(pid: e.pid, start: e.ts, seenBy: "exec")
                l.ppid = e.ppid
                l.uid = e.uid
                l.comm = e.comm
                l.execTs = e.ts
                l.execs += 1
                l.filename = e.filename
                l.argv = Self.joined(e.argv)
                alive[e.pid] = l
            case 3:
                let c = CommChangeRow(m)
                guard c.tid == c.pid else { return }
                alive[c.pid]?.comm = c.newComm
            default:
                let x = ProcessExitRow(m)
                let ends = hasGroupDead ? x.groupDead != 0 : x.tid == x.pid
                guard ends else { return }
                var l = alive.removeValue(forKey: x.pid) ?? Life(pid: x.pid, start: x.ts, seenBy: "exit")
                if x.tid == x.pid, !x.comm.isEmpty { l.comm = x.comm }
                l.ppid = x.ppid
                l.exitTs = x.ts
                l.exitCode = x.exitCode
                try emit(l)
            }
        }
        for pid in alive.keys.sorted() { try emit(alive[pid]!) }
    }
}
