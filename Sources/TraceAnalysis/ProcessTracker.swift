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

    public init() {}

    /// The tables the tracker reads, as history sources of a merged scan (read from the start of
    /// the recording whatever the window). Tables the recording lacks are left out by the scan.
    public static let sources: [ScanSource] = [
        ScanSource("process_snapshot", ["ts", "pid", "tid", "ppid", "uid", "start_time", "comm"], history: true),
        ScanSource("process_fork", ["ts", "pid", "tid", "comm", "child_pid", "child_tid", "child_start_time"], history: true),
        ScanSource("process_exec", ["ts", "pid", "tid", "ppid", "uid", "ret", "comm"], history: true),
        ScanSource("comm_change", ["ts", "pid", "tid", "new_comm"], history: true),
        ScanSource("process_exit", ["ts", "pid", "tid", "ppid", "comm", "start_time"], history: true),
    ]

    public func task(_ tid: Int64) -> Task? { tasks[tid] }
    public func comm(_ tid: Int64) -> String? { tasks[tid]?.comm }

    /// Applies a row of one of `sources` (`index` is its position in `sources`). Exits are kept
    /// (not removed) so late events of a dead task still find its name; a new fork of the same
    /// tid replaces it.
    public mutating func apply(source index: Int, batch b: Batch, row r: Int) {
        switch Self.sources[index].table {
        case "process_snapshot":
            let tid = b.ints("tid")[r]
            tasks[tid] = Task(pid: b.ints("pid")[r], tid: tid, ppid: b.ints("ppid")[r], comm: b.blobs("comm").string(r),
                              uid: b.ints("uid")[r], startTime: b.ints("start_time")[r])
        case "process_fork":
            let parentPid = b.ints("pid")[r], parentTid = b.ints("tid")[r]
            let childPid = b.ints("child_pid")[r], childTid = b.ints("child_tid")[r]
            let parent = tasks[parentTid]
            // A new thread shares its process's parent; a new process's parent is the forker.
            let ppid = childPid == parentPid ? (parent?.ppid ?? 0) : parentPid
            tasks[childTid] = Task(pid: childPid, tid: childTid, ppid: ppid, comm: b.blobs("comm").string(r),
                                   uid: parent?.uid ?? 0, startTime: b.ints("child_start_time")[r])
        case "process_exec":
            guard b.ints("ret")[r] == 0 else { return }
            let tid = b.ints("tid")[r]
            var t = tasks[tid] ?? Task(pid: b.ints("pid")[r], tid: tid, ppid: 0, comm: "", uid: 0, startTime: 0)
            t.comm = b.blobs("comm").string(r)
            t.ppid = b.ints("ppid")[r]
            t.uid = b.ints("uid")[r]
            tasks[tid] = t
        case "comm_change":
            let tid = b.ints("tid")[r]
            var t = tasks[tid] ?? Task(pid: b.ints("pid")[r], tid: tid, ppid: 0, comm: "", uid: 0, startTime: 0)
            t.comm = b.blobs("new_comm").string(r)
            tasks[tid] = t
        case "process_exit":
            let tid = b.ints("tid")[r]
            var t = tasks[tid] ?? Task(pid: b.ints("pid")[r], tid: tid, ppid: b.ints("ppid")[r], comm: "", uid: 0, startTime: b.ints("start_time")[r])
            t.comm = b.blobs("comm").string(r)
            t.ppid = b.ints("ppid")[r]
            tasks[tid] = t
        default:
            break
        }
    }
}
