/// What `bpfan info` reports: per-table volume, the time span, loss and damage, computed from
/// the index (and the small lost_events table) without decoding the event chunks.
public struct RecordingSummary: Sendable {
    public struct Table: Sendable {
        public var name: String
        public var family: String
        public var rows: Int
        public var chunks: Int
        /// Bytes of the table's chunks as stored (headers included).
        public var bytes: Int
        public var bytesPerRow: Double { rows == 0 ? 0 : Double(bytes) / Double(rows) }
    }

    public struct Loss: Sendable, Equatable {
        public var family: String
        public var reason: String
        public var lost: Int64
    }

    public var tables: [Table]
    public var firstTime: Int64?
    public var lastTime: Int64?
    public var loss: [Loss]
    public var lossUnreadable: String?
    public var totalRows: Int { tables.reduce(0) { $0 + $1.rows } }
    public var totalChunkBytes: Int { tables.reduce(0) { $0 + $1.bytes } }

    public init(_ file: TraceFile) {
        var byID: [UInt32: Table] = [:]
        var first: Int64?
        var last: Int64?
        for (id, schema) in file.tables {
            byID[id] = Table(name: schema.name, family: schema.family, rows: 0, chunks: 0, bytes: 0)
        }
        for c in file.chunks {
            byID[c.tableID, default: Table(name: "table#\(c.tableID)", family: "?", rows: 0, chunks: 0, bytes: 0)].rows += c.rowCount
            byID[c.tableID]!.chunks += 1
            byID[c.tableID]!.bytes += c.length
            guard c.rowCount > 0, let schema = file.tables[c.tableID], schema.source == .bpf else { continue }
            first = min(first ?? c.summary.minTime, c.summary.minTime)
            last = max(last ?? c.summary.maxTime, c.summary.maxTime)
        }
        tables = byID.values.sorted { ($0.family, $0.name) < ($1.family, $1.name) }
        firstTime = first
        lastTime = last
        var loss: [String: Loss] = [:]
        var unreadable: String?
        for chunk in file.chunks(ofTable: "lost_events") {
            do {
                let cols = try file.read(chunk, columns: ["family", "reason", "lost"])
                guard case .blobs(let family)? = cols["family"], case .blobs(let reason)? = cols["reason"], case .ints(let lost)? = cols["lost"] else { continue }
                for i in 0..<lost.count {
                    let key = family.string(i) + "\u{0}" + reason.string(i)
                    loss[key, default: Loss(family: family.string(i), reason: reason.string(i), lost: 0)].lost += lost[i]
                }
            } catch {
                unreadable = "\(error)"
            }
        }
        self.loss = loss.values.sorted { ($0.family, $0.reason) < ($1.family, $1.reason) }
        lossUnreadable = unreadable
    }
}
