import Foundation
import Glibc
import Testing
import TraceTestSupport

/// sock:inet_sock_set_state served by the tcp family's tcp_state table (its tracepoint view),
/// and ntop() of its address fields, against live bpftrace 0.17 on one run. The workload, a
/// python3 copy under a comm of its own, opens, uses and closes an IPv4 and an IPv6 loopback
/// connection; every state change it is current for is a line of both outputs, compared
/// exactly (same tracepoint, same task: nothing to tolerate), but for one stated difference:
/// args->saddr/daddr (the IPv4 fields) of an AF_INET6 socket are the socket's inet_saddr,
/// which the tcp family does not record (live printed 127.0.0.6, LOOPBACK4_IPV6, on some of
/// the changes and 0.0.0.0 on others; bpfan reads 0.0.0.0): those two words of IPv6 lines
/// are not compared.
extension RecorderTests {
    static let tcpProgram = #"""
    t:sock:inet_sock_set_state {
      printf("%s %d %d %d %d %s %s %s %s %s\n", comm, args->oldstate, args->newstate, args->family, args->protocol,
             ntop(args->saddr), ntop(args->daddr), ntop(args->saddr_v6), ntop(args->family == 2 ? 2 : 10, args->daddr_v6),
             args->sport > 0 ? "port" : "noport");
    }
    """#

    @Test(.enabled(if: builtBinary("bpfan") != nil && access("/usr/bin/bpftrace", X_OK) == 0 && access("/usr/bin/python3", X_OK) == 0,
                   "needs bpftrace, python3 and the bpfan binary built next to the tests"))
    func tcpStateTracepointMatchesLiveBpftrace() throws {
        if access("/sys/kernel/tracing/events/header_page", R_OK) != 0 { _ = mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nil) }
        let bpfan = try #require(builtBinary("bpfan"))
        let dir = Harness.tempPath("bt-tcp")
        mkdir(dir, 0o755)
        defer { if ProcessInfo.processInfo.environment["BPFREC_KEEP"] == nil { _ = try? FileManager.default.removeItem(atPath: dir) } }
        let name = "bttcp\(getpid() % 100000)"
        let py = dir + "/" + name
        try FileManager.default.copyItem(atPath: URL(fileURLWithPath: "/usr/bin/python3").resolvingSymlinksInPath().path, toPath: py)
        let program = Self.tcpProgram
        let live = try Self.startLiveBpftrace(["tcp": program], dir: dir)
        let path = dir + "/run.trc"
        let rec = try RecorderRun(path: path, arguments: ["--families", "tcp,proc", "--flush-interval", "200"])
        #expect(rec.waitReady())

        let script = """
        import socket
        for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            srv = socket.socket(fam, socket.SOCK_STREAM); srv.bind((host, 0)); srv.listen(1)
            c = socket.socket(fam, socket.SOCK_STREAM); c.connect(srv.getsockname()[:2])
            a, _ = srv.accept(); c.sendall(b"x" * 1000); a.recv(2000)
            c.close(); a.close(); srv.close()
        """
        let child = spawn(py, [py, "-c", script])
        try #require(child.rc == 0)
        #expect(waitStatus(child.pid) == 0)
        Self.stopLive(live, rec)

        let offline = try runBinary(bpfan, ["bt", "-e", program, path])
        #expect(offline.status == 0, "\(offline.stderr)")
        #expect(!offline.stderr.contains("lost"), "\(offline.stderr)")
        let theirs = live["tcp"]!.output.replacingOccurrences(of: "ready\n", with: "")
        func comparable(_ lines: [String]) -> [String] {
            lines.map { line in
                var w = line.split(separator: " ").map(String.init)
                if w.count > 6, w[3] == "10" { (w[5], w[6]) = ("-", "-") }
                return w.joined(separator: " ")
            }
        }
        let l = comparable(Self.workloadPart(theirs, name)), o = comparable(Self.workloadPart(offline.stdout, name))
        #expect(l.count >= 8, "live printed too little of \(name): \(theirs.prefix(3000))")
        #expect(l.contains { $0.contains(" 10 6 ") }, "no IPv6 line: \(l)")
        #expect(o == l, "live \(l) / bpfan bt \(o)")
    }
}
