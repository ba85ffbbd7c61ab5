import Testing
@testable import TraceAnalysis

@Test func acceptQueueMatchesByPeerThenByOwner() {
    var q = TcpAcceptQueue()
    var listen = change(10, 1, 7, 10, pid: 40, comm: "srv")
    listen.sport = 80
    q.apply(listen)
    for (sk, port) in [(UInt64(2), 1000), (3, 2000)] {
        var e = change(Int64(sk) * 100, sk, 3, 1)
        e.sport = 80
        e.dport = port
        e.daddr = [10, 0, 0, UInt8(sk)] + Array(repeating: 0, count: 12)
        q.apply(e)
    }
    #expect(q.waiting.map(\.owner) == [40, 40])
    let byPeer = q.accept(pid: 99, peer: .init(family: 2, address: [10, 0, 0, 3], port: 2000))
    #expect(byPeer?.skaddr == 3)
    #expect(q.accept(pid: 99, peer: nil) == nil)           // not the listener's owner
    #expect(q.accept(pid: 40, peer: nil)?.skaddr == 2)
    #expect(q.waiting.isEmpty)
    #expect(TcpAcceptQueue.Peer(sockaddr: [10, 0, 0x1f, 0x90, 0, 0, 0, 0] + Array(repeating: 0, count: 15) + [1])
            == .init(family: 10, address: Array(repeating: 0, count: 15) + [1], port: 8080))
    #expect(TcpAcceptQueue.Peer(sockaddr: [1, 0, 47]) == nil)
}
