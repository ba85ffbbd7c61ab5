import TraceReport
import TraceTestSupport
import Testing
@testable import TraceTools

/// Four requests with known latencies: A 100 us and A again (same rq reused) 3 us on vda reads,
/// B queued 50 us then 250 us on the device (vda, sync write), C 5 ms on vdb (write), plus a
/// completion whose start predates the recording (ignored).
func blockRecording(lost: [(family: String, lost: Int64, at: Double)] = []) throws -> String {
    let s = SyntheticRecording()
    s.devices = [(vda, "vda"), (vdb, "vdb")]
    func rq(_ table: String, _ t: Double, _ rq: Int64, _ dev: UInt32, _ flags: Int64, bytes: Int64 = 4096, comm: String = "dd") {
        s.add(table, ["ts": ns(t), "rq": .int(rq), "dev": .int(Int64(dev)), "cmd_flags": .int(flags), "nr_bytes": .int(bytes), "comm": .string(comm)])
    }
    rq("block_rq_issue", 0.001, 0xA, vda, 0)
    rq("block_rq_complete", 0.0011, 0xA, vda, 0)
    rq("block_rq_issue", 1.5, 0xA, vda, 0)
    rq("block_rq_complete", 1.500003, 0xA, vda, 0)
    rq("block_rq_insert", 2.0, 0xB, vda, 2049)
    rq("block_rq_issue", 2.00005, 0xB, vda, 2049)
    rq("block_rq_complete", 2.0003, 0xB, vda, 2049)
    rq("block_rq_issue", 3.5, 0xC, vdb, 1)
    rq("block_rq_complete", 3.505, 0xC, vdb, 1)
    rq("block_rq_complete", 4.0, 0xD, vda, 0)
    return try s.write(lost: lost)
}

@Test func biolatencyDefaultHistogram() throws {
    let out = try runTool(Biolatency.self, [try blockRecording()])
    #expect(out.stderr.isEmpty && !out.failed)
    #expect(out.stdout == """
    Tracing block device I/O... Hit Ctrl-C to end.


         usecs               : count    distribution
             0 -> 1          : 0        |                                        |
             2 -> 3          : 1        |****************************************|
             4 -> 7          : 0        |                                        |
             8 -> 15         : 0        |                                        |
            16 -> 31         : 0        |                                        |
            32 -> 63         : 0        |                                        |
            64 -> 127        : 1        |****************************************|
           128 -> 255        : 1        |****************************************|
           256 -> 511        : 0        |                                        |
           512 -> 1023       : 0        |                                        |
          1024 -> 2047       : 0        |                                        |
          2048 -> 4095       : 0        |                                        |
          4096 -> 8191       : 1        |****************************************|

    """)
}

@Test func biolatencyPerDiskPerFlagQueuedMilliseconds() throws {
    let out = try runTool(Biolatency.self, ["-DFQm", try blockRecording()])
    #expect(out.stdout == """
    Tracing block device I/O... Hit Ctrl-C to end.


    disk = vda\tflags = Read
         msecs               : count    distribution
             0 -> 1          : 2        |****************************************|

    disk = vda\tflags = Sync-Write
         msecs               : count    distribution
             0 -> 1          : 1        |****************************************|

    disk = vdb\tflags = Write
         msecs               : count    distribution
             0 -> 1          : 0        |                                        |
             2 -> 3          : 0        |                                        |
             4 -> 7          : 1        |****************************************|

    """)
}

@Test func biolatencyQueuedTimeMovesTheQueuedRequest() throws {
    let path = try blockRecording()
    let plain = try runTool(Biolatency.self, ["-d", "vda", path]).stdout
    let queued = try runTool(Biolatency.self, ["-Q", "-d", "vda", path]).stdout
    // B: 250 us from issue (128 -> 255), 300 us from insert (256 -> 511); vdb's 5 ms is filtered.
    #expect(plain.contains("128 -> 255        : 1 "))
    #expect(!plain.contains("4096 -> 8191"))
    #expect(queued.contains("128 -> 255        : 0 "))
    #expect(queued.contains("256 -> 511        : 1 "))
}

@Test func biolatencyIntervalsWithTimestampsInRecordingTime() throws {
    let path = try blockRecording()
    let out = try runTool(Biolatency.self, ["-T", path, "1", "3"])
    let after = try runTool(Biolatency.self, ["-T", "1", "3", path])
    #expect(out.stdout == after.stdout)
    let blocks = out.stdout.components(separatedBy: "\n\n")
    // header, then per interval: "\nHH:MM:SS\n" + "\n" + histogram
    #expect(blocks[0] == "Tracing block device I/O... Hit Ctrl-C to end.")
    #expect(blocks[1] == "22:06:41")
    #expect(blocks[2].hasSuffix("64 -> 127        : 1        |****************************************|"))
    #expect(blocks[3] == "22:06:42")
    #expect(blocks[4].hasSuffix("2 -> 3          : 1        |****************************************|"))
    #expect(blocks[5] == "22:06:43")
    #expect(blocks[6].hasSuffix("128 -> 255        : 1        |****************************************|\n"))
    #expect(blocks.count == 7)
}

@Test func biolatencyWindowAndJSON() throws {
    let path = try blockRecording()
    let out = try runTool(Biolatency.self, ["--from", "3", "--to", "3.9", "--json", path])
    #expect(out.stdout.split(separator: "\n").dropFirst().joined(separator: "\n") + "\n" == #"{"type":"histogram","unit":"us","labels":{"interval":0,"time_ns":1795990003900000000},"buckets":[{"low":0,"high":1,"count":0},{"low":2,"high":3,"count":0},{"low":4,"high":7,"count":0},{"low":8,"high":15,"count":0},{"low":16,"high":31,"count":0},{"low":32,"high":63,"count":0},{"low":64,"high":127,"count":0},{"low":128,"high":255,"count":0},{"low":256,"high":511,"count":0},{"low":512,"high":1023,"count":0},{"low":1024,"high":2047,"count":0},{"low":2048,"high":4095,"count":0},{"low":4096,"high":8191,"count":1}]}"# + "\n")
}

@Test func biolatencyErrorsAndWarnings() throws {
    let path = try blockRecording(lost: [("block", 7, 1.0), ("sched", 3, 1.0)])
    let lossy = try runTool(Biolatency.self, [path])
    #expect(lossy.stderr == ["bpfan biolatency: warning: 7 events lost in this window (block ringbuf_full 7); counts below are incomplete"])
    #expect(!lossy.failed && lossy.stdout.contains("4096 -> 8191"))
    let outside = try runTool(Biolatency.self, ["--from", "2", path])
    #expect(outside.stderr.isEmpty)

    let clean = try blockRecording()
    let bad = try runTool(Biolatency.self, ["-d", "sdz", clean])
    #expect(bad.failed && bad.stderr == ["bpfan biolatency: -d sdz: no such disk in this recording (it has: vda, vdb)"])
    let zero = try runTool(Biolatency.self, [path, "0"])
    #expect(zero.failed && zero.stderr == ["bpfan biolatency: invalid interval '0': must be a positive integer"])
    let extra = try runTool(Biolatency.self, [path, "1", "2", "3"])
    #expect(extra.failed)
    let none = try runTool(Biolatency.self, ["/nonexistent/x.trc"])
    #expect(none.failed && none.stderr.first?.hasPrefix("bpfan biolatency: /nonexistent/x.trc") == true)
    #expect(throws: (any Error).self) { _ = try Biolatency.parse(["-z", path]) }
    #expect(throws: (any Error).self) { _ = try Biolatency.parse(["-d"]) }

    let s = SyntheticRecording()
    s.add("block_rq_issue", ["ts": ns(0.1), "rq": 1])
    let noComplete = try runTool(Biolatency.self, [try s.write()])
    #expect(noComplete.failed)
    #expect(noComplete.stderr.first?.hasSuffix("has no block_rq_complete table; record it with `bpfrec record --families block`") == true)
}
