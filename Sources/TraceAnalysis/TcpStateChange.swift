import Glibc

/// One `tcp_state` row (sock:inet_sock_set_state for TCP), decoded.
public struct TcpStateChange: Sendable, Equatable {
    public var ts: Int64
    /// The current task at the change: the owner in process context, anyone in softirq.
    public var pid: Int64
    public var tid: Int64
    public var comm: String
    public var skaddr: UInt64
    public var family: Int
    public var sport: Int
    public var dport: Int
    public var saddr: [UInt8]
    public var daddr: [UInt8]
    public var oldState: Int
    public var newState: Int
    public var bytesAcked: UInt64
    public var bytesReceived: UInt64

    public init(ts: Int64, pid: Int64, tid: Int64 = 0, comm: String, skaddr: UInt64, family: Int = 2, sport: Int, dport: Int,
                saddr: [UInt8], daddr: [UInt8], oldState: Int, newState: Int, bytesAcked: UInt64 = 0, bytesReceived: UInt64 = 0) {
        self.ts = ts
        self.pid = pid
        self.tid = tid
        self.comm = comm
        self.skaddr = skaddr
        self.family = family
        self.sport = sport
        self.dport = dport
        self.saddr = saddr
        self.daddr = daddr
        self.oldState = oldState
        self.newState = newState
        self.bytesAcked = bytesAcked
        self.bytesReceived = bytesReceived
    }

    /// The columns a change reads.
    public static var reading: [PartialKeyPath<TcpStateRow>] {
        [\.pid, \.tid, \.comm, \.skaddr, \.family, \.sport, \.dport, \.saddr, \.daddr, \.oldState, \.newState, \.bytesAcked, \.bytesReceived]
    }

    /// tcp_state as a merged scan's source.
    public static func source(history: Bool = false) -> ScanSource {
        ScanSource(TcpStateRow.self, reading: reading, history: history)
    }

    public init(_ row: TcpStateRow) {
        self.init(ts: row.ts, pid: row.pid, tid: row.tid, comm: row.comm, skaddr: UInt64(bitPattern: row.skaddr), family: Int(row.family),
                  sport: Int(row.sport), dport: Int(row.dport), saddr: row.saddr, daddr: row.daddr,
                  oldState: Int(row.oldState), newState: Int(row.newState),
                  bytesAcked: UInt64(bitPattern: row.bytesAcked), bytesReceived: UInt64(bitPattern: row.bytesReceived))
    }

    public var localAddress: String { InetAddress.format(family: family, saddr) }
    public var remoteAddress: String { InetAddress.format(family: family, daddr) }
}

/// TCP states as include/net/tcp_states.h numbers them.
public enum TcpState {
    public static let established = 1, synSent = 2, synRecv = 3, finWait1 = 4, finWait2 = 5, timeWait = 6,
                      close = 7, closeWait = 8, lastAck = 9, listen = 10, closing = 11, newSynRecv = 12

    /// The names libbpf-tools tcpstates prints (index 13 is its "UNKNOWN"); nil past the table,
    /// where the C `%s` would print a NULL as `(null)`.
    public static func name(_ s: Int) -> String {
        let names = ["", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE",
                     "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV", "UNKNOWN"]
        return s >= 1 && s < names.count ? names[s] : "(null)"
    }
}

/// Addresses as the tools print them: glibc's inet_ntop, so IPv6 compression is the same.
public enum InetAddress {
    public static let inet = 2, inet6 = 10

    /// `10.0.0.1` or `2001:db8::1` from network-order bytes (IPv4 in the first 4 of 16).
    public static func format(family: Int, _ bytes: [UInt8]) -> String {
        var raw = bytes + Array(repeating: 0, count: max(0, 16 - bytes.count))
        var buf = [CChar](repeating: 0, count: 64)
        let af = family == inet6 ? AF_INET6 : AF_INET
        let ok = raw.withUnsafeMutableBytes { src in inet_ntop(af, src.baseAddress, &buf, socklen_t(buf.count)) } != nil
        guard ok else { return "" }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
