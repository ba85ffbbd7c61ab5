import TraceFormat

/// Process state over time, rebuilt from the recorder's snapshot of the tasks alive at start and
/// the fork / exec / comm change / exit events that follow: who a tid is (its process, comm,
/// parent) at the moment of any event. Feed rows in time order (use `sources` in a merged scan).
public struct ProcessTracker: Sendable {
    public struct Task: Sendable, Equatable {
        public var pid: Int64
        public var tid: Int64
        public var ppid: Int64
        public var comm: String
        public var uid: Int64
        public var startTime: Int64
    }

    public private(set) var tasks: [Int64: Task] = [:]
    /// The recording has comm_change rows, and those hold every exec's rename too (the kernel
    /// fires task_rename from begin_new_exec): an exec's new name then takes effect at its
    /// rename, not at the execve's entry (the exec row's ts), so events inside the exec (its
    /// capability checks, the binary's reads) keep the old comm, as live tools print them.
    public let renamesAtExec: Bool

    public init(renamesAtExec: Bool = false) { self.renamesAtExec = renamesAtExec }

    /// The tracker for `rec`'s process tables.
    public init(for rec: Recording) { self.init(renamesAtExec: rec.hasTable(CommChangeRow.table)) }

    /// The tables the tracker reads, as history sources of a merged scan (read from the start of
    /// the recording whatever the window). Tables the recording lacks are left out by the scan.
    public static let sources: [ScanSource] = [
        ScanSource(ProcessSnapshotRow.self, reading: [\.pid, \.tid, \.ppid, \.uid, \.startTime, \.comm], history: true),
        ScanSource(ProcessForkRow.self, reading: [\.pid, \.tid, \.comm, \.childPid, \.childTid, \.childStartTime], history: true),
        ScanSource(ProcessExecRow.self, reading: [\.pid, \.tid, \.ppid, \.uid, \.ret, \.comm], history: true),
        ScanSource(CommChangeRow.self, reading: [\.pid, \.tid, \.newComm], history: true),
        ScanSource(ProcessExitRow.self, reading: [\.pid, \.tid, \.ppid, \.comm, \.startTime], history: true),
    ]

    public func task(_ tid: Int64) -> Task? { tasks[tid] }
    public func comm(_ tid: Int64) -> String? { tasks[tid]?.comm }

    /// Applies a row of one of `sources` (`index` is its position in `sources`). Exits are kept
    /// (not removed) so late events of a dead task still find its name; a new fork of the same
    /// tid replaces it.
    public mutating func apply(source index: Int, batch b: Batch, row r: Int) {
        switch index {
        case 0:
            let row = ProcessSnapshotRow(batch: b, row: r)
            tasks[row.tid] = Task(pid: row.pid, tid: row.tid, ppid: row.ppid, comm: row.comm, uid: row.uid, startTime: row.startTime)
        case 1:
            let row = ProcessForkRow(batch: b, row: r)
            let parent = tasks[row.tid]
            // A new thread shares its process's parent; a new process's parent is the forker.
            let ppid = row.childPid == row.pid ? (parent?.ppid ?? 0) : row.pid
            tasks[row.childTid] = Task(pid: row.childPid, tid: row.childTid, ppid: ppid, comm: row.comm,
                                       uid: parent?.uid ?? 0, startTime: row.childStartTime)
        case 2:
            let row = ProcessExecRow(batch: b, row: r)
            guard row.ret == 0 else { return }
            var t = tasks[row.tid] ?? Task(pid: row.pid, tid: row.tid, ppid: 0, comm: "", uid: 0, startTime: 0)
            if !renamesAtExec || t.comm.isEmpty { t.comm = row.comm }
            t.ppid = row.ppid
            t.uid = row.uid
            tasks[row.tid] = t
        case 3:
            let row = CommChangeRow(batch: b, row: r)
            var t = tasks[row.tid] ?? Task(pid: row.pid, tid: row.tid, ppid: 0, comm: "", uid: 0, startTime: 0)
            t.comm = row.newComm
            tasks[row.tid] = t
        case 4:
            let row = ProcessExitRow(batch: b, row: r)
            var t = tasks[row.tid] ?? Task(pid: row.pid, tid: row.tid, ppid: row.ppid, comm: "", uid: 0, startTime: row.startTime)
            t.comm = row.comm
            t.ppid = row.ppid
            tasks[row.tid] = t
        default:
            break
        }
    }
}
