import Foundation
import Glibc
import Testing
import TraceTestSupport

/// tcptop against what a workload did. The live tcptop cannot run here (its kprobes on
/// tcp_sendmsg and tcp_cleanup_rbuf do not attach), so the truth is the workload's own byte
/// counts: a python3 process that sends 3,000,000 bytes to itself over 127.0.0.1 and 1,000,000
/// over ::1, its server thread answering with half of each. bpfrec records the tcpio family
/// system-wide beside it. One report over the whole recording, for the workload's pid, must
/// show the four ends (two IPv4 rows, then the IPv6 header and two rows) with the ports the
/// workload printed and exactly those bytes (RX_KB/TX_KB as bytes / 1024, and the bytes in
/// JSON): a send and a receive are each counted once, whatever the calls' sizes.
extension RecorderTests {
    static let tcptopWorkload = #"""
    import socket, sys, threading
    def pair(family, host, n):
        srv = socket.socket(family); srv.bind((host, 0)); srv.listen(1)
        port = srv.getsockname()[1]
        def serve():
            c, _ = srv.accept(); got = 0
            while got < n:
                d = c.recv(65536)
                if not d: break
                got += len(d)
            c.sendall(b"y" * (n // 2)); c.close()
        t = threading.Thread(target=serve); t.start()
        s = socket.create_connection((host, port)); s.sendall(b"x" * n)
        got = 0
        while True:
            d = s.recv(65536)
            if not d: break
            got += len(d)
        t.join(); s.close(); srv.close()
        assert got == n // 2
        return port
    p4 = pair(socket.AF_INET, "127.0.0.1", 3000000)
    p6 = pair(socket.AF_INET6, "::1", 1000000)
    print("ports", p4, p6, flush=True)
    """#

    @Test(.enabled(if: builtBinary("bpfan") != nil && access("/usr/bin/python3", X_OK) == 0, "needs python3 and the bpfan binary built next to the tests"))
    func tcptopCountsTheWorkloadsBytes() throws {
        let bpfan = try #require(builtBinary("bpfan"))
        let dir = Harness.tempPath("tcptop")
        mkdir(dir, 0o755)
        defer { if ProcessInfo.processInfo.environment["BPFREC_KEEP"] == nil { _ = try? FileManager.default.removeItem(atPath: dir) } }
        let script = dir + "/work.py"
        try Self.tcptopWorkload.write(toFile: script, atomically: true, encoding: .utf8)
        let path = dir + "/run.trc"
        let rec = try RecorderRun(path: path, arguments: ["--families", "proc,tcpio", "--flush-interval", "200"])
        #expect(rec.waitReady())
        let workload = try SpawnedProcess(["/usr/bin/python3", script], out: dir + "/work.out", err: dir + "/work.err")
        #expect(workload.wait(timeout: 60) == 0, "\(workload.errors)")
        usleep(300_000)
        let (st, err) = rec.stop()
        #expect(st == 0, "\(err)")
        let printed = workload.output.split(separator: "\n").first { $0.hasPrefix("ports ") }?.split(separator: " ").dropFirst().map { String($0) } ?? []
        try #require(printed.count == 2, "workload output: \(workload.output)")
        let (p4, p6) = (printed[0], printed[1])

        let text = try runBinary(bpfan, ["tcptop", "-C", "-p", "\(workload.pid)", path, "100000"])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        try #require(lines.count == 11, "\(text.stdout)")
        #expect(lines[0].contains(" loadavg: ") && lines[1].isEmpty, "\(lines[0])")
        #expect(lines[2] == "PID    COMM         LADDR                 RADDR                  RX_KB TX_KB")
        #expect(lines[5] == "" && lines[6] == "PID    COMM         " + "LADDR6".padding(toLength: 52, withPad: " ", startingAt: 0) + "RADDR6".padding(toLength: 52, withPad: " ", startingAt: 0) + " RX_KB TX_KB", "\(lines[6])")
        #expect(lines[9] == "" && lines[10] == "")
        func fields(_ line: String) -> [String] { line.split(separator: " ").map(String.init) }
        // IPv4: the client (sent 3,000,000, got 1,500,000) sorts first on RX + TX ties; both
        // ends move 4,500,000 bytes, so check them as a set.
        let pid = "\(workload.pid)"
        let v4 = Set([lines[3], lines[4]].map(fields).map { $0.joined(separator: " ") })
        let v6 = Set([lines[7], lines[8]].map(fields).map { $0.joined(separator: " ") })
        let client4 = try #require([lines[3], lines[4]].map(fields).first { $0[3] == "127.0.0.1:\(p4)" }, "\(v4)")
        let client6 = try #require([lines[7], lines[8]].map(fields).first { $0[3] == "::1:\(p6)" }, "\(v6)")
        #expect(v4 == ["\(pid) python3 \(client4[2]) 127.0.0.1:\(p4) 1464 2929", "\(pid) python3 127.0.0.1:\(p4) \(client4[2]) 2929 1464"], "\(v4)")
        #expect(v6 == ["\(pid) python3 \(client6[2]) ::1:\(p6) 488 976", "\(pid) python3 ::1:\(p6) \(client6[2]) 976 488"], "\(v6)")

        let json = try runBinary(bpfan, ["tcptop", "--json", "-p", "\(workload.pid)", path, "100000"])
        #expect(json.status == 0, "\(json.stderr)")
        let rows = json.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }.filter { $0["type"] as? String == "row" }
        let bytes = rows.map { "\($0["family"]!) \($0["rx_bytes"]!) \($0["tx_bytes"]!)" }.sorted()
        #expect(bytes == ["10 1000000 500000", "10 500000 1000000", "2 1500000 3000000", "2 3000000 1500000"], "\(bytes)")

        // -4, -6 and -s keep to their rows and order.
        let only6 = try runBinary(bpfan, ["tcptop", "-C", "-S", "-6", "-s", "sent", "-p", "\(workload.pid)", path, "100000"])
        let rows6 = only6.stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix(pid) }.map(fields)
        #expect(only6.status == 0 && rows6.map { $0[5] } == ["976", "488"] && !only6.stdout.contains("loadavg"), "\(only6.stdout)")
    }
}
