import Foundation
import TraceAnalysis
import TraceFormat
import TraceReport
import TraceSchema
import TraceTestSupport
import Testing
@testable import TraceSQL
@testable import TraceTools

let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("samples/mixed.trc").path

/// A tool's --json records, parsed.
func jsonRecords<T: RecordingTool>(_ tool: T.Type, _ args: [String], path: String = sample) throws -> [[String: Any]] {
    let out = try T.parse(args + ["--json", path]).execute()
    #expect(!out.failed, "\(out.stderr)")
    return out.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
}

/// biolatency's slots (index → count) on the sample.
func biolatencySlots(_ args: [String]) throws -> [Int64: Int64] { try biolatencySlots(args, path: sample) }

/// The log2 slot of biolatency (libbpf-tools' log2l, 0 and 1 in slot 0, clamped to 26) in SQL.
func slotSQL(_ column: String, from view: String = "block_requests") -> String {
    "SELECT CASE WHEN \(column)/1000 < 2 THEN 0 ELSE min(26, CAST(log2(\(column)/1000) AS INTEGER)) END AS slot, count(*) FROM \(view) WHERE \(column) >= 0 GROUP BY slot"
}

func slots(_ rows: [[ResultCell]]) -> [Int64: Int64] {
    var out: [Int64: Int64] = [:]
    for r in rows { if case .int(let s) = r[0], case .int(let n) = r[1] { out[s] = n } }
    return out
}

@Test func everyViewMatchesItsDocumentedColumns() throws {
    for v in DerivedViews.all {
        let schema = try #require(ViewSchemas.all.first { $0.name == v.name }, "\(v.name) is not in schemas/views.json")
        #expect(schema.columns.map(\.name) == v.columnNames, "\(v.name)")
    }
    #expect(Set(ViewSchemas.all.map(\.name)) == Set(DerivedViews.all.map(\.name)))
}

@Test func biolatencysHistogramIsALog2GroupByOnBlockRequests() throws {
    let s = try session([sample])
    let tool = try biolatencySlots([])
    #expect(tool.values.reduce(0, +) > 1000)
    #expect(slots(try query(s, slotSQL("service_ns"))) == tool)
    // -Q: insert → complete.
    #expect(slots(try query(s, slotSQL("total_ns"))) == (try biolatencySlots(["-Q"])))
}

@Test func syscountsCountsAreAGroupByOnSyscalls() throws {
    let s = try session([sample])
    let tool = try syscountCounts(sample)
    #expect(tool.count > 20)
    var sql: [String: Int64] = [:]
    for r in try query(s, "SELECT name, count(*) FROM syscalls WHERE id != -1 AND name != 'rt_sigreturn' GROUP BY name") {
        if case .text(let n) = r[0], case .int(let c) = r[1] { sql[n] = c }
    }
    #expect(sql == tool)
}

@Test func syscallsCarryTheirDetailRowAndComm() throws {
    let s = try session([sample])
    // Every syscall_detail row belongs to exactly one call.
    let details = try query(s, "SELECT count(*) FROM syscall_detail")
    #expect(try query(s, "SELECT count(*) FROM syscalls WHERE path IS NOT NULL") == details)
    #expect(try query(s, "SELECT count(*) FROM syscalls") == (try query(s, "SELECT count(*) FROM syscall")))
    #expect(try query(s, "SELECT count(*) FROM syscalls WHERE name = 'openat' AND path LIKE '/%' AND comm = 'dd'").first?.first != .int(0))
}

@Test func processesHaveTheirExecAndLifetime() throws {
    let s = try session([sample])
    // The sample's workload ran /bin/true sample-arg-1 .. -10 (samples/make-samples.sh).
    let rows = try query(s, "SELECT argv, exit_code, lifetime > 0, seen_by FROM processes WHERE argv LIKE '%sample-arg-%' ORDER BY exec_ts")
    #expect(rows.count == 10)
    #expect(rows.first == [.text("/bin/true sample-arg-1"), .int(0), .int(1), .text("fork")])
    // One row per process lifetime: no pid is alive twice at once.
    #expect(try query(s, "SELECT count(*) FROM processes a JOIN processes b ON a.pid = b.pid AND a.start_ts < b.start_ts AND (a.exit_ts IS NULL OR a.exit_ts > b.start_ts)") == [[.int(0)]])
}

@Test func tcpConnectionsAreTcplifesSessions() throws {
    let s = try session([sample])
    let out = try Tcplife.parse(["--json", sample]).execute()
    let tool = out.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }.filter { $0["type"] as? String == "event" || $0["lport"] != nil }
    #expect(tool.count == 2)
    let rows = try query(s, "SELECT pid, comm, lport, rport, tx_bytes, rx_bytes FROM tcp_connections ORDER BY end_ts")
    #expect(rows.count == tool.count)
    for (r, t) in zip(rows, tool) {
        #expect(r[2] == .int((t["lport"] as? NSNumber)?.int64Value ?? -1))
        #expect(r[3] == .int((t["rport"] as? NSNumber)?.int64Value ?? -1))
        #expect(r[4] == .int((t["tx_bytes"] as? NSNumber)?.int64Value ?? -1) && r[5] == .int((t["rx_bytes"] as? NSNumber)?.int64Value ?? -1))
        #expect(r[0] == .int((t["pid"] as? NSNumber)?.int64Value ?? -1) && r[1] == .text(t["comm"] as? String ?? ""))
    }
}

@Test func schedSlicesTileEachCPUAndThreadStatesFillTheGaps() throws {
    let s = try session([sample])
    // Every switch ends a slice and starts one; a CPU's first slice (unknown start) is left
    // out and its last one (still running) is kept: as many slices as switches.
    #expect(try query(s, "SELECT count(*) FROM sched_slices") == (try query(s, "SELECT count(*) FROM sched_switch")))
    try s.connection.execute("CREATE TEMP TABLE sl AS SELECT cpu, tid, ts, end_ts FROM sched_slices; CREATE INDEX temp.sl_cpu ON sl (cpu, ts); CREATE INDEX temp.sl_tid ON sl (tid, ts)")
    // No two slices of a CPU overlap.
    #expect(try query(s, "SELECT count(*) FROM sl a JOIN sl b ON a.cpu = b.cpu AND a.ts < b.ts AND a.end_ts > b.ts") == [[.int(0)]])
    // Every ended off-CPU span ends where a slice of the same thread begins.
    try s.connection.execute("CREATE TEMP TABLE st AS SELECT tid, ts, end_ts, state, wakeup_ts FROM thread_states")
    #expect(try query(s, "SELECT count(*) FROM st WHERE end_ts IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sl WHERE sl.tid = st.tid AND sl.ts = st.end_ts)") == [[.int(0)]])
    #expect(try query(s, "SELECT count(*) FROM st WHERE wakeup_ts < ts OR wakeup_ts > end_ts") == [[.int(0)]])
    #expect(try query(s, "SELECT count(*) > 100 FROM st WHERE state IN ('S', 'D') AND wakeup_ts IS NOT NULL") == [[.int(1)]])
}

/// thread_states' run-queue waits are runqlat's: the preempted spans, the sleeps from their
/// wakeup, and the spans of threads first seen at their wakeup (95 new threads and 24 asleep
/// since before the sample began; without those rows the view had 2,741 waits to runqlat's 2,860).
@Test func runqlatsHistogramIsALog2GroupByOnThreadStates() throws {
    let s = try session([sample])
    let tool = try histogramSlots(Runqlat.self, [], path: sample)
    #expect(tool.values.reduce(0, +) == 2860)
    #expect(slots(try query(s, slotSQL("runnable_ns", from: "thread_states"))) == tool)
    // The new threads' rows start at their sched_wakeup_new, runnable.
    #expect(try query(s, "SELECT count(*) FROM thread_states t JOIN sched_wakeup_new w ON w.target_tid = t.tid AND w.ts = t.ts AND t.state = 'R'") == [[.int(95)]])
}

@Test func stacksHaveAFramePerRecordedAddressNamedByTheRecordingsSymbols() throws {
    let offcpu = URL(fileURLWithPath: sample).deletingLastPathComponent().appendingPathComponent("offcpu.trc").path
    let s = try session([offcpu])
    // As many kernel frame rows as the kstack columns hold addresses (8 bytes each, no zeros).
    #expect(try query(s, "SELECT count(*) FROM stacks WHERE space = 'kernel'")
        == (try query(s, "SELECT (SELECT sum(length(kstack) / 8) FROM offcpu_stack) + (SELECT coalesce(sum(length(kstack) / 8), 0) FROM cpu_sample)")))
    #expect(try query(s, "SELECT count(DISTINCT sample) FROM stacks WHERE source = 'offcpu_stack'") == (try query(s, "SELECT count(*) FROM offcpu_stack")))
    // The sample's python3 sleeps and writes through libc (samples/make-samples.sh).
    let leaves = try query(s, "SELECT symbol FROM stacks WHERE space = 'user' AND depth = 0 AND module = 'libc.so.6' GROUP BY symbol ORDER BY count(*) DESC LIMIT 2")
    #expect(leaves == [[.text("write")], [.text("clock_nanosleep")]])
    #expect(try query(s, "SELECT count(*) FROM stacks WHERE symbol = ''") == [[.int(0)]])
    // A recording without stacks has no stacks view.
    #expect(!(try session([sample])).viewNames.contains("stacks"))
}
