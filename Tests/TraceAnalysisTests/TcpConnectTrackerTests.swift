import Testing
@testable import TraceAnalysis

@Test func connectsTakeTheirSourcePortFromTheNextChange() {
    var t = TcpConnectTracker()
    let isConnect = t.apply(change(100, 9, 7, 2, pid: 30, comm: "curl"))
    let otherSocket = t.apply(change(150, 8, 10, 3))  // another socket: no effect
    #expect(isConnect && !otherSocket)
    #expect(t.connects.first?.sourcePort == nil)
    var established = change(200, 9, 2, 1)
    established.sport = 40000
    let again = t.apply(established)
    #expect(!again)
    #expect(t.connects.map(\.sourcePort) == [40000] && t.completed == 0 && t.connects[0].outcome == established)
    // Later changes of the socket do not touch it again.
    var closing = change(300, 9, 1, 4)
    closing.sport = 1
    t.apply(closing)
    #expect(t.connects.map(\.sourcePort) == [40000] && t.connects[0].syn.pid == 30 && t.completed == nil)
}
