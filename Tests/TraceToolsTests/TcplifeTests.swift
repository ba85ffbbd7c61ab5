import TraceReport
import Testing
@testable import TraceTools

@Test func tcplifeRowsPerSessionAtClose() throws {
    let out = try runTool(Tcplife.self, [try tcpRecording()])
    #expect(out.stderr.isEmpty && !out.failed)
    // Lifespans from the last change before FIN_WAIT1: 1.7603 - 0.5002, 1.7604 - 0.5003,
    // 3.002 - 2.001, 4.000161 - 4.0.
    #expect(out.stdout == """
    PID     COMM             LADDR           LPORT RADDR           RPORT TX_KB  RX_KB  MS
    300     curl             10.0.0.1        40000 10.0.0.2        80    2.93   100.00 1260.10
    400     nginx            10.0.0.2        80    10.0.0.1        40000 100.00 2.93   1260.10
    500     ssh              2001:db8::1     50000 2001:db8::2     22    0.00   0.00   1001.00
    300     curl             10.0.0.1        42716 10.0.0.2        81    0.00   0.00   0.16

    """)
}

@Test func tcplifeFiltersWideAndTime() throws {
    let path = try tcpRecording()
    let v6 = try runTool(Tcplife.self, ["-6", "-w", "-T", path])
    #expect(v6.stdout == """
    TIME(s)  PID     COMM             LADDR                                   LPORT RADDR                                   RPORT TX_KB  RX_KB  MS
    22:06:43 500     ssh              2001:db8::1                             50000 2001:db8::2                             22    0.00   0.00   1001.00

    """)
    let v4 = try runTool(Tcplife.self, ["-4", path])
    #expect(v4.stdout.components(separatedBy: "\n").count == 5)
    let nginx = try runTool(Tcplife.self, ["-p", "400", path])
    #expect(nginx.stdout.hasSuffix("\n400     nginx            10.0.0.2        80    10.0.0.1        40000 100.00 2.93   1260.10\n"))
    #expect(nginx.stdout.components(separatedBy: "\n").count == 3)
    // Local port 80 only: the server side (the listener never had a birth time).
    let lport = try runTool(Tcplife.self, ["-L", "80,8080", path])
    #expect(lport.stdout.components(separatedBy: "\n").dropFirst().first?.hasPrefix("400     nginx") == true)
    #expect(lport.stdout.components(separatedBy: "\n").count == 3)
    // Remote port 81: the refused connect only; its SYN_SENT (port 81) is its birth.
    let dport = try runTool(Tcplife.self, ["-D", "81", path])
    #expect(dport.stdout.hasSuffix("42716 10.0.0.2        81    0.00   0.00   0.16\n"))
    // A list starting with 0 ends before any port: nothing passes.
    let zero = try runTool(Tcplife.self, ["-D", "0,81", path])
    #expect(zero.stdout.components(separatedBy: "\n").count == 2)
    let json = try runTool(Tcplife.self, ["--json", "-6", path])
    #expect(json.stdout.split(separator: "\n").dropFirst() == [#"{"type":"event","name":"tcp_session","time_ns":1795990003002000000,"pid":500,"comm":"ssh","laddr":"2001:db8::1","lport":50000,"raddr":"2001:db8::2","rport":22,"tx_bytes":0,"rx_bytes":0,"span_ns":1001000000}"#])
    let bad = try runTool(Tcplife.self, ["--pid=-3", path])
    #expect(bad.failed && bad.stderr == ["bpfan tcplife: Invalid PID: -3"])
}

@Test func tcplifeBtRowsFromFirstBirthInWholeUnits() throws {
    let out = try runTool(TcplifeBt.self, [try tcpRecording()])
    // Births are the first change before FIN_WAIT1: curl's SYN_SENT at 0.5 (1260.3 ms), the
    // child's ESTABLISHED at 0.5003 (its LISTEN → SYN_RECV is not a tcp_set_state call).
    #expect(out.stdout == """
    Attaching 3 probes...
    PID   COMM       LADDR           LPORT RADDR           RPORT TX_KB RX_KB MS
    300   curl       10.0.0.1        40000 10.0.0.2        80         2   100 1260
    400   nginx      10.0.0.2        80    10.0.0.1        40000    100     2 1260
    500   ssh        2001:db8::1     50000 2001:db8::2     22         0     0 1002
    300   curl       10.0.0.1        42716 10.0.0.2        81         0     0 0






    """)
}
