import Foundation
import TraceFormat

/// Each thread's real uid over the recording (what bpftrace's `uid` reads from the task's
/// credentials), replayed once from what the recording saw of it: the recorder's snapshot at
/// start, forks (a child has its parent's uid), execs (uid at sys_exit), and every
/// syscall_detail row, which carries the caller's uid at sys_enter. The setuid family's rows
/// are where it changes: at a successful call's sys_exit the real uid becomes the ruid
/// argument of setreuid/setresuid (unless -1), and the uid argument of setuid when the
/// caller's real uid was 0 (the kernel sets the real uid only with CAP_SETUID).
///
/// It can be wrong between a change the recording did not see and the thread's next row that
/// carries a uid: a setuid family call that was lost or whose family was not recorded
/// (without the syscalls family only the snapshot, forks and execs say a uid), or a setuid()
/// by a caller with CAP_SETUID whose real uid was not 0 (a set-user-ID program).
public struct UidTimeline: Sendable {
    /// Per tid, its uid from each observation on, in time order, changes only.
    private var changes: [Int64: [(ts: Int64, uid: Int64)]] = [:]

    public init() {}

    /// The uid of `tid` at `t`: the last observation at or before `t` (a setuid's row is seen
    /// at its sys_exit, where the live tracepoint already reads the new uid), else the thread's
    /// first one; nil for a thread the recording never gave a uid.
    public func uid(_ tid: Int64, at t: Int64) -> Int64? {
        guard let list = changes[tid], !list.isEmpty else { return nil }
        return list[Self.lastIndex(atOrBefore: t, count: list.count) { list[$0].ts }].uid
    }

    /// In a time-ordered list, the index of the last entry at or before `t`, else 0 (the
    /// first): the lookup of the per-thread timelines.
    static func lastIndex(atOrBefore t: Int64, count: Int, ts: (Int) -> Int64) -> Int {
        var lo = 0, hi = count  // first entry after t
        while lo < hi {
            let mid = (lo + hi) / 2
            if ts(mid) <= t { lo = mid + 1 } else { hi = mid }
        }
        return max(lo - 1, 0)
    }

    /// Adds an observation; `finish` orders them.
    mutating func observe(_ tid: Int64, _ ts: Int64, _ uid: Int64) {
        // Most rows repeat the uid: the lists stay as short as the changes.
        if let last = changes[tid]?.last, last.uid == uid, last.ts <= ts { return }
        changes[tid, default: []].append((ts, uid))
    }

    /// The latest observation of `tid` at or before `t` among those added so far (unordered).
    func observed(_ tid: Int64, through t: Int64) -> Int64? {
        changes[tid]?.filter { $0.ts <= t }.max { $0.ts < $1.ts }?.uid
    }

    mutating func finish() {
        for (tid, list) in changes {
            var kept: [(ts: Int64, uid: Int64)] = []
            for o in list.enumerated().sorted(by: { ($0.element.ts, $0.offset) < ($1.element.ts, $1.offset) }).map(\.element) where kept.last?.uid != o.uid {
                kept.append(o)
            }
            changes[tid] = kept
        }
    }
}

extension Recording {
    /// The uid timeline of every thread the process tables and syscall_detail name.
    public func uidTimeline() throws -> UidTimeline {
        var timeline = UidTimeline()
        let sources = [
            ScanSource(ProcessSnapshotRow.self, reading: [\.tid, \.uid], history: true),
            ScanSource(ProcessForkRow.self, reading: [\.tid, \.childTid], history: true),
            ScanSource(ProcessExecRow.self, reading: [\.tid, \.uid, \.duration], history: true),
            ScanSource(SyscallDetailRow.self, reading: [\.tid, \.uid, \.id, \.ret, \.duration, \.arg0], history: true),
        ]
        let setuid = syscallIDs(named: ["setuid"], x86_64: [105]), setreuid = syscallIDs(named: ["setreuid", "setresuid"], x86_64: [113, 117])
        try scanMerged(sources) { row in
            let (b, r) = (row.batch, row.row)
            switch row.source {
            case 0:
                let s = ProcessSnapshotRow(batch: b, row: r)
                timeline.observe(s.tid, s.ts, s.uid)
            case 1:
                let f = ProcessForkRow(batch: b, row: r)
                if let uid = timeline.observed(f.tid, through: f.ts) { timeline.observe(f.childTid, f.ts, uid) }
            case 2:
                let e = ProcessExecRow(batch: b, row: r)
                timeline.observe(e.tid, e.ts &+ e.duration, e.uid)
            case 3:
                let d = SyscallDetailRow(batch: b, row: r)
                timeline.observe(d.tid, d.ts, d.uid)
                guard d.ret == 0 else { break }
                let ruid = Int64(UInt32(truncatingIfNeeded: d.arg0))
                if setreuid.contains(d.id), ruid != 0xFFFF_FFFF {
                    timeline.observe(d.tid, d.ts &+ d.duration, ruid)
                } else if setuid.contains(d.id), d.uid == 0 {
                    timeline.observe(d.tid, d.ts &+ d.duration, ruid)
                }
            default:
                break
            }
        }
        timeline.finish()
        return timeline
    }
}
