import TraceReport
import TraceTestSupport
import Testing
@testable import TraceTools

@Test func biolatencyBtHistogramFromIoStartToDone() throws {
    let s = SyntheticRecording()
    // 3 requests: 0.5 us -> [0], 1500 us -> [1K, 2K), 1600 us -> [1K, 2K); rq 9 reused; one done
    // without start.
    s.add("block_io_start", ["ts": ns(0.1), "rq": 9])
    s.add("block_io_done", ["ts": .int(SyntheticRecording.at(0.1) + 500), "rq": 9])
    s.add("block_io_start", ["ts": ns(0.2), "rq": 9])
    s.add("block_io_start", ["ts": ns(0.3), "rq": 10])
    s.add("block_io_done", ["ts": ns(0.2015), "rq": 9])
    s.add("block_io_done", ["ts": ns(0.3016), "rq": 10])
    s.add("block_io_done", ["ts": ns(0.5), "rq": 11])
    let out = try runTool(BiolatencyBt.self, [try s.write()])
    #expect(out.stdout == """
    Attaching 6 probes...
    Tracing block device I/O... Hit Ctrl-C to end.



    @usecs: 
    [0]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
    [1]                    0 |                                                    |
    [2, 4)                 0 |                                                    |
    [4, 8)                 0 |                                                    |
    [8, 16)                0 |                                                    |
    [16, 32)               0 |                                                    |
    [32, 64)               0 |                                                    |
    [64, 128)              0 |                                                    |
    [128, 256)             0 |                                                    |
    [256, 512)             0 |                                                    |
    [512, 1K)              0 |                                                    |
    [1K, 2K)               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|


    """)
}
