import Foundation
import Testing
import TraceAnalysis
import TraceReport
import TraceTestSupport
@testable import TraceTools

/// tcpsubnet's subnet list as bcc's parse_subnets() takes it (inet_aton's short forms, its
/// four messages), its -J strings as json.dumps writes them, and the date of its header line.
/// (Its counts over a recorded workload: RecorderTests.tcptopCountsTheWorkloadsBytes.)
@Test func tcpsubnetParsesTheLiveToolsSubnetList() throws {
    let d = try Tcpsubnet.parse(Tcpsubnet.defaultSubnets)
    #expect(d.map(\.text) == ["127.0.0.1/32", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "0.0.0.0/0"])
    #expect(d.map(\.address) == [0x7f00_0001, 0x0a00_0000, 0xac10_0000, 0xc0a8_0000, 0])
    #expect(d.map(\.mask) == [0xffff_ffff, 0xff00_0000, 0xfff0_0000, 0xffff_0000, 0])
    // inet_aton("10.1") is 10.0.0.1; the mask, not the address, decides what matches.
    #expect(try Tcpsubnet.parse("10.1/16").map(\.address) == [0x0a00_0001])
    #expect(try Tcpsubnet.parse("").isEmpty)
    for (list, message) in [("10.0.0.0", "Subnet [10.0.0.0] is invalid, please refer to the examples."),
                            ("10.0.0.0/8/1", "Subnet [10.0.0.0/8/1] is invalid, please refer to the examples."),
                            ("10.0.0.0/8,nowhere/8", "Invalid net address in subnet [nowhere/8], please refer to the examples."),
                            ("10.0.0.0/x", "Invalid mask in subnet [10.0.0.0/x]. Mask must be an int"),
                            ("10.0.0.0/33", "Invalid mask in subnet [10.0.0.0/33]. Must be an int between 0 and 32.")] {
        #expect(throws: AnalysisError.self, "\(list)") { try Tcpsubnet.parse(list) }
        do { _ = try Tcpsubnet.parse(list) } catch { #expect("\(error)".contains(message), "\(list): \(error)") }
    }
    #expect(Tcpsubnet.pythonJSONString("10.0.0.0/8") == "\"10.0.0.0/8\"")
    #expect(Tcpsubnet.pythonJSONString("a\"\\\u{7}é") == "\"a\\\"\\\\\\u0007\\u00e9\"")
    // 2026-12-08 02:00:00 UTC, shown at UTC+1: strftime("%x") in the C locale.
    let clock = WallClock(offset: 1_796_695_200_000_000_000, utcOffsetSeconds: 3600)
    #expect(clock.mdy(0) == "12/08/26")
    #expect(clock.mdy(22 * 3_600_000_000_000) == "12/09/26")
    #expect(WallClock(offset: 0, utcOffsetSeconds: -3600).mdy(0) == "12/31/69")
}

@Test(.enabled(if: builtBpfan != nil, "needs the bpfan binary built next to the tests (swift build)"))
func tcptopAndTcpsubnetNameTheFamilyToRecord() throws {
    let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples/mixed.trc").path
    for tool in ["tcptop", "tcpsubnet"] {
        let r = try runBinary(builtBpfan!, [tool, sample])
        #expect(r.status != 0 && r.stdout.isEmpty)
        #expect(r.stderr.hasSuffix("bpfan \(tool): \(sample) has no tcp_io table; record it with `bpfrec record --families tcpio`\n"), "\(r.stderr)")
    }
    let both = try runBinary(builtBpfan!, ["tcptop", "-4", "-6", sample])
    #expect(both.status != 0 && both.stderr.contains("Only one --ipvX option should be used"), "\(both.stderr)")
}
