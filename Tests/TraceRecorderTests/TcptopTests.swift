import Foundation
import Glibc
import Testing
import TraceTestSupport

/// tcptop and tcpsubnet against what a workload did. The live tools cannot run here (their
/// kprobes on tcp_sendmsg and tcp_cleanup_rbuf do not attach), so the truth is the workload's
/// own byte counts: a python3 process that sends to itself 3,000,000 bytes over 127.0.0.1,
/// 200,000 to a server on 127.0.0.2 and 1,000,000 over ::1, each server thread answering with
/// half, and prints every end's addresses, ports and bytes. bpfrec records the tcpio family
/// for the workload's pid alone. One report over the whole recording, for the workload's pid, must
/// show exactly those ends (IPv4 rows, then the IPv6 header and rows, most bytes first) with
/// RX_KB/TX_KB as bytes / 1024, and the bytes in JSON; tcpsubnet must put each IPv4 end's sent
/// bytes in the first subnet of its list holding the peer: a send and a receive are each
/// counted once, whatever the calls' sizes.
extension RecorderTests {
    static let tcptopWorkload = #"""
    import socket, sys, threading
    def pair(family, host, n):
        srv = socket.socket(family); srv.bind((host, 0)); srv.listen(1)
        port = srv.getsockname()[1]
        ends = []
        def serve():
            c, _ = srv.accept(); got = 0
            while got < n:
                d = c.recv(65536)
                if not d: break
                got += len(d)
            c.sendall(b"y" * (n // 2))
            ends.append((c.getsockname(), c.getpeername(), got, n // 2)); c.close()
        t = threading.Thread(target=serve); t.start()
        s = socket.create_connection((host, port)); s.sendall(b"x" * n)
        got = 0
        while True:
            d = s.recv(65536)
            if not d: break
            got += len(d)
        t.join()
        ends.append((s.getsockname(), s.getpeername(), got, n)); s.close(); srv.close()
        for l, r, rx, tx in ends:
            print("end", int(family), l[0], l[1], r[0], r[1], rx, tx, flush=True)
    pair(socket.AF_INET, "127.0.0.1", 3000000)
    pair(socket.AF_INET, "127.0.0.2", 200000)
    pair(socket.AF_INET6, "::1", 1000000)
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
        // The workload waits on a FIFO until the recorder, following only its pid (tcpsubnet
        // has no -p: another process's TCP must not reach the counts), is ready.
        let go = dir + "/go"
        mkfifo(go, 0o600)
        let workload = try SpawnedProcess(["/usr/bin/python3", "-c", "open('\(go)').read(); exec(open('\(script)').read())"], out: dir + "/work.out", err: dir + "/work.err")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, !(readWhole("/proc/\(workload.pid)/syscall")?.hasPrefix("257 ") ?? false) { usleep(10_000) }
        let rec = try RecorderRun(path: path, arguments: ["--families", "proc,tcpio", "-p", "\(workload.pid)", "--flush-interval", "200"])
        #expect(rec.waitReady())
        let fd = open(go, O_WRONLY)
        _ = write(fd, "go\n", 3)
        close(fd)
        #expect(workload.wait(timeout: 60) == 0, "\(workload.errors)")
        usleep(300_000)
        let (st, err) = rec.stop()
        #expect(st == 0, "\(err)")
        // "end FAMILY LADDR LPORT RADDR RPORT RX TX"
        let ends = workload.output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }.filter { $0.count == 8 && $0[0] == "end" }
        try #require(ends.count == 6, "workload output: \(workload.output) \(workload.errors)")
        let pid = "\(workload.pid)"
        func expected(_ family: String) -> [(line: String, total: Int)] {
            ends.filter { $0[1] == family }.map { e in ("\(pid) python3 \(e[2]):\(e[3]) \(e[4]):\(e[5]) \(Int(e[6])! / 1024) \(Int(e[7])! / 1024)", Int(e[6])! + Int(e[7])!) }
        }

        let text = try runBinary(bpfan, ["tcptop", "-C", "-p", pid, path, "100000"])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        try #require(lines.count == 13, "\(text.stdout)")
        #expect(lines[0].contains(" loadavg: ") && lines[1].isEmpty, "\(lines[0])")
        #expect(lines[2] == "PID    COMM         LADDR                 RADDR                  RX_KB TX_KB")
        #expect(lines[7] == "" && lines[8] == "PID    COMM         " + "LADDR6".padding(toLength: 52, withPad: " ", startingAt: 0) + "RADDR6".padding(toLength: 52, withPad: " ", startingAt: 0) + " RX_KB TX_KB", "\(lines[8])")
        #expect(lines[11] == "" && lines[12] == "")
        func normalized(_ line: String) -> String { line.split(separator: " ").joined(separator: " ") }
        for (family, rows) in [("2", Array(lines[3...6])), ("10", Array(lines[9...10]))] {
            let want = expected(family)
            #expect(Set(rows.map(normalized)) == Set(want.map(\.line)), "family \(family): bpfan \(rows) / workload \(want)")
            // Most bytes (RX + TX) first, as the live tool's default sort.
            let totals = rows.map(normalized).map { r in want.first { $0.line == r }?.total ?? -1 }
            #expect(totals == totals.sorted(by: >), "\(rows)")
        }

        let json = try runBinary(bpfan, ["tcptop", "--json", "-p", pid, path, "100000"])
        #expect(json.status == 0, "\(json.stderr)")
        let rows = json.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }.filter { $0["type"] as? String == "row" }
        let bytes = rows.map { "\($0["family"]!) \($0["lport"]!) \($0["rx_bytes"]!) \($0["tx_bytes"]!)" }.sorted()
        #expect(bytes == ends.map { "\($0[1]) \($0[3]) \($0[6]) \($0[7])" }.sorted(), "\(bytes)")

        // -6 -S -s sent: the IPv6 ends only, most sent first, no loadavg line.
        let only6 = try runBinary(bpfan, ["tcptop", "-C", "-S", "-6", "-s", "sent", "-p", pid, path, "100000"])
        let rows6 = only6.stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix(pid) }.map { $0.split(separator: " ").map(String.init) }
        #expect(only6.status == 0 && rows6.map { $0[5] } == ["976", "488"] && !only6.stdout.contains("loadavg"), "\(only6.stdout)")

        // tcpsubnet: each IPv4 end's sent bytes under the first subnet holding its peer.
        for (list, subnetOf) in [(nil as String?, { (peer: String) in peer == "127.0.0.1" ? "127.0.0.1/32" : "0.0.0.0/0" }),
                                 ("127.0.0.2/32,127.0.0.0/8", { (peer: String) in peer == "127.0.0.2" ? "127.0.0.2/32" : "127.0.0.0/8" })] {
            var want: [String: Int] = [:]
            for e in ends where e[1] == "2" { want[subnetOf(e[4]), default: 0] += Int(e[7])! }
            let out = try runBinary(bpfan, ["tcpsubnet", "-i", "100000"] + (list.map { [$0] } ?? []) + [path])
            #expect(out.status == 0, "\(out.stderr)")
            let got = out.stdout.split(separator: "\n").dropFirst(2).map { $0.split(separator: " ") }
            #expect(out.stdout.hasPrefix("Tracing... Output every 100000 secs. Hit Ctrl-C to end\n["), "\(out.stdout)")
            #expect(Dictionary(uniqueKeysWithValues: got.map { (String($0[0]), Int($0[1])!) }) == want, "\(list ?? "default"): \(out.stdout) / \(want)")
        }
    }
}
