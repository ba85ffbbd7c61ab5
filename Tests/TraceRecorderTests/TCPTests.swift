import Foundation
import Glibc
import Testing
import TraceFormat

/// A loopback TCP connection moving known byte counts each way: its state changes are
/// recorded with the ports, addresses and, at close, the bytes acked and received.
extension RecorderTests {
    @Test func loopbackConnectionBytesAndStates() throws {
        let path = Harness.tempPath("tcp")
        defer { unlink(path) }
        let rec = try RecorderRun(path: path, arguments: ["--families", "tcp", "--flush-interval", "200"])
        #expect(rec.waitReady())

        let up = 100_000, down = 5_000
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                _ = bind(listener, sa, len)
                _ = getsockname(listener, sa, &len)
            }
        }
        listen(listener, 4)
        let serverPort = Int64(UInt16(bigEndian: addr.sin_port))

        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let connected = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        var local = sockaddr_in()
        var llen = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &local) { p in p.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(client, $0, &llen) } }
        let clientPort = Int64(UInt16(bigEndian: local.sin_port))
        let server = accept(listener, nil, nil)
        #expect(server >= 0)

        // The client sends `up` bytes from another thread while this one reads them.
        let sender = Thread {
            var buf = [UInt8](repeating: 7, count: up)
            var sent = 0
            while sent < up {
                let n = buf.withUnsafeMutableBytes { send(client, $0.baseAddress! + sent, up - sent, 0) }
                if n <= 0 { break }
                sent += n
            }
        }
        sender.start()
        var received = 0
        var rbuf = [UInt8](repeating: 0, count: 65536)
        while received < up {
            let n = rbuf.withUnsafeMutableBytes { recv(server, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received += n
        }
        #expect(received == up)
        var dbuf = [UInt8](repeating: 9, count: down)
        #expect(send(server, &dbuf, down, 0) == down)
        var got = 0
        while got < down {
            let n = rbuf.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            got += n
        }
        #expect(got == down)
        close(client)
        usleep(50_000)
        close(server)
        close(listener)
        usleep(500_000) // the last state changes run in softirq after the closes
        let (status, err) = rec.stop()
        #expect(status == 0, "\(err)")

        let file = try TraceFile(path: path)
        let states = try Rows(file, "tcp_state")
        let loopback: [UInt8] = [127, 0, 0, 1] + [UInt8](repeating: 0, count: 12)
        // A socket is identified by its address over its life (ports can be 0 before the
        // bind of a connect and after unhashing): find each one by a row with known ports.
        func history(sport: Int64, dport: Int64, newState: Int64) -> [Int] {
            guard let r = states.rows(where: "sport", is: sport).first(where: { states.int("dport", $0) == dport && states.int("new_state", $0) == newState }) else { return [] }
            return states.rows(where: "skaddr", is: states.int("skaddr", r))
        }
        func pairs(_ rows: [Int]) -> [String] { rows.map { "\(states.int("old_state", $0))>\(states.int("new_state", $0))" } }

        // Client: CLOSE>SYN_SENT (by this process), ESTABLISHED, FIN_WAIT1, FIN_WAIT2, CLOSE.
        // bytes_acked counts sequence space: the SYN and FIN are one byte each.
        let c = history(sport: clientPort, dport: serverPort, newState: 1)
        #expect(pairs(c) == ["7>2", "2>1", "1>4", "4>5", "5>7"], "client \(pairs(c))")
        if let first = c.first { #expect(states.int("pid", first) == Int64(getpid())) }
        if let last = c.last {
            #expect(states.int("bytes_acked", last) == Int64(up + 2))
            #expect(states.int("bytes_received", last) == Int64(down)) // its FIN is counted by the time-wait socket
            #expect(states.int("family", last) == 2)
            #expect(states.int("sport", last) == clientPort && states.int("dport", last) == serverPort)
            #expect(states.bytes("saddr", last) == loopback && states.bytes("daddr", last) == loopback)
        }
        // Server side: SYN_RECV, ESTABLISHED, CLOSE_WAIT, LAST_ACK, CLOSE with mirrored counts.
        let s = history(sport: serverPort, dport: clientPort, newState: 1)
        #expect(pairs(s) == ["10>3", "3>1", "1>8", "8>9", "9>7"], "server \(pairs(s))")
        if let last = s.last {
            #expect(states.int("bytes_acked", last) == Int64(down + 1))
            #expect(states.int("bytes_received", last) == Int64(up + 1))
        }
        // The listener: CLOSE>LISTEN>CLOSE.
        let l = history(sport: serverPort, dport: 0, newState: 10)
        #expect(pairs(l) == ["7>10", "10>7"], "listener \(pairs(l))")
        #expect(try Rows(file, "lost_events").count == 0)
    }
}
