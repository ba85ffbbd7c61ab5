import TraceReport
import Testing
@testable import TraceTools

/// tcpRecording's listener (nginx puts 10.0.0.2:80 in LISTEN at 0.1) with the listen() call
/// around it, a failing listen() (EADDRINUSE, no state change) at 1.0, and redis listening on
/// [::]:6379 at 2.5 with backlog -1 (clamped to somaxconn).
func listenRecording() throws -> String {
    try tcpRecording { s in
        func listen(_ t: Double, pid: Int64, comm: String, fd: Int64, backlog: Int64, ret: Int64) {
            s.add("syscall_detail", ["ts": ns(t), "duration": 20_000, "pid": .int(pid), "tid": .int(pid), "comm": .string(comm), "id": 50, "ret": .int(ret),
                                     "arg0": .int(fd), "arg1": .int(backlog)])
        }
        listen(0.09999, pid: 400, comm: "nginx", fd: 3, backlog: 511, ret: 0)
        listen(1.0, pid: 400, comm: "nginx", fd: 4, backlog: 128, ret: -98)
        listen(2.49999, pid: 600, comm: "redis", fd: 5, backlog: 0xffff_ffff, ret: 0)
        s.add("tcp_state", ["ts": ns(2.5), "pid": 600, "tid": 600, "comm": "redis", "skaddr": .int(-0x777f_0000_0000_00f0), "family": 10, "sport": 6379,
                            "dport": 0, "saddr": .bytes(Array(repeating: 0, count: 16)), "daddr": .bytes(Array(repeating: 0, count: 16)),
                            "old_state": 7, "new_state": 10])
    }
}

@Test func solistenRowsForCallsThatListen() throws {
    let path = try listenRecording()
    let out = try runTool(Solisten.self, [path])
    #expect(!out.failed)
    #expect(out.stderr == ["bpfan solisten: 1 backlogs beyond 4096 (compared unsigned, so negative ones too) printed as 4096, the kernel's default net.core.somaxconn: the recording does not hold the host's setting", "bpfan solisten: 1 listen() calls made no TCP socket listen (they failed, re-listened on a listening socket, or were not on a TCP socket); the recording cannot name their socket, so they are not shown"])
    #expect(out.stdout == """
    PID     COMM             RET BACKLOG PROTO PORT  ADDR                            
    400     nginx            0   511     TCPv4 80    10.0.0.2                        
    600     redis            0   4096    TCPv6 6379  ::                              

    """)
    let t = try runTool(Solisten.self, ["-t", "-p", "600", path])
    #expect(t.stdout == """
    TIME(s)  PID     COMM             RET BACKLOG PROTO PORT  ADDR                            
    22:06:42 600     redis            0   4096    TCPv6 6379  ::                              

    """)
    #expect(t.stderr == ["bpfan solisten: 1 backlogs beyond 4096 (compared unsigned, so negative ones too) printed as 4096, the kernel's default net.core.somaxconn: the recording does not hold the host's setting"])
    // nginx's backlog of 511 is printed as given, with no note.
    #expect(try runTool(Solisten.self, ["-p", "400", path]).stderr.allSatisfy { !$0.contains("backlogs") })
}
