import TraceAnalysis
import TraceReport

/// `block_requests`: insert, issue and complete paired by rq (BlockRequestTracker).
struct BlockRequestsView: DerivedView {
    let name = "block_requests"
    let columnNames = ["rq", "dev", "disk", "sector", "nr_bytes", "cmd_flags", "rwbs", "comm", "pid",
                       "insert_ts", "issue_ts", "complete_ts", "queue_ns", "service_ns", "total_ns", "error"]

    func produce(_ r: SQLRecording, into sink: RowSink) throws {
        let rec = r.recording
        let disks = rec.blockDevices
        try BlockRequestTracker.scan(rec) { q in
            let u = { (v: Int64?) in v.map { ResultCell.u64(UInt64(bitPattern: $0)) } ?? .null }
            let start = q.insertTs ?? q.issueTs
            try sink.emit([
                .u64(UInt64(bitPattern: q.rq)), .int(q.dev), disks[UInt32(truncatingIfNeeded: q.dev)].map { .text($0) } ?? .null,
                .u64(UInt64(bitPattern: q.sector)), .int(q.nrBytes), .int(q.cmdFlags), .text(q.rwbs), .text(q.comm), .int(q.pid),
                u(q.insertTs), u(q.issueTs), .u64(UInt64(bitPattern: q.completeTs)),
                .int(q.issueTs.flatMap { i in q.insertTs.map { i - $0 } }), .int(q.issueTs.map { q.completeTs - $0 }),
                .int(start.map { q.completeTs - $0 }), .int(q.error),
            ])
        }
    }
}
