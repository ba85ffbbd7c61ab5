import TraceReport
import TraceTestSupport
import Testing
import TraceFormat
@testable import TraceTools

/// Four requests with submitters (block_io_start), queueing, sizes and sectors chosen so that
/// every column of bitesize, biosnoop, biotop and biopattern is known. Expected texts come from
/// the live tools' C formats applied to these facts.
func blockToolsRecording() throws -> String {
    let s = SyntheticRecording()
    s.devices = [(vda, "vda"), (vdb, "vdb")]
    func ev(_ table: String, _ t: Double, rq: Int64, dev: UInt32, flags: Int64, sector: Int64, bytes: Int64, pid: Int64 = 0, comm: String = "") {
        s.add(table, ["ts": ns(t), "rq": .int(rq), "dev": .int(Int64(dev)), "cmd_flags": .int(flags), "sector": .int(sector), "nr_bytes": .int(bytes),
                      "pid": .int(pid), "tid": .int(pid), "comm": .string(comm)])
    }
    func request(rq: Int64, dev: UInt32, flags: Int64, sector: Int64, bytes: Int64, pid: Int64, comm: String, start: Double,
                 insert: Double? = nil, issue: Double, issueComm: String, done: Double) {
        ev("block_io_start", start, rq: rq, dev: dev, flags: flags, sector: sector, bytes: bytes, pid: pid, comm: comm)
        if let insert { ev("block_rq_insert", insert, rq: rq, dev: dev, flags: flags, sector: sector, bytes: bytes, pid: pid, comm: comm) }
        ev("block_rq_issue", issue, rq: rq, dev: dev, flags: flags, sector: sector, bytes: bytes, comm: issueComm)
        ev("block_rq_complete", done, rq: rq, dev: dev, flags: flags, sector: sector, bytes: bytes, comm: "swapper/1")
        ev("block_io_done", done, rq: rq, dev: dev, flags: flags, sector: sector, bytes: bytes, comm: "swapper/1")
    }
    request(rq: 1, dev: vda, flags: 1, sector: 1000, bytes: 8192, pid: 42, comm: "postgres-writer", start: 0.1, issue: 0.1001, issueComm: "postgres-writer", done: 0.1021)
    request(rq: 2, dev: vda, flags: 0, sector: 1016, bytes: 4096, pid: 43, comm: "dd", start: 0.2, insert: 0.2001, issue: 0.2002, issueComm: "kworker/u4:2", done: 0.2007)
    request(rq: 3, dev: vdb, flags: 0, sector: 50, bytes: 1_048_576, pid: 43, comm: "dd", start: 0.3, issue: 0.3001, issueComm: "dd", done: 0.3101)
    request(rq: 1, dev: vda, flags: 0, sector: 1024, bytes: 4096, pid: 43, comm: "dd", start: 1.2, issue: 1.2001, issueComm: "dd", done: 1.2004)
    return try s.write()
}

@Test func bitesizeHistogramsPerIssuingComm() throws {
    let path = try blockToolsRecording()
    #expect(try runTool(Bitesize.self, [path]).stdout == """
    Tracing block device I/O... Hit Ctrl-C to end.


    Process Name = dd
         Kbytes              : count    distribution
             0 -> 1          : 0        |                                        |
             2 -> 3          : 0        |                                        |
             4 -> 7          : 1        |****************************************|
             8 -> 15         : 0        |                                        |
            16 -> 31         : 0        |                                        |
            32 -> 63         : 0        |                                        |
            64 -> 127        : 0        |                                        |
           128 -> 255        : 0        |                                        |
           256 -> 511        : 0        |                                        |
           512 -> 1023       : 0        |                                        |
          1024 -> 2047       : 1        |****************************************|

    Process Name = kworker/u4:2
         Kbytes              : count    distribution
             0 -> 1          : 0        |                                        |
             2 -> 3          : 0        |                                        |
             4 -> 7          : 1        |****************************************|

    Process Name = postgres-writer
         Kbytes              : count    distribution
             0 -> 1          : 0        |                                        |
             2 -> 3          : 0        |                                        |
             4 -> 7          : 0        |                                        |
             8 -> 15         : 1        |****************************************|

    """)
    let filtered = try runTool(Bitesize.self, ["-c", "post", "-d", "vda", path]).stdout
    #expect(filtered.contains("Process Name = postgres-writer") && !filtered.contains("Process Name = dd"))
    let intervals = try runTool(Bitesize.self, ["-T", path, "1", "2"]).stdout
    #expect(intervals.hasPrefix("Tracing block device I/O... Hit Ctrl-C to end.\n\n22:06:41\n\nProcess Name = dd\n"))
    #expect(intervals.contains("\n\n22:06:42\n\nProcess Name = dd\n     Kbytes              : count    distribution\n         0 -> 1          : 0 "))
}

@Test func bitesizeBtHistogramsSortedByTotal() throws {
    let text = try runTool(BitesizeBt.self, [try blockToolsRecording()]).stdout
    #expect(text == """
    Attaching 3 probes...
    Tracing block device I/O... Hit Ctrl-C to end.

    I/O size (bytes) histograms by process name:

    @[kworker/u4:2]: 
    [4K, 8K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|

    @[postgres-writer]: 
    [8K, 16K)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|

    @[dd]: 
    [4K, 8K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
    [8K, 16K)              0 |                                                    |
    [16K, 32K)             0 |                                                    |
    [32K, 64K)             0 |                                                    |
    [64K, 128K)            0 |                                                    |
    [128K, 256K)           0 |                                                    |
    [256K, 512K)           0 |                                                    |
    [512K, 1M)             0 |                                                    |
    [1M, 2M)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|


    """)
}

@Test func biosnoopRowsWithQueuedTime() throws {
    let path = try blockToolsRecording()
    #expect(try runTool(Biosnoop.self, ["-Q", path]).stdout == """
    TIME(s)     COMM           PID     DISK    T    SECTOR     BYTES   QUE(ms) LAT(ms)
    0.000000    postgre        42      vda     W    1000       8192      0.000   2.000
    0.098600    dd             43      vda     R    1016       4096      0.100   0.500
    0.208000    dd             43      vdb     R    50         1048576   0.000  10.000
    1.098300    dd             43      vda     R    1024       4096      0.000   0.300

    """)
    let vdbOnly = try runTool(Biosnoop.self, ["-d", "vdb", path]).stdout
    #expect(vdbOnly == "TIME(s)     COMM           PID     DISK    T    SECTOR     BYTES   LAT(ms)\n0.000000    dd             43      vdb     R    50         1048576  10.000\n")
    #expect(Biosnoop.rwbs(1 | 1 << 11 | 1 << 17) == "WFS")
    #expect(Biosnoop.rwbs(2 | 1 << 18) == "FF")
}

@Test func biotopPerIntervalTables() throws {
    let path = try blockToolsRecording()
    #expect(try runTool(Biotop.self, ["-C", path, "1", "2"]).stdout == """
    22:06:41 loadavg: not recorded

    PID     COMM             D MAJ MIN DISK       I/O  Kbytes  AVGms
    43      dd               R 253 16  vdb          1    1024  10.00
    42      postgres-writer  W 253 0   vda          1       8   2.00
    43      dd               R 253 0   vda          1       4   0.50

    22:06:42 loadavg: not recorded

    PID     COMM             D MAJ MIN DISK       I/O  Kbytes  AVGms
    43      dd               R 253 0   vda          1       4   0.30


    """)
    let byIO = try runTool(Biotop.self, ["-C", "-s", "time", "-r", "1", path, "1", "1"]).stdout
    #expect(byIO.hasSuffix("AVGms\n43      dd               R 253 16  vdb          1    1024  10.00\n\n"))
    #expect(try runTool(Biotop.self, [path, "1", "1"]).stdout.hasPrefix("\u{1b}[H\u{1b}[2J\u{1b}[3J22:06:41 loadavg"))
    #expect(throws: (any Error).self) { _ = try Biotop.parse(["-s", "bogus", path]) }
}

/// The recorder's /proc/loadavg reads (load_average): biotop's header is the latest read at
/// or before each report, as /proc/loadavg printed it; loads.bt prints the same reads.
@Test func biotopAndLoadsBtPrintTheLatestLoadRead() throws {
    let s = SyntheticRecording()
    s.devices = [(vda, "vda")]
    func load(_ t: Double, _ l1: Int64, _ l5: Int64, _ l15: Int64, _ runnable: Int64, _ threads: Int64, _ last: Int64) {
        s.add("load_average", ["ts": ns(t), "load1": .int(l1), "load5": .int(l5), "load15": .int(l15), "runnable": .int(runnable), "threads": .int(threads), "last_pid": .int(last)])
    }
    load(0.0, 8, 3, 1, 1, 170, 12345)
    load(0.99, 1234, 3, 1, 3, 170, 12346)
    load(1.5, 5, 100, 1005, 2, 171, 12350)
    for (rq, t) in [(Int64(1), 0.2), (2, 1.2)] {
        for table in ["block_io_start", "block_rq_issue", "block_io_done"] {
            s.add(table, ["ts": ns(table == "block_io_done" ? t + 0.001 : t), "rq": .int(rq), "dev": .int(Int64(vda)), "sector": .int(rq * 8), "nr_bytes": .int(4096), "pid": 43, "tid": 43, "comm": "dd"])
        }
    }
    s.duration = 3_000_000_000
    let path = try s.write()
    let top = try runTool(Biotop.self, ["-C", path, "1", "2"])
    #expect(top.stdout.hasPrefix("22:06:41 loadavg: 12.34 0.03 0.01 3/170 12346\n\n"), "\(top.stdout)")
    #expect(top.stdout.contains("\n22:06:42 loadavg: 0.05 1.00 10.05 2/171 12350\n\n"), "\(top.stdout)")
    #expect(top.stderr.isEmpty, "\(top.stderr)")
    let loads = try runTool(LoadsBt.self, [path])
    #expect(loads.stdout == """
    Attaching 4 probes...
    Reading load averages... Hit Ctrl-C to end.
    22:06:41 load averages: 12.340 0.030 0.010
    22:06:42 load averages: 0.050 1.000 10.050
    22:06:43 load averages: 0.050 1.000 10.050

    """ + "\n\n" + "\n\n\n", "\(loads.stdout)")  // exit's two newlines, then the three cleared maps
    #expect(loads.stderr.contains { $0.contains("APPROX: load averages from bpfrec's once-a-second read of /proc/loadavg") }, "\(loads.stderr)")
    // The reads are no task's events: pid, tid, cpu and comm are refused, not read as 0.
    for builtin in ["pid", "tid", "cpu", "comm"] {
        let r = try runTool(Bt.self, ["-e", "tracepoint:bpfrec:load_average { @[\(builtin)] = count(); }", path])
        #expect(r.failed && r.stderr == ["bpfan bt: program:1:36: \(builtin): tracepoint:bpfrec:load_average is not a task's event (its table load_average has no task columns)"], "\(r.stderr)")
    }
    let byLoad = try runTool(Bt.self, ["-e", "tracepoint:bpfrec:load_average { @[args->load1] = count(); }", path])
    #expect(byLoad.stdout == "Attaching 1 probe...\n\n\n@[5]: 1\n@[8]: 1\n@[1234]: 1\n", "\(byLoad.stdout)")
    // A recording made before the poll: nothing to run, said with why.
    let old = try runTool(LoadsBt.self, [try blockToolsRecording()])
    #expect(old.failed && old.stderr.last?.contains("bpfrec writes its load_average table into every recording; this one was made by a bpfrec that did not") == true, "\(old.stderr)")
}

@Test func biopatternSequentialShare() throws {
    let path = try blockToolsRecording()
    #expect(try runTool(Biopattern.self, [path]).stdout == """
    Tracing block device I/O requested seeks... Hit Ctrl-C to end.
    DISK     %RND  %SEQ    COUNT     KBYTES
    vda         0   100        2          8

    """)
    #expect(try runTool(Biopattern.self, ["-T", path, "1", "5"]).stdout == """
    Tracing block device I/O requested seeks... Hit Ctrl-C to end.
    TIME      DISK     %RND  %SEQ    COUNT     KBYTES
    22:06:41  vda         0   100        1          4

    """)
}
