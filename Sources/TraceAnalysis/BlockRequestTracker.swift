/// Block requests from insert, issue and complete events paired by rq, as biolatency pairs them
/// (Biolatency.Pairing's stamp rules, here keeping every end of a request): an insert or issue
/// (re)stamps the rq, a completion takes what the rq holds. Feed rows in time order; memory is
/// the requests in flight.
public struct BlockRequestTracker: Sendable {
    public struct Request: Sendable, Equatable {
        public var rq: Int64
        public var dev: Int64 = 0
        public var sector: Int64 = 0
        public var nrBytes: Int64 = 0
        public var cmdFlags: Int64 = 0
        public var rwbs = ""
        public var comm = ""
        public var pid: Int64 = 0
        public var insertTs: Int64?
        public var issueTs: Int64?
        public var completeTs: Int64 = 0
        public var error: Int64 = 0
    }

    public private(set) var inFlight: [Int64: Request] = [:]
    public init() {}

    static let columns = ["ts", "rq", "dev", "sector", "nr_bytes", "cmd_flags", "rwbs", "comm", "pid", "error"]

    /// insert, issue, complete: the sources of `scan`, in that order (ties: insert first).
    public static let sources: [ScanSource] = ["block_rq_insert", "block_rq_issue", "block_rq_complete"].map { ScanSource($0, columns) }

    public mutating func insert(_ r: MergedRow) {
        // An issue stamp survives a re-insert (requeue): biolatency keeps it, its map only
        // holds issues.
        var q = inFlight[r.int(1)] ?? Request(rq: r.int(1))
        q.insertTs = r.ts
        fill(&q, r)
        inFlight[q.rq] = q
    }

    public mutating func issue(_ r: MergedRow) {
        var q = inFlight[r.int(1)] ?? Request(rq: r.int(1))
        q.issueTs = r.ts
        fill(&q, r)
        inFlight[q.rq] = q
    }

    /// The finished request, or nil when the rq had no insert or issue (in flight at start).
    public mutating func complete(_ r: MergedRow) -> Request? {
        guard var q = inFlight.removeValue(forKey: r.int(1)) else { return nil }
        q.completeTs = r.ts
        q.dev = r.int(2)
        q.sector = r.int(3)
        q.rwbs = r.string(6)
        q.error = r.int(9)
        return q
    }

    private func fill(_ q: inout Request, _ r: MergedRow) {
        q.dev = r.int(2)
        q.sector = r.int(3)
        q.nrBytes = r.int(4)
        q.cmdFlags = r.int(5)
        q.rwbs = r.string(6)
        q.comm = r.string(7)
        q.pid = r.int(8)
    }

    /// Every completed request of the recording, in completion order.
    public static func scan(_ rec: Recording, _ body: (Request) throws -> Void) throws {
        var t = BlockRequestTracker()
        try rec.scanMerged(sources) { m in
            switch m.source {
            case 0: t.insert(m)
            case 1: t.issue(m)
            default: if let q = t.complete(m) { try body(q) }
            }
        }
    }
}
