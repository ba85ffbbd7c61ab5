/// TCP session lifespans from state changes keyed by socket address, as tcplife does it: a
/// birth time, the owning task remembered where the change is made in process context
/// (SYN_SENT by a connecting client, LAST_ACK by a server closing), and one finished session
/// at the change to CLOSE. Socket addresses are reused: CLOSE ends a session and forgets it.
public struct TcpLifeTracker: Sendable {
    public enum Flavor: Sendable {
        /// libbpf-tools tcplife (tracepoint): birth is the *last* change to a state before
        /// FIN_WAIT1; the task is looked up with a pid filter applied at caching time.
        case libbpf
        /// tcplife.bt (kprobe tcp_set_state): birth is the *first* such change, and changes the
        /// kernel makes without tcp_set_state (a listener starting, a request socket cloned
        /// LISTEN → SYN_RECV) are not seen.
        case bpftrace
    }

    public struct Session: Sendable, Equatable {
        public var pid: Int64
        public var comm: String
        /// The change to CLOSE (ports, addresses, byte counts).
        public var close: TcpStateChange
        public var birth: Int64
        public var span: Int64 { close.ts &- birth }
    }

    public let flavor: Flavor
    public let pid: Int64?
    private var birth: [UInt64: Int64] = [:]
    private var idents: [UInt64: (pid: Int64, comm: String)] = [:]

    public init(flavor: Flavor = .libbpf, pid: Int64? = nil) {
        self.flavor = flavor
        self.pid = pid
    }

    /// Sockets with a birth time and no CLOSE yet.
    public var open: Int { birth.count }

    public mutating func apply(_ e: TcpStateChange) -> Session? {
        let sk = e.skaddr
        switch flavor {
        case .libbpf:
            if e.newState < TcpState.finWait1 { birth[sk] = e.ts }
            if e.newState == TcpState.synSent || e.newState == TcpState.lastAck {
                if let pid, pid != e.pid { return nil }
                idents[sk] = (e.pid, e.comm)
            }
            guard e.newState == TcpState.close else { return nil }
            defer { birth[sk] = nil; idents[sk] = nil }
            guard let start = birth[sk] else { return nil }
            let ident = idents[sk]
            let owner = ident?.pid ?? e.pid
            if let pid, pid != owner { return nil }
            return Session(pid: owner, comm: ident?.comm ?? e.comm, close: e, birth: start)
        case .bpftrace:
            if e.newState == TcpState.listen || (e.oldState == TcpState.listen && e.newState == TcpState.synRecv) { return nil }
            if e.newState < TcpState.finWait1 && birth[sk] == nil { birth[sk] = e.ts }
            if e.newState == TcpState.synSent || e.newState == TcpState.lastAck { idents[sk] = (e.pid, e.comm) }
            guard e.newState == TcpState.close, let start = birth[sk] else { return nil }
            defer { birth[sk] = nil; idents[sk] = nil }
            // An unset @skcomm reads as "": then the current task stands in.
            let ident = idents[sk].flatMap { $0.comm.isEmpty ? nil : $0 }
            return Session(pid: ident?.pid ?? e.pid, comm: ident?.comm ?? e.comm, close: e, birth: start)
        }
    }
}
