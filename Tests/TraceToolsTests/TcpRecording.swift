import TraceReport
import TraceTestSupport
import TraceFormat
@testable import TraceTools

func ip4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> [UInt8] { [a, b, c, d] + Array(repeating: 0, count: 12) }
let v6a: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1]
let v6b: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [2]

/// TCP sessions whose facts are known (states: 1 ESTABLISHED, 2 SYN_SENT, 3 SYN_RECV,
/// 4 FIN_WAIT1, 5 FIN_WAIT2, 7 CLOSE, 8 CLOSE_WAIT, 9 LAST_ACK, 10 LISTEN):
/// - sk 0x..01 client curl (pid 300) 10.0.0.1:40000 → 10.0.0.2:80: SYN_SENT 0.5, ESTABLISHED
///   0.5002, FIN_WAIT1 1.7502, FIN_WAIT2 1.7503, CLOSE 1.7603 with 3000 B acked, 102400 B received.
/// - sk 0x..02 listener nginx (pid 400) on 10.0.0.2:80 from 0.1; closed at 4.5.
/// - sk 0x..03 its accepted child: SYN_RECV 0.5001, ESTABLISHED 0.5003, CLOSE_WAIT 1.7502,
///   LAST_ACK 1.7503 (by nginx), CLOSE 1.7604 with 102400 acked, 3000 received.
/// - sk 0x..04 ssh (pid 500) [2001:db8::1]:50000 → [2001:db8::2]:22: SYN_SENT 2.0, ESTABLISHED
///   2.001, FIN_WAIT1 3.0, FIN_WAIT2 3.001, CLOSE 3.002, nothing sent.
/// - sk 0x..01 reused by curl for a refused connect to 10.0.0.2:81: SYN_SENT 4.0 (port 0),
///   CLOSE 4.000161 (port 42716).
/// Changes in softirq run as the idle task (pid 0, "swapper/1").
func tcpRecording(extra: (SyntheticRecording) -> Void = { _ in }, lost: [(family: String, lost: Int64, at: Double)] = []) throws -> String {
    let s = SyntheticRecording()
    let c = ip4(10, 0, 0, 1), sv = ip4(10, 0, 0, 2)
    func st(_ t: Double, _ sk: Int64, _ old: Int64, _ new: Int64, pid: Int64 = 0, comm: String = "swapper/1", family: Int64 = 2,
            _ sport: Int64, _ dport: Int64, _ saddr: [UInt8], _ daddr: [UInt8], acked: Int64 = 0, received: Int64 = 0) {
        s.add("tcp_state", ["ts": ns(t), "cpu": 1, "pid": .int(pid), "tid": .int(pid), "comm": .string(comm), "skaddr": .int(sk),
                            "family": .int(family), "sport": .int(sport), "dport": .int(dport), "saddr": .bytes(saddr), "daddr": .bytes(daddr),
                            "old_state": .int(old), "new_state": .int(new), "bytes_acked": .int(acked), "bytes_received": .int(received)])
    }
    let cli: Int64 = -0x777f_0000_0000_00ff, lis: Int64 = -0x777f_0000_0000_00fe, child: Int64 = -0x777f_0000_0000_00fd, v6: Int64 = -0x777f_0000_0000_00fc
    st(0.1, lis, 7, 10, pid: 400, comm: "nginx", 80, 0, sv, ip4(0, 0, 0, 0))
    st(0.5, cli, 7, 2, pid: 300, comm: "curl", 0, 80, c, sv)
    st(0.5001, child, 10, 3, 80, 40000, sv, c)
    st(0.5002, cli, 2, 1, 40000, 80, c, sv)
    st(0.5003, child, 3, 1, 80, 40000, sv, c)
    st(1.7502, cli, 1, 4, pid: 300, comm: "curl", 40000, 80, c, sv, acked: 3000, received: 102400)
    st(1.7502, child, 1, 8, 80, 40000, sv, c, acked: 102400, received: 3000)
    st(1.7503, child, 8, 9, pid: 400, comm: "nginx", 80, 40000, sv, c, acked: 102400, received: 3000)
    st(1.7503, cli, 4, 5, 40000, 80, c, sv, acked: 3000, received: 102400)
    st(1.7603, cli, 5, 7, 40000, 80, c, sv, acked: 3000, received: 102400)
    st(1.7604, child, 9, 7, 80, 40000, sv, c, acked: 102400, received: 3000)
    st(2.0, v6, 7, 2, pid: 500, comm: "ssh", family: 10, 0, 22, v6a, v6b)
    st(2.001, v6, 2, 1, family: 10, 50000, 22, v6a, v6b)
    st(3.0, v6, 1, 4, pid: 500, comm: "ssh", family: 10, 50000, 22, v6a, v6b)
    st(3.001, v6, 4, 5, family: 10, 50000, 22, v6a, v6b)
    st(3.002, v6, 5, 7, family: 10, 50000, 22, v6a, v6b)
    st(4.0, cli, 7, 2, pid: 300, comm: "curl", 0, 81, c, sv)
    st(4.000161, cli, 2, 7, pid: 300, comm: "curl", 42716, 81, c, sv)
    st(4.5, lis, 10, 7, pid: 400, comm: "nginx", 80, 0, sv, ip4(0, 0, 0, 0))
    extra(s)
    return try s.write(lost: lost)
}
