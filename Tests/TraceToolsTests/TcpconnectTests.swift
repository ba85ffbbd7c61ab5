import TraceReport
import Testing
@testable import TraceTools

@Test func tcpconnectRowsForEachActiveOpen() throws {
    let out = try runTool(Tcpconnect.self, [try tcpRecording()])
    #expect(out.stderr.isEmpty && !out.failed)
    // curl at 0.5, ssh at 2.0, curl's refused connect at 4.0; the passive child is not a connect.
    #expect(out.stdout == """
    PID    COMM         IP SADDR            DADDR            DPORT
    300    curl         4  10.0.0.1         10.0.0.2         80   
    500    ssh          6  2001:db8::1      2001:db8::2      22   
    300    curl         4  10.0.0.1         10.0.0.2         81   

    """)
}

@Test func tcpconnectTimestampsSourcePortsAndFilters() throws {
    let path = try tcpRecording()
    let out = try runTool(Tcpconnect.self, ["-t", "-s", path])
    #expect(out.stdout == """
    TIME(s)  PID    COMM         IP SADDR            DADDR            SPORT DPORT
    0.000    300    curl         4  10.0.0.1         10.0.0.2         40000 80   
    1.500    500    ssh          6  2001:db8::1      2001:db8::2      50000 22   
    3.500    300    curl         4  10.0.0.1         10.0.0.2         42716 81   

    """)
    let ports = try runTool(Tcpconnect.self, ["-P", "22,81", path])
    #expect(ports.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("300 ") || $0.hasPrefix("500 ") }.count == 2)
    #expect(!ports.stdout.contains(" 80   "))
    let pid = try runTool(Tcpconnect.self, ["-p", "500", path])
    #expect(pid.stdout.hasSuffix("\n500    ssh          6  2001:db8::1      2001:db8::2      22   \n"))
    let count = try runTool(Tcpconnect.self, ["-c", path])
    #expect(count.stdout == """

    LADDR                     RADDR                     RPORT                CONNECTS  
    10.0.0.1                  10.0.0.2                  80                   1         
    10.0.0.1                  10.0.0.2                  81                   1         
    2001:db8::1               2001:db8::2               22                   1         

    """)
    let badPort = try runTool(Tcpconnect.self, ["-P", "80,0", path])
    #expect(badPort.failed && badPort.stderr == ["bpfan tcpconnect: invalid PORT_LIST: 80,0"])
    let badPid = try runTool(Tcpconnect.self, ["-p", "x", path])
    #expect(badPid.failed && badPid.stderr == ["bpfan tcpconnect: invalid PID: x"])
}

@Test func tcpconnectUIDsComeFromTheProcessEvents() throws {
    let plain = try runTool(Tcpconnect.self, ["-U", try tcpRecording()])
    #expect(plain.failed && plain.stderr.count == 1 && plain.stderr[0].contains("proc family"))
    let path = try tcpRecording { s in
        s.add("process_snapshot", ["ts": ns(0), "pid": 300, "tid": 300, "ppid": 1, "uid": 1000, "comm": "curl"])
        s.add("process_snapshot", ["ts": ns(0), "pid": 500, "tid": 500, "ppid": 1, "uid": 0, "comm": "ssh"])
    }
    let out = try runTool(Tcpconnect.self, ["-U", path])
    #expect(out.stdout == """
    UID   PID    COMM         IP SADDR            DADDR            DPORT
    1000  300    curl         4  10.0.0.1         10.0.0.2         80   
    0     500    ssh          6  2001:db8::1      2001:db8::2      22   
    1000  300    curl         4  10.0.0.1         10.0.0.2         81   

    """)
    let only = try runTool(Tcpconnect.self, ["-u", "0", path])
    #expect(only.stdout.components(separatedBy: "\n").count == 3 && only.stdout.contains("500    ssh"))
}

/// tcpconnect.bt over sock:inet_sock_set_state: each connect's caller from its SYN_SENT change,
/// printed at the socket's next change with the bound port.
@Test func tcpconnectBtRows() throws {
    let out = try runTool(TcpconnectBt.self, [try tcpRecording()])
    #expect(out.stderr.isEmpty && !out.failed, "\(out.stderr)")
    // The fixture's three connects (curl's refused one too, with the port its CLOSE carries),
    // at the next change's second; then exit's two newlines and the three cleared maps.
    #expect(out.stdout == """
    Attaching 4 probes...
    Tracing tcp connections. Hit Ctrl-C to end.
    TIME     PID      COMM             SADDR                                   SPORT  DADDR                                   DPORT 
    22:06:40 300      curl             10.0.0.1                                40000  10.0.0.2                                80    
    22:06:42 500      ssh              2001:db8::1                             50000  2001:db8::2                             22    
    22:06:44 300      curl             10.0.0.1                                42716  10.0.0.2                                81    

    """ + "\n\n\n\n\n", "\(out.stdout.debugDescription)")
}
