import TraceFormat

/// Each thread's real parent over the recording, as the kernel's `task->real_parent` names
/// it: the thread that forked its process (a new thread shares its creator's real parent),
/// replayed from the process tables for bpftrace's `curtask->real_parent->pid` and `->comm`.
///
/// The snapshot and execs give a parent process only (ppid, `real_parent->tgid`): its
/// forking thread is not known there, and the process's main thread stands for it. The
/// reparenting of an orphan when its parent exits (to a thread of the same process, a
/// subreaper or init) is seen only at the orphan's next exec.
public struct ParentTimeline: Sendable {
    /// Per tid, its real parent's tid from each change on, in time order.
    var changes: [Int64: [(ts: Int64, parent: Int64)]] = [:]
    /// Per tid, its process, to give `real_parent->tgid`.
    var processes: [Int64: Int64] = [:]
    /// The threads' comms, for `real_parent->comm`.
    public let comms: CommTimeline

    init(comms: CommTimeline) { self.comms = comms }

    /// The tid of `tid`'s real parent at `t` (the last change at or before `t`), nil for a
    /// thread the process tables never named.
    public func parent(_ tid: Int64, at t: Int64) -> Int64? {
        guard let list = changes[tid], !list.isEmpty else { return nil }
        return list[UidTimeline.lastIndex(atOrBefore: t, count: list.count) { list[$0].ts }].parent
    }

    /// The process (tgid) of `tid`, or `tid` itself where the tables never named it.
    public func process(of tid: Int64) -> Int64 { processes[tid] ?? tid }

    mutating func record(_ tid: Int64, _ ts: Int64, parent: Int64) {
        if changes[tid]?.last?.parent == parent { return }
        changes[tid, default: []].append((ts, parent))
    }

    func current(_ tid: Int64) -> Int64? { changes[tid]?.last?.parent }
}

extension Recording {
    /// The real-parent timeline of every thread the process tables name.
    public func parentTimeline() throws -> ParentTimeline {
        var timeline = ParentTimeline(comms: try commTimeline())
        try scanMerged(ProcessTracker.sources) { row in
            let (b, r) = (row.batch, row.row)
            switch row.source {  // ProcessTracker.sources' order
            case 0:
                let s = ProcessSnapshotRow(batch: b, row: r)
                timeline.processes[s.tid] = s.pid
                timeline.record(s.tid, row.ts, parent: s.ppid)
            case 1:
                let f = ProcessForkRow(batch: b, row: r)
                timeline.processes[f.childTid] = f.childPid
                timeline.processes[f.tid] = f.pid
                // copy_process: a thread (CLONE_THREAD) takes its creator's real_parent, a
                // process the creating thread itself.
                let parent = f.childPid == f.pid ? timeline.current(f.tid) ?? 0 : f.tid
                timeline.record(f.childTid, row.ts, parent: parent)
            case 2:
                let e = ProcessExecRow(batch: b, row: r)
                guard e.ret == 0 else { return }
                timeline.processes[e.tid] = e.pid
                // The exec row's ppid is real_parent->tgid: a parent of another process than
                // the one known means the thread was reparented since.
                if let known = timeline.current(e.tid), timeline.process(of: known) == e.ppid { return }
                timeline.record(e.tid, row.ts, parent: e.ppid)
            default:
                break
            }
        }
        return timeline
    }
}
