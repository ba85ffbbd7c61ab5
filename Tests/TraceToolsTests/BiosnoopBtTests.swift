import TraceReport
import TraceTestSupport
import Testing
@testable import TraceTools

/// biosnoop.bt over the block family: each request from block_io_start to block_io_done (its
/// kprobes' tracepoints), the issuing task's pid and comm at the start, and the disk named by the
/// recording's block_devices for the request's device; a device it does not name prints an empty
/// DISK and says so.
@Test func biosnoopBtPrintsEachRequestWithItsDisk() throws {
    let s = SyntheticRecording()
    s.devices = [(vda, "vda"), (vdb, "vdb")]
    s.add("process_snapshot", ["ts": ns(0), "pid": 300, "tid": 300, "ppid": 1, "comm": "dd"])
    s.add("process_snapshot", ["ts": ns(0), "pid": 400, "tid": 401, "ppid": 1, "comm": "postgres"])
    s.add("block_io_start", ["ts": ns(0.1), "rq": 9, "pid": 300, "tid": 300, "dev": .int(Int64(vda))])
    s.add("block_io_start", ["ts": ns(0.2), "rq": 10, "pid": 400, "tid": 401, "dev": .int(Int64(vdb))])
    s.add("block_io_done", ["ts": ns(0.1025), "rq": 9, "dev": .int(Int64(vda))])
    s.add("block_io_start", ["ts": ns(0.3), "rq": 11, "pid": 300, "tid": 300, "dev": .int(8 << 20)])
    s.add("block_io_done", ["ts": ns(0.2101), "rq": 10, "dev": .int(Int64(vdb))])
    s.add("block_io_done", ["ts": ns(0.3005), "rq": 11, "dev": .int(8 << 20)])
    s.add("block_io_done", ["ts": ns(0.4), "rq": 12, "dev": .int(Int64(vda))])  // no start: not printed
    let out = try runTool(BiosnoopBt.self, [try s.write()])
    #expect(!out.failed)
    #expect(out.stderr.suffix(1) == ["bpfan biosnoop.bt: disk_name: 1 event(s) of requests on devices the recording's block_devices does not name read an empty name"], "\(out.stderr)")
    // TIME(ms) is elapsed at the done, LAT(ms) truncated to whole ms, as bpftrace's integer
    // division; at exit bpftrace's two newlines, then a blank line for each of the four maps END cleared.
    #expect(out.stdout == """
    Attaching 6 probes...
    TIME(ms)     DISK    COMM             PID    LAT(ms)
    102          vda     dd               300          2
    210          vdb     postgres         400         10
    300                  dd               300          0

    """ + String(repeating: "\n", count: 6))
}
