import TraceReport
import Testing
@testable import TraceTools

func sockaddrIn(_ port: Int, _ a: [UInt8]) -> ColumnValueBytes { [2, 0, UInt8(port >> 8), UInt8(port & 0xff)] + a + Array(repeating: 0, count: 8) }
typealias ColumnValueBytes = [UInt8]

/// tcpRecording's accepted child (10.0.0.1:40000 → 10.0.0.2:80, established 0.5003), plus a
/// second child from 10.0.0.3:41000 established at 0.8001, and nginx's accept calls: accept4
/// returning the first with its address (0.6), a failed accept (0.65), an accept without an
/// address before any child waits (0.7, unmatched), one without an address at 0.9 (FIFO: the
/// second child), and an accept on a unix socket (0.95). `uids` gives the processes' uids
/// (process_snapshot rows, and the uid of nginx's calls).
func acceptRecording(uids: [Int64: Int64] = [:]) throws -> String {
    try tcpRecording { s in
        for (pid, uid) in uids.sorted(by: { $0.key < $1.key }) {
            s.add("process_snapshot", ["ts": ns(0), "pid": .int(pid), "tid": .int(pid), "ppid": 1, "uid": .int(uid), "comm": .string("p\(pid)")])
        }
        let sv = ip4(10, 0, 0, 2), c3 = ip4(10, 0, 0, 3)
        let child2: Int64 = -0x777f_0000_0000_00fa
        s.add("tcp_state", ["ts": ns(0.8), "pid": 0, "comm": "swapper/1", "skaddr": .int(child2), "family": 2, "sport": 80, "dport": 41000,
                            "saddr": .bytes(sv), "daddr": .bytes(c3), "old_state": 10, "new_state": 3])
        s.add("tcp_state", ["ts": ns(0.8001), "pid": 0, "comm": "swapper/1", "skaddr": .int(child2), "family": 2, "sport": 80, "dport": 41000,
                            "saddr": .bytes(sv), "daddr": .bytes(c3), "old_state": 3, "new_state": 1])
        func call(_ t: Double, _ id: Int64, ret: Int64, data: [UInt8]) {
            s.add("syscall_detail", ["ts": ns(t), "pid": 400, "tid": 401, "uid": .int(uids[400] ?? 0), "comm": "nginx", "id": .int(id), "ret": .int(ret),
                                     "duration": 10_000, "data": .bytes(data)])
        }
        call(0.6, 288, ret: 5, data: sockaddrIn(40000, [10, 0, 0, 1]))
        call(0.65, 43, ret: -11, data: [])
        call(0.7, 43, ret: 6, data: [])
        call(0.9, 288, ret: 7, data: [])
        call(0.95, 43, ret: 8, data: [1, 0] + Array("/run/x.sock".utf8))
    }
}

@Test func tcpacceptMatchesCallsToPassiveOpens() throws {
    let out = try runTool(Tcpaccept.self, [try acceptRecording()])
    #expect(out.stderr == ["bpfan tcpaccept: warning: 1 accept calls returned a connection whose handshake the recording does not hold (established before it started); not shown"])
    #expect(out.stdout == """
    PID     COMM         IP RADDR            RPORT LADDR            LPORT
    400     nginx        4  10.0.0.1         40000 10.0.0.2         80   
    400     nginx        4  10.0.0.3         41000 10.0.0.2         80   

    """)
}

@Test func tcpacceptTimesAndFilters() throws {
    let path = try acceptRecording()
    let out = try runTool(Tcpaccept.self, ["-T", "-t", path])
    #expect(out.stdout == """
    TIME     TIME(s)  PID     COMM         IP RADDR            RPORT LADDR            LPORT
    22:06:40 0.000    400     nginx        4  10.0.0.1         40000 10.0.0.2         80   
    22:06:40 0.300    400     nginx        4  10.0.0.3         41000 10.0.0.2         80   

    """)
    #expect(try runTool(Tcpaccept.self, ["-p", "401", path]).stdout.components(separatedBy: "\n").count == 2)
    #expect(try runTool(Tcpaccept.self, ["-6", path]).stdout.components(separatedBy: "\n").count == 2)
    #expect(try runTool(Tcpaccept.self, ["-P", "80", "-4", path]).stdout.components(separatedBy: "\n").count == 4)
    #expect(try runTool(Tcpaccept.self, ["-P", "8080", path]).stdout.components(separatedBy: "\n").count == 2)
    // From 0.75 on: the accept at 0.6 still took the first child, so the FIFO accept at 0.9 gets the second.
    let late = try runTool(Tcpaccept.self, ["--from", "0.75", "--json", path])
    #expect(late.stdout.split(separator: "\n").dropFirst() == [#"{"type":"event","name":"accept","time_ns":1795990000900010000,"pid":400,"comm":"nginx","ip":4,"raddr":"10.0.0.3","rport":41000,"laddr":"10.0.0.2","lport":80}"#])
    let bad = try runTool(Tcpaccept.self, ["-P", "http", path])
    #expect(bad.failed && bad.stderr == ["bpfan tcpaccept: -P http: expected a comma-separated list of ports"])
}
