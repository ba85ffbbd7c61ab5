import TraceReport
import Testing
@testable import TraceTools

@Test func tcpstatesRowsWithTimeInPreviousState() throws {
    let out = try runTool(Tcpstates.self, ["-L", "80", try tcpRecording()])
    #expect(out.stderr.isEmpty && !out.failed)
    // The listener (…02) and the accepted child (…03); first changes measure 0.
    #expect(out.stdout == """
    SKADDR           PID     COMM       LADDR           LPORT RADDR           RPORT OLDSTATE    -> NEWSTATE    MS
    8880ffffffffff02 400     nginx      10.0.0.2        80    0.0.0.0         0     CLOSE       -> LISTEN      0.000
    8880ffffffffff03 0       swapper/1  10.0.0.2        80    10.0.0.1        40000 LISTEN      -> SYN_RECV    0.000
    8880ffffffffff03 0       swapper/1  10.0.0.2        80    10.0.0.1        40000 SYN_RECV    -> ESTABLISHED 0.200
    8880ffffffffff03 0       swapper/1  10.0.0.2        80    10.0.0.1        40000 ESTABLISHED -> CLOSE_WAIT  1249.900
    8880ffffffffff03 400     nginx      10.0.0.2        80    10.0.0.1        40000 CLOSE_WAIT  -> LAST_ACK    0.100
    8880ffffffffff03 0       swapper/1  10.0.0.2        80    10.0.0.1        40000 LAST_ACK    -> CLOSE       10.100
    8880ffffffffff02 400     nginx      10.0.0.2        80    0.0.0.0         0     LISTEN      -> CLOSE       4400.000

    """)
}

@Test func tcpstatesReusedAddressStartsOverAfterClose() throws {
    let out = try runTool(Tcpstates.self, ["-D", "80,81", try tcpRecording()])
    let rows = out.stdout.split(separator: "\n").filter { $0.hasPrefix("8880ffffffffff01") }
    // CLOSE -> SYN_SENT, -> ESTABLISHED, -> FIN_WAIT1, -> FIN_WAIT2, -> CLOSE (forgotten), then
    // the same address 2.24 s later as a new socket: 0 again, and 161 us to its CLOSE.
    #expect(rows.map { $0.split(separator: " ").last! } == ["0.000", "0.200", "1250.000", "0.100", "10.000", "0.000", "0.161"])
}

@Test func tcpstatesWideIPv6WithTimestamps() throws {
    let out = try runTool(Tcpstates.self, ["-6", "-w", "-T", try tcpRecording()])
    #expect(out.stdout.components(separatedBy: "\n").prefix(3).joined(separator: "\n") == """
    TIME(s)  SKADDR           PID     COMM             IP LADDR                      LPORT RADDR                      RPORT OLDSTATE    -> NEWSTATE    MS
    22:06:42 8880ffffffffff04 500     ssh              6  2001:db8::1                0     2001:db8::2                22    CLOSE       -> SYN_SENT    0.000
    22:06:42 8880ffffffffff04 0       swapper/1        6  2001:db8::1                50000 2001:db8::2                22    SYN_SENT    -> ESTABLISHED 1.000
    """)
    #expect(out.stdout.components(separatedBy: "\n").count == 7)
    let bad = try runTool(Tcpstates.self, ["-L", "80,70000", try tcpRecording()])
    #expect(bad.failed && bad.stderr == ["bpfan tcpstates: Invalid ports: 80,70000"])
    let json = try runTool(Tcpstates.self, ["--json", "-D", "81", try tcpRecording()])
    #expect(json.stdout.hasSuffix(#""oldstate":"SYN_SENT","newstate":"CLOSE","delta_ns":161000}"# + "\n"))
}
