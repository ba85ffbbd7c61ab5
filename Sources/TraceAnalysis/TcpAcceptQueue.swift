/// Passive TCP opens waiting to be accepted, rebuilt from state changes, and matched to the
/// accept() calls that take them: a child socket that went SYN_RECV → ESTABLISHED joins the
/// queue of its listener (the LISTEN socket on the same local port, whose owner is the task
/// that made it listen); an accept takes the child whose remote end is the peer address the
/// call returned, or, when the caller asked for no address, the oldest child of a listener the
/// calling process owns.
public struct TcpAcceptQueue: Sendable {
    public struct Child: Sendable, Equatable {
        public var skaddr: UInt64
        public var family: Int
        public var localAddress: [UInt8]
        public var localPort: Int
        public var remoteAddress: [UInt8]
        public var remotePort: Int
        public var established: Int64
        /// The tgid that made the listener listen, when that was seen.
        public var owner: Int64?
    }

    /// A peer address as accept() returns it (struct sockaddr_in / sockaddr_in6).
    public struct Peer: Sendable, Equatable {
        public var family: Int
        public var address: [UInt8]
        public var port: Int

        /// Parses the raw sockaddr bytes; nil for other families or short buffers.
        public init?(sockaddr b: [UInt8]) {
            guard b.count >= 2 else { return nil }
            let fam = Int(b[0]) | Int(b[1]) << 8
            if fam == InetAddress.inet, b.count >= 8 {
                self.init(family: fam, address: Array(b[4..<8]), port: Int(b[2]) << 8 | Int(b[3]))
            } else if fam == InetAddress.inet6, b.count >= 24 {
                self.init(family: fam, address: Array(b[8..<24]), port: Int(b[2]) << 8 | Int(b[3]))
            } else {
                return nil
            }
        }

        public init(family: Int, address: [UInt8], port: Int) {
            self.family = family
            self.address = address
            self.port = port
        }
    }

    private var listeners: [UInt64: (owner: Int64, family: Int, port: Int)] = [:]
    public private(set) var waiting: [Child] = []

    public init() {}

    public mutating func apply(_ e: TcpStateChange) {
        if e.newState == TcpState.listen {
            listeners[e.skaddr] = (e.pid, e.family, e.sport)
        } else if e.oldState == TcpState.listen && e.newState == TcpState.close {
            listeners[e.skaddr] = nil
        } else if e.oldState == TcpState.synRecv && e.newState == TcpState.established {
            let owner = listeners.values.first { $0.port == e.sport && $0.family == e.family }?.owner
            waiting.append(Child(skaddr: e.skaddr, family: e.family, localAddress: e.saddr, localPort: e.sport,
                                 remoteAddress: e.daddr, remotePort: e.dport, established: e.ts, owner: owner))
        }
    }

    /// The child an accept by process `pid` returned, removed from the queue.
    public mutating func accept(pid: Int64, peer: Peer?) -> Child? {
        let index: Int?
        if let peer {
            let n = peer.family == InetAddress.inet ? 4 : 16
            index = waiting.firstIndex { $0.family == peer.family && $0.remotePort == peer.port && Array($0.remoteAddress.prefix(n)) == peer.address }
        } else {
            index = waiting.firstIndex { $0.owner == pid }
        }
        return index.map { waiting.remove(at: $0) }
    }
}
