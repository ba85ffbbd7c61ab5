import Foundation
import Glibc
import Testing
import TraceTestSupport

/// tcpdrop.bt and tcpdrop against live bpftrace 0.17's tcpdrop.bt on one run. The workload, in
/// a network namespace of its own, connects three times to 10.9.0.2 over a veth whose peer
/// never answers ARP (one 50 ms solicitation): each connect's SYN waits in the neighbour queue
/// and is dropped when the resolution fails (NEIGH_FAILED, SYN_SENT, skb->sk the connecting
/// socket), and when the connect is given up (timeout kills it) its unsent SYN is purged from
/// the closing socket's queue (CLOSE). Every drop names the workload's port, so the lines
/// compared are the workload's own whatever else drops on the host.
extension RecorderTests {
    static let liveTcpdropScript = "/usr/sbin/tcpdrop.bt"

    @Test(.enabled(if: builtBinary("bpfan") != nil && access("/usr/bin/bpftrace", X_OK) == 0 && access(liveTcpdropScript, R_OK) == 0
                   && access("/usr/bin/unshare", X_OK) == 0 && ["/usr/sbin/ip", "/usr/bin/ip", "/sbin/ip", "/bin/ip"].contains(where: { (p: String) in access(p, X_OK) == 0 }),
                   "needs bpftrace's tcpdrop.bt, unshare, ip and the bpfan binary built next to the tests"))
    func tcpdropMatchesLiveBpftrace() throws {
        if access("/sys/kernel/tracing/events/header_page", R_OK) != 0 { _ = mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nil) }
        let bpfan = try #require(builtBinary("bpfan"))
        let dir = Harness.tempPath("tcpdrop")
        mkdir(dir, 0o755)
        defer { if ProcessInfo.processInfo.environment["BPFREC_KEEP"] == nil { _ = try? FileManager.default.removeItem(atPath: dir) } }
        let port = 20000 + Int(getpid() % 20000), connects = 3
        // The netns must be able to make a veth pair (the test's only kernel requirement).
        let probe = try runBinary("/usr/bin/unshare", ["-n", "sh", "-c", "ip link add v0 type veth peer name v1"])
        try #require(probe.status == 0, "no veth in a new network namespace: \(probe.stderr)")

        // bpftrace 0.17 here takes the script's #ifndef BPFTRACE_HAVE_BTF branch and includes
        // kernel headers this machine does not have; with BTF it needs none but AF_INET's
        // values (sys/socket.h). Otherwise the script is the installed one.
        var script = try String(contentsOfFile: Self.liveTcpdropScript, encoding: .utf8)
        if let start = script.range(of: "#ifndef BPFTRACE_HAVE_BTF"), let end = script.range(of: "#endif\n", range: start.upperBound..<script.endIndex) {
            script.removeSubrange(start.lowerBound..<end.upperBound)
        }
        script = script.replacingOccurrences(of: "AF_INET6", with: "10").replacingOccurrences(of: "AF_INET", with: "2")
        try script.write(toFile: dir + "/tcpdrop.bt", atomically: true, encoding: .utf8)
        let live = try SpawnedProcess(["/usr/bin/bpftrace", dir + "/tcpdrop.bt"], out: dir + "/live.out", err: dir + "/live.err")
        let deadline = Date().addingTimeInterval(90)
        while !live.output.contains("Tracing tcp drops") && live.isRunning && Date() < deadline { usleep(100_000) }
        try #require(live.output.contains("Tracing tcp drops"), "bpftrace did not attach: \(live.errors)")

        let path = dir + "/run.trc"
        let rec = try RecorderRun(path: path, arguments: ["--families", "proc,tcp", "--flush-interval", "200"])
        #expect(rec.waitReady())
        let workload = """
        ip link set lo up && ip link add v0 type veth peer name v1 && ip addr add 10.9.0.1/24 dev v0 &&
        ip link set v0 up && ip link set v1 up &&
        echo 50 > /proc/sys/net/ipv4/neigh/v0/retrans_time_ms && echo 1 > /proc/sys/net/ipv4/neigh/v0/mcast_solicit &&
        echo 0 > /proc/sys/net/ipv4/neigh/v0/app_solicit || exit 1
        for i in $(seq \(connects)); do timeout 0.6 bash -c 'exec 3<>/dev/tcp/10.9.0.2/\(port)'; done; exit 0
        """
        let run = try runBinary("/usr/bin/unshare", ["-n", "sh", "-c", workload])
        #expect(run.status == 0, "\(run.stderr)")
        Self.stopLive(["tcpdrop.bt": live], rec)

        let offline = try runBinary(bpfan, ["tcpdrop.bt", path])
        #expect(offline.status == 0, "\(offline.stderr)")
        #expect(offline.stderr.contains("APPROX: only drops of TCP packets"), "the approximation is said: \(offline.stderr)")
        let target = "10.9.0.2:\(port) "
        // A block is the drop's line without its time, then its stack. The live stack starts
        // with __traceiter_kfree_skb only because two programs share the tracepoint (the
        // script's and the recorder's: the iterator runs when there is more than one; alone
        // the script's stack starts at sk_skb_reason_drop, checked on this kernel), and the
        // recording's is the tracepoint caller's, as bpftrace alone sees it. Live bpftrace
        // prints each CPU's events in its own order, so the blocks are compared sorted.
        func blocks(_ text: String, liveGlue: Bool) -> [String] {
            var out: [String] = [], current: [String]?
            for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
                if line.contains(target) {
                    if let c = current { out.append(c.joined(separator: "\n")) }
                    current = [String(line.drop { $0 != " " }.dropFirst())]
                } else if current != nil, line.hasPrefix("        ") {
                    if liveGlue && current!.count == 1 && line.trimmingCharacters(in: .whitespaces).hasPrefix("__traceiter_kfree_skb+") { continue }
                    current!.append(line)
                } else if let c = current, !line.isEmpty {
                    out.append(c.joined(separator: "\n"))
                    current = nil
                }
            }
            if let c = current { out.append(c.joined(separator: "\n")) }
            return out.sorted()
        }
        let ours = blocks(offline.stdout, liveGlue: false), theirs = blocks(live.output, liveGlue: true)
        #expect(ours == theirs, "bpfan tcpdrop.bt:\n\(ours.joined(separator: "\n--\n"))\nlive:\n\(theirs.joined(separator: "\n--\n"))")
        // The workload's facts: every connect's SYN dropped by the neighbour layer, in SYN_SENT.
        let synDrops = ours.filter { $0.contains("SYN_SENT") && $0.contains("neigh_invalidate+") }
        #expect(synDrops.count == connects, "\(ours)")
        #expect(ours.allSatisfy { $0.split(separator: "\n").dropFirst().first?.contains("sk_skb_reason_drop+") == true }, "\(ours)")

        // bcc's tcpdrop on the same recording: the same drops, the packet's endpoints, the
        // same frames (bcc prints offsets in hex, bytes objects on Python 3).
        let bcc = try runBinary(bpfan, ["tcpdrop", path])
        #expect(bcc.status == 0, "\(bcc.stderr)")
        let bccLines = bcc.stdout.split(separator: "\n").filter { $0.contains("> \(target.dropLast())") }
        #expect(bccLines.count == ours.count, "\(bcc.stdout)")
        #expect(bccLines.filter { $0.hasSuffix("SYN_SENT (SYN)") }.count == connects, "\(bccLines)")
    }
}
