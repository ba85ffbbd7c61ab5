import TraceAnalysis

/// An accept/accept4 call that returned a TCP connection, with the connection it took from
/// the listener's queue.
struct MatchedAccept {
    /// When the call returned.
    var ts: Int64
    var call: SyscallDetail
    var child: TcpAcceptQueue.Child
}

extension Recording {
    /// The window's accepted TCP connections: accept/accept4 calls matched to the passive opens
    /// of tcp_state (TcpAcceptQueue), and how many calls returned a connection whose handshake
    /// the recording does not hold.
    func matchedAccepts() throws -> (accepts: [MatchedAccept], unmatched: Int) {
        // Calls and handshakes before --from still shape the accept queue: read both from the
        // start of the recording and keep only the accepts inside the window.
        let history = try Recording(file: file, window: TimeWindow(start: nil, end: window.end))
        let calls = try history.syscallDetails(ids: ids(Syscalls.accept, Syscalls.accept4)).filter { $0.ret >= 0 }
        var queue = TcpAcceptQueue()
        var next = 0
        var unmatched = 0
        var rows: [MatchedAccept] = []
        func take(upTo limit: Int64) {
            while next < calls.count && calls[next].exitTime <= limit {
                let call = calls[next]
                next += 1
                let peer = TcpAcceptQueue.Peer(sockaddr: call.data)
                // An address of another family (a unix socket) is not a TCP accept.
                if peer == nil && call.data.count >= 2 && (Int(call.data[0]) | Int(call.data[1]) << 8) != 0 { continue }
                let child = queue.accept(pid: call.pid, peer: peer)
                guard window.contains(call.ts) else { continue }
                guard let child else { unmatched += 1; continue }
                rows.append(MatchedAccept(ts: call.exitTime, call: call, child: child))
            }
        }
        try scanMerged([TcpStateChange.source(history: true)]) { row in
            take(upTo: row.ts &- 1)
            queue.apply(TcpStateChange(TcpStateRow(row)))
        }
        take(upTo: .max)
        return (rows, unmatched)
    }
}
