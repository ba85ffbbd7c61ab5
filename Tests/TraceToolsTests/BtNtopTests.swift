import Foundation
import Testing
import TraceTestSupport
@testable import TraceTools
import TraceAnalysis
import TraceReport

/// ntop() as bpftrace prints it (glibc's inet_ntop), and the tcp family's tables read as
/// sock:inet_sock_set_state and tcp:tcp_retransmit_skb.
@Suite struct BtNtopTests {
    static var sample: String { BtRunsBpftracesToolsTests.sample }

    @Test(arguments: [
        // An integer is an IPv4 address as it lies in memory (network order, little-endian host).
        // bpftrace 0.17 printed the same for all but ntop(0) in one BEGIN printf here.
        ("ntop(0x0100007f)", "127.0.0.1"),
        ("ntop(2, 0x0101a8c0)", "192.168.1.1"),
        ("ntop(0)", "0.0.0.0"),
        ("ntop(10, 0)", "::"),
        ("ntop(10, 0x0100007f)", "7f00:1::"),
    ])
    func integerAddresses(call: String, text: String) throws {
        let r = try runTool(Bt.self, ["-e", "BEGIN { printf(\"%s\\n\", \(call)); exit(); }", Self.sample])
        #expect(r.stdout == "Attaching 1 probe...\n\(text)\n\n\n", "\(r.stderr)")
    }

    @Test func inetSockSetStateServesTheTcpStateRows() throws {
        let r = try runTool(Bt.self, ["-e", #"t:sock:inet_sock_set_state { @[ntop(args->saddr), ntop(args->saddr_v6), ntop(args->family, args->saddr_v6), args->protocol] = count(); @n = count(); }"#, Self.sample])
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        // ntop(AF_INET, saddr_v6) reads the first 4 bytes of the v4-mapped form, as live.
        let rows = try Recording(path: Self.sample).file.rowCount(ofTable: "tcp_state")
        #expect(rows > 0)
        #expect(r.stdout.contains("@[127.0.0.1, ::ffff:127.0.0.1, 0.0.0.0, 6]: \(rows)\n") && r.stdout.contains("@n: \(rows)\n"), "\(r.stdout)")
        let listed = try runTool(Bt.self, ["-lv", "t:tcp:tcp_retransmit_skb", Self.sample])
        #expect(listed.stdout.contains("    saddr_v6\n") && listed.stdout.contains("    err\n"), "\(listed.stdout)")
    }

    @Test func unservedFieldsAndArgumentsAreNamed() throws {
        let r = try runTool(Bt.self, ["-e", "t:tcp:tcp_retransmit_skb { @[args->skbaddr] = count(); }", Self.sample])
        #expect(r.failed && r.stderr.first?.contains("args->skbaddr") == true, "\(r.stderr)")
        let n = try runTool(Bt.self, ["-e", "BEGIN { printf(\"%s\", ntop(1, 2, 3)); }", Self.sample])
        #expect(n.failed && n.stderr.first?.contains("ntop() takes an address") == true, "\(n.stderr)")
    }
}
