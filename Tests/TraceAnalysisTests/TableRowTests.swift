import TraceTestSupport
import Testing
import TraceFormat
import TraceSchema
@testable import TraceAnalysis

/// Typed rows read the columns they asked for by name, in file order and inside the window,
/// whichever subset is decoded; a merged scan gives the same rows.
@Test func typedRowsReadTheirColumnsByName() throws {
    let s = SyntheticRecording()
    s.add("process_fork", ["ts": .u64(UInt64(SyntheticRecording.at(0.1))), "pid": 10, "tid": 11, "comm": "sh",
                           "child_pid": 20, "child_tid": 20, "child_start_time": 777])
    s.add("process_fork", ["ts": .u64(UInt64(SyntheticRecording.at(0.2))), "pid": 10, "tid": 12, "comm": "bash",
                           "child_pid": 10, "child_tid": 21, "child_start_time": 888])
    let rec = try Recording(path: try s.write())
    var seen: [String] = []
    try rec.scan(ProcessForkRow.self, reading: [\.tid, \.comm, \.childTid, \.childStartTime]) { row in
        seen.append("\(row.ts - SyntheticRecording.t0) \(row.tid) \(row.comm) \(row.childTid) \(row.childStartTime)")
    }
    #expect(seen == ["100000000 11 sh 20 777", "200000000 12 bash 21 888"])
    var merged: [Int64] = []
    try rec.scanMerged([ScanSource(ProcessForkRow.self, reading: [\.childPid])]) { m in
        merged.append(ProcessForkRow(m).childPid)
    }
    #expect(merged == [20, 10])
    #expect(ProcessForkRow.column(of: \.childStartTime) == "child_start_time")
    #expect(ProcessForkRow.column(of: \.commBytes) == "comm")
    #expect(ProcessForkRow.columns == EventTables.named("process_fork")!.columns.map(\.name))
}

/// A column the scan did not decode is empty in the batch (reading it traps), while a column it
/// asked for but the recording's table lacks (an older schema) reads as zeros.
@Test func unreadColumnsStayEmptyAndMissingOnesReadZero() throws {
    let s = SyntheticRecording()
    s.add("comm_change", ["ts": .u64(UInt64(SyntheticRecording.at(0.1))), "pid": 5, "tid": 5, "new_comm": "x"])
    let rec = try Recording(path: try s.write())
    try rec.scanMerged([ScanSource(CommChangeRow.self, reading: [\.newComm])]) { m in
        let i = CommChangeRow.columns.firstIndex(of: "old_comm")!, p = CommChangeRow.columns.firstIndex(of: "pid")!
        #expect(m.batch.orderedBlobs[i].codes.isEmpty && m.batch.ordered[p].isEmpty)
        #expect(CommChangeRow(m).newComm == "x")
    }
    let batch = Batch(table: "comm_change", count: 2, columns: [:], order: ["ts", "pid"], unread: ["pid"])
    #expect(batch.ordered[0] == [0, 0])
    #expect(batch.ordered[1].isEmpty)
}
