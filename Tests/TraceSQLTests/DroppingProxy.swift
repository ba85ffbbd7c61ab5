import Foundation

/// A loopback TCP proxy in front of a server that breaks one connection, once:
/// - `.midRequest`: when the client has sent `afterBytes` in total, both sides are cut, so
///   the request in flight reaches the server truncated (it must be sent again);
/// - `.lostAnswer`: once the client has sent `afterBytes`, the request goes through whole but
///   the server's next answer is thrown away and the connection cut (it landed: it must not
///   be sent again).
final class DroppingProxy: @unchecked Sendable {
    // @unchecked: the mutable fields are touched under `lock` only.
    enum Mode: Sendable { case midRequest, lostAnswer }

    let port: UInt16
    private let listener: Int32
    private let upstream: UInt16
    private let mode: Mode
    private let afterBytes: Int
    private let lock = NSLock()
    private var clientBytes = 0
    private var fired = false
    private var armed = false
    private var stopped = false
    private var sockets: [Int32] = []
    private var threads = 0
    /// How many connections it cut (0 or 1).
    var drops: Int { lock.withLock { fired && !armed ? 1 : 0 } }

    init(upstream: UInt16, mode: Mode, afterBytes: Int) throws {
        (listener, port) = try Loopback.bound(listen: 16)
        self.upstream = upstream
        self.mode = mode
        self.afterBytes = afterBytes
        spawn { self.acceptLoop() }
    }

    private func spawn(_ body: @escaping @Sendable () -> Void) {
        lock.withLock { threads += 1 }
        Thread {
            body()
            self.lock.withLock { self.threads -= 1 }
        }.start()
    }

    private func acceptLoop() {
        while true {
            let c = accept(listener, nil, nil)
            if c < 0 { return }
            guard let s = Loopback.connect(port: upstream) else { close(c); continue }
            lock.withLock { sockets += [c, s] }
            spawn { self.relay(from: c, to: s, clientSide: true) }
            spawn { self.relay(from: s, to: c, clientSide: false) }
        }
    }

    private func cut(_ a: Int32, _ b: Int32) {
        shutdown(a, Int32(SHUT_RDWR))
        shutdown(b, Int32(SHUT_RDWR))
    }

    private func relay(from a: Int32, to b: Int32, clientSide: Bool) {
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(a, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            var send = n
            var cutNow = false
            lock.withLock {
                if clientSide {
                    if !fired && clientBytes + n >= afterBytes {
                        fired = true
                        if mode == .midRequest {
                            send = max(0, afterBytes - clientBytes)
                            cutNow = true
                        } else {
                            armed = true
                        }
                    }
                    clientBytes += n
                } else if armed {
                    // The answer to the request that crossed the mark: dropped.
                    armed = false
                    send = 0
                    cutNow = true
                }
            }
            if send > 0 {
                var off = 0
                while off < send {
                    let w = buffer.withUnsafeBytes { write(b, $0.baseAddress! + off, send - off) }
                    if w <= 0 { cut(a, b); return }
                    off += w
                }
            }
            if cutNow { cut(a, b); return }
        }
        cut(a, b)
    }

    /// Closes every socket and waits for its threads.
    func stop() {
        let all: [Int32] = lock.withLock {
            stopped = true
            return sockets + [listener]
        }
        for s in all { shutdown(s, Int32(SHUT_RDWR)) }
        let deadline = Date().addingTimeInterval(5)
        while lock.withLock({ threads }) > 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        for s in all { close(s) }
    }
}
