import Foundation
import TraceFormat

/// Each thread's comm over the recording, replayed once from the process tables: scans that
/// read rows out of time order (on all cores) name a row's task as the time-ordered scan's
/// ProcessTracker would at that moment.
public struct CommTimeline: Sendable {
    /// Per tid, its comm from each change on, in time order.
    private var changes: [Int64: [(ts: Int64, comm: [UInt8])]] = [:]

    /// The comm of `tid` at `t`: the last change strictly before `t` (a rename or exec at the
    /// same nanosecond comes after the event, as in scanTracepoints), empty before any.
    public func comm(_ tid: Int64, at t: Int64) -> [UInt8] { span(tid, at: t).comm }

    /// The comm of `tid` once every change at or before `t` is applied (a rename at the same
    /// nanosecond counts), or nil when the process tables have not named it by then.
    public func knownComm(_ tid: Int64, through t: Int64) -> [UInt8]? {
        let s = span(tid, at: t == .max ? t : t + 1)
        return s.from == .min ? nil : s.comm
    }

    /// The comm of `tid` at `t` and the times it holds for: every t' with from < t' <= until.
    func span(_ tid: Int64, at t: Int64) -> (comm: [UInt8], from: Int64, until: Int64) {
        guard let list = changes[tid] else { return ([], .min, .max) }
        var lo = 0, hi = list.count  // first change at or after t
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid].ts < t { lo = mid + 1 } else { hi = mid }
        }
        return (lo == 0 ? [] : list[lo - 1].comm, lo == 0 ? .min : list[lo - 1].ts, lo == list.count ? .max : list[lo].ts)
    }

    mutating func record(_ tid: Int64, _ ts: Int64, _ comm: String?) {
        let bytes = Array((comm ?? "").utf8)
        if changes[tid]?.last?.comm == bytes { return }
        changes[tid, default: []].append((ts, bytes))
    }
}

extension Recording {
    /// The comm timeline of every thread the process tables name.
    public func commTimeline() throws -> CommTimeline {
        var tracker = ProcessTracker(for: self)
        var timeline = CommTimeline()
        try scanMerged(ProcessTracker.sources) { row in
            tracker.apply(source: row.source, batch: row.batch, row: row.row)
            // The thread the row changed: a fork's child, otherwise the row's own thread.
            let (b, r) = (row.batch, row.row)
            let tid: Int64
            switch row.source {  // ProcessTracker.sources' order
            case 0: tid = ProcessSnapshotRow(batch: b, row: r).tid
            case 1: tid = ProcessForkRow(batch: b, row: r).childTid
            case 2: tid = ProcessExecRow(batch: b, row: r).tid
            case 3: tid = CommChangeRow(batch: b, row: r).tid
            default: tid = ProcessExitRow(batch: b, row: r).tid
            }
            timeline.record(tid, row.ts, tracker.comm(tid))
        }
        return timeline
    }
}
