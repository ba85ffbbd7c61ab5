import TraceReport
import Testing
@testable import TraceTools

// acceptRecording: curl connects at 0.5 (established 0.5002) and closes first (FIN_WAIT1 at
// 1.7502); nginx accepts that child at 0.6 and a second at 0.9, and closes the first from
// CLOSE_WAIT (LAST_ACK at 1.7503); ssh connects over IPv6 (2.0 → 2.001) and closes at 3.0;
// curl's refused connect at 4.0 was never established, so it has neither C nor X.

@Test func tcptracerConnectsAcceptsAndCloses() throws {
    let out = try runTool(Tcptracer.self, [try acceptRecording()])
    #expect(out.stderr == ["bpfan tcptracer: warning: 1 accept calls returned a connection whose handshake the recording does not hold (established before it started); not shown"])
    #expect(out.stdout == """
    T PID    COMM         IP SADDR            DADDR            SPORT DPORT
    C 300    curl         4  10.0.0.1         10.0.0.2         40000 80  
    A 400    nginx        4  10.0.0.2         10.0.0.1         80   40000
    A 400    nginx        4  10.0.0.2         10.0.0.3         80   41000
    X 300    curl         4  10.0.0.1         10.0.0.2         40000 80  
    X 400    nginx        4  10.0.0.2         10.0.0.1         80   40000
    C 500    ssh          6  2001:db8::1      2001:db8::2      50000 22  
    X 500    ssh          6  2001:db8::1      2001:db8::2      50000 22  

    """)
}

@Test func tcptracerTimestampsFiltersAndUIDs() throws {
    let path = try acceptRecording()
    let t = try runTool(Tcptracer.self, ["-t", path])
    #expect(t.stdout.components(separatedBy: "\n").prefix(4) == [
        "TIME(s)  T PID    COMM         IP SADDR            DADDR            SPORT DPORT",
        "0.000    C 300    curl         4  10.0.0.1         10.0.0.2         40000 80  ",
        "0.100    A 400    nginx        4  10.0.0.2         10.0.0.1         80   40000",
        "0.400    A 400    nginx        4  10.0.0.2         10.0.0.3         80   41000",
    ])
    let curl = try runTool(Tcptracer.self, ["-p", "300", path])
    #expect(curl.stdout == """
    T PID    COMM         IP SADDR            DADDR            SPORT DPORT
    C 300    curl         4  10.0.0.1         10.0.0.2         40000 80  
    X 300    curl         4  10.0.0.1         10.0.0.2         40000 80  

    """)
    #expect(try runTool(Tcptracer.self, ["-p", "0", path]).stderr.last == "bpfan tcptracer: invalid PID: 0")
    // get_int() is strtol: trailing text is ignored, as live.
    #expect(try runTool(Tcptracer.self, ["-p", "300x", path]).stdout == curl.stdout)
    #expect(try runTool(Tcptracer.self, ["-u", "4294967295", path]).stderr.last == "bpfan tcptracer: invalid UID: 4294967295")
    let noProc = try runTool(Tcptracer.self, ["-U", path])
    #expect(noProc.failed && noProc.stderr.last?.contains("proc family") == true)
    let withProc = try acceptRecording(uids: [300: 1000, 400: 33, 500: 0])
    let uid = try runTool(Tcptracer.self, ["-U", "-u", "33", withProc])
    #expect(uid.stdout.hasPrefix("UID   T PID    COMM         IP SADDR            DADDR            SPORT DPORT\n33    A 400    nginx"))
    #expect(uid.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("33    ") }.count == 3)
}
