import TraceReport
import TraceTestSupport
import Testing
@testable import TraceTools

/// Two retransmits on 10.0.0.1:40000 → 10.0.0.2:80 (ESTABLISHED, from softirq), one of ssh's
/// SYN on [2001:db8::1]:50000 → [2001:db8::2]:22, one on 10.0.0.1:40001 → 10.0.0.2:443
/// (FIN_WAIT1), and one of a non-inet socket (dropped).
func retransRecording() throws -> String {
    let s = SyntheticRecording()
    func rt(_ t: Double, pid: Int64 = 0, family: Int64 = 2, _ sport: Int64, _ dport: Int64, _ saddr: [UInt8], _ daddr: [UInt8], state: Int64) {
        s.add("tcp_retransmit", ["ts": ns(t), "pid": .int(pid), "tid": .int(pid), "family": .int(family), "sport": .int(sport), "dport": .int(dport),
                                 "saddr": .bytes(saddr), "daddr": .bytes(daddr), "state": .int(state), "skaddr": 1])
    }
    let c = ip4(10, 0, 0, 1), sv = ip4(10, 0, 0, 2)
    rt(0.6, 40000, 80, c, sv, state: 1)
    rt(0.9, 40000, 80, c, sv, state: 1)
    rt(1.2, pid: 500, family: 10, 50000, 22, v6a, v6b, state: 2)
    rt(1.5, 40001, 443, c, sv, state: 4)
    rt(1.6, family: 1, 0, 0, c, sv, state: 1)
    return try s.write()
}

@Test func tcpretransRows() throws {
    let out = try runTool(Tcpretrans.self, [try retransRecording()])
    #expect(out.stderr.isEmpty && !out.failed)
    #expect(out.stdout == """
    Tracing retransmits ... Hit Ctrl-C to end
    TIME     PID    IP LADDR:LPORT          T> RADDR:RPORT          STATE
    22:06:40 0      4  10.0.0.1:40000       R> 10.0.0.2:80          ESTABLISHED
    22:06:40 0      4  10.0.0.1:40000       R> 10.0.0.2:80          ESTABLISHED
    22:06:41 500    6  2001:db8::1:50000    R> 2001:db8::2:22       SYN_SENT
    22:06:41 0      4  10.0.0.1:40001       R> 10.0.0.2:443         FIN_WAIT1

    """)
}

@Test func tcpretransCountsPerFlow() throws {
    let path = try retransRecording()
    let out = try runTool(Tcpretrans.self, ["-c", path])
    #expect(out.stdout == """
    Tracing retransmits ... Hit Ctrl-C to end

    LADDR:LPORT               RADDR:RPORT               RETRANSMITS
    [10.0.0.1]#40001     <-> [10.0.0.2]#443                1
    [10.0.0.1]#40000     <-> [10.0.0.2]#80                 2
    [2001:db8::1]#50000  <-> [2001:db8::2]#22              1

    """)
    let window = try runTool(Tcpretrans.self, ["-c", "--to", "1", path])
    #expect(window.stdout.hasSuffix("RETRANSMITS\n[10.0.0.1]#40000     <-> [10.0.0.2]#80                 2\n"))
    let tlp = try runTool(Tcpretrans.self, ["-l", path])
    #expect(tlp.failed && tlp.stderr.count == 1 && tlp.stderr[0].hasPrefix("bpfan tcpretrans: -l: "))
    let json = try runTool(Tcpretrans.self, ["--json", "--from", "1.3", path])
    #expect(json.stdout.split(separator: "\n").dropFirst() == [#"{"type":"event","name":"retransmit","time_ns":1795990001500000000,"pid":0,"ip":4,"laddr":"10.0.0.1","lport":40001,"raddr":"10.0.0.2","rport":443,"state":"FIN_WAIT1"}"#])
}

/// tcpretrans.bt over tcp:tcp_retransmit_skb: bpftrace's columns for the same four inet
/// retransmits (the non-inet one is skipped by its family test), at their times.
@Test func tcpretransBtRows() throws {
    let out = try runTool(TcpretransBt.self, [try retransRecording()])
    #expect(out.stderr.isEmpty && !out.failed, "\(out.stderr)")
    #expect(out.stdout == """
    Attaching 3 probes...
    Tracing tcp retransmits. Hit Ctrl-C to end.
    TIME     PID               LADDR:LPORT           RADDR:RPORT  STATE
    22:06:40 0              10.0.0.1:40000        10.0.0.2:80     ESTABLISHED
    22:06:40 0              10.0.0.1:40000        10.0.0.2:80     ESTABLISHED
    22:06:41 500         2001:db8::1:50000     2001:db8::2:22     SYN_SENT
    22:06:41 0              10.0.0.1:40001        10.0.0.2:443    FIN_WAIT1

    """ + "\n\n\n", "\(out.stdout.suffix(30).debugDescription)")  // exit's two newlines, then the cleared @tcp_states
}
