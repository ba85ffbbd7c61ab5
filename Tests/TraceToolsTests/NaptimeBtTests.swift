import Foundation
import TraceReport
import TraceTestSupport
import Testing
@testable import TraceTools

@Test func naptimeShowsNonZeroSleepsWithTheirParents() throws {
    let s = SyntheticRecording()
    s.add("process_snapshot", ["ts": ns(0), "pid": 999, "tid": 999, "ppid": 1, "comm": "bash"])
    s.add("process_snapshot", ["ts": ns(0), "pid": 1000, "tid": 1000, "ppid": 999, "comm": "sleep"])
    func timespec(_ sec: Int64, _ nsec: Int64) -> [UInt8] {
        withUnsafeBytes(of: sec.littleEndian, Array.init) + withUnsafeBytes(of: nsec.littleEndian, Array.init)
    }
    func sleep(_ t: Double, pid: Int64, comm: String, id: Int64 = 35, _ request: [UInt8]) {
        s.add("syscall_detail", ["ts": ns(t), "duration": 1_000_000, "pid": .int(pid), "tid": .int(pid), "id": .int(id), "comm": .string(comm), "data": .bytes(request)])
    }
    sleep(0.5, pid: 1000, comm: "sleep", timespec(1, 500_000_000))
    sleep(0.6, pid: 1000, comm: "sleep", timespec(0, 0))            // a zero request: filtered
    sleep(0.7, pid: 1001, comm: "worker", timespec(0, 2_999_999))  // its parent is not in the recording
    sleep(0.8, pid: 1000, comm: "sleep", id: 230, timespec(5, 0))  // clock_nanosleep: not traced by 0.17
    let out = try runTool(NaptimeBt.self, [try s.write()])
    #expect(out.stderr.isEmpty && !out.failed)
    #expect(out.stdout == """
    Attaching 2 probes...
    Tracing sleeps. Hit Ctrl-C to end.
    TIME     PPID   PCOMM            PID    COMM             SECONDS
    22:06:40 999    bash             1000   sleep            1.500
    22:06:40 0                       1001   worker           0.002

    """)
}
