/// Active TCP opens from state changes, as tcpconnect reports them: a socket going CLOSE →
/// SYN_SENT in the connecting task's context is a connect. The source port is bound only after
/// that change (inet_hash_connect follows tcp_set_state), so it is taken from the socket's next
/// change (ESTABLISHED, or CLOSE when refused).
public struct TcpConnectTracker: Sendable {
    public struct Connect: Sendable, Equatable {
        /// The CLOSE → SYN_SENT change (task, addresses, destination port).
        public var syn: TcpStateChange
        /// The bound source port; nil while the socket has not changed again.
        public var sourcePort: Int?
        /// The socket's next change after SYN_SENT: ESTABLISHED when the SYN-ACK came, CLOSE
        /// when refused, timed out or given up; nil while none is recorded.
        public var outcome: TcpStateChange?
        /// Caller's annotation (the task's uid when known).
        public var uid: Int64?
    }

    public private(set) var connects: [Connect] = []
    /// The index in `connects` of the connect the last applied change was the outcome of.
    public private(set) var completed: Int?
    private var pending: [UInt64: Int] = [:]

    public init() {}

    /// True when `e` is a connect.
    @discardableResult
    public mutating func apply(_ e: TcpStateChange, uid: Int64? = nil) -> Bool {
        completed = pending.removeValue(forKey: e.skaddr)
        if let i = completed {
            connects[i].sourcePort = e.sport
            connects[i].outcome = e
        }
        guard e.oldState == TcpState.close && e.newState == TcpState.synSent else { return false }
        pending[e.skaddr] = connects.count
        connects.append(Connect(syn: e, sourcePort: nil, outcome: nil, uid: uid))
        return true
    }
}
