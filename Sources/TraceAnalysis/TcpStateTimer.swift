/// How long a TCP socket spent in the state it leaves, as tcpstates measures it: the time since
/// the socket's previous change, keyed by socket address and forgotten at CLOSE (the address
/// may come back as another socket). A socket's first change seen measures 0.
public struct TcpStateTimer: Sendable {
    private var last: [UInt64: Int64] = [:]

    public init() {}

    /// Sockets whose last change is remembered.
    public var tracked: Int { last.count }

    /// Nanoseconds since the socket's previous change (0 when none was seen), then remembers
    /// this change.
    public mutating func apply(_ e: TcpStateChange) -> Int64 {
        let delta = last[e.skaddr].map { e.ts &- $0 } ?? 0
        if e.newState == TcpState.close { last[e.skaddr] = nil } else { last[e.skaddr] = e.ts }
        return delta
    }
}
