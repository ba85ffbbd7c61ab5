import Testing
@testable import TraceAnalysis

func change(_ ts: Int64, _ sk: UInt64, _ old: Int, _ new: Int, pid: Int64 = 0, comm: String = "swapper/0") -> TcpStateChange {
    TcpStateChange(ts: ts, pid: pid, comm: comm, skaddr: sk, sport: 1, dport: 2, saddr: [127, 0, 0, 1], daddr: [127, 0, 0, 1], oldState: old, newState: new)
}

@Test func tcpLifeLibbpfBirthIsTheLastEarlyChangeAndOwnerComesFromSynSent() {
    var t = TcpLifeTracker()
    #expect(t.apply(change(100, 9, 7, 2, pid: 30, comm: "curl")) == nil)
    #expect(t.apply(change(300, 9, 2, 1)) == nil)
    #expect(t.apply(change(900, 9, 1, 4, pid: 30, comm: "curl")) == nil)
    let s = t.apply(change(1000, 9, 4, 7))
    #expect(s?.pid == 30 && s?.comm == "curl" && s?.birth == 300 && s?.span == 700)
    #expect(t.open == 0)
    // The same address again: a new session; without a cached owner the current task stands in.
    _ = t.apply(change(2000, 9, 10, 3))
    #expect(t.apply(change(2500, 9, 3, 7, pid: 44, comm: "srv"))?.pid == 44)
    // A CLOSE with no birth (the session predates the recording) prints nothing.
    #expect(t.apply(change(3000, 10, 4, 7)) == nil)
}

@Test func tcpLifePidFilterAndBpftraceFlavor() {
    var only = TcpLifeTracker(pid: 31)
    _ = only.apply(change(100, 9, 7, 2, pid: 30, comm: "curl"))
    #expect(only.apply(change(200, 9, 2, 7)) == nil)  // owner falls back to pid 0: filtered
    var bt = TcpLifeTracker(flavor: .bpftrace)
    _ = bt.apply(change(100, 9, 7, 2, pid: 30, comm: "curl"))
    _ = bt.apply(change(300, 9, 2, 1))
    let s = bt.apply(change(1000, 9, 1, 7))
    #expect(s?.birth == 100 && s?.pid == 30)
    // Request socket clone (LISTEN → SYN_RECV) is invisible to the kprobe.
    _ = bt.apply(change(2000, 11, 10, 3))
    _ = bt.apply(change(2100, 11, 3, 1))
    #expect(bt.apply(change(2600, 11, 1, 7))?.birth == 2100)
}

@Test func addressesFormatLikeInetNtop() {
    #expect(InetAddress.format(family: 2, [10, 0, 0, 1] + Array(repeating: 0, count: 12)) == "10.0.0.1")
    #expect(InetAddress.format(family: 10, [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1]) == "2001:db8::1")
    #expect(InetAddress.format(family: 10, Array(repeating: 0, count: 10) + [0xff, 0xff, 127, 0, 0, 1]) == "::ffff:127.0.0.1")
    #expect(TcpState.name(1) == "ESTABLISHED" && TcpState.name(13) == "UNKNOWN" && TcpState.name(14) == "(null)")
}

@Test func tcpStateTimerMeasuresFromThePreviousChangeAndForgetsAtClose() {
    var t = TcpStateTimer()
    #expect(t.apply(change(100, 9, 7, 2)) == 0)
    #expect(t.apply(change(350, 9, 2, 1)) == 250)
    #expect(t.apply(change(400, 9, 1, 7)) == 50)
    #expect(t.tracked == 0)
    #expect(t.apply(change(900, 9, 7, 2)) == 0)
}
