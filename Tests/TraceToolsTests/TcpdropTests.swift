import Foundation
import TraceFormat
import TraceSchema
import TraceTestSupport
import Testing
@testable import TraceTools

/// skb_drop rows as the tcp family writes them, each stack starting with the recorder's tp_btf
/// program and the tracepoint glue (bpf_prog_…, bpf_trace_run4, __bpf_trace_kfree_skb):
/// - 0.6 s: a SYN of 10.0.0.1:40000 → 10.0.0.2:80 whose neighbour never answered (SYN_SENT,
///   from softirq, pid 0);
/// - 0.9 s: an ACK|PSH segment from [2001:db8::2]:22 to [2001:db8::1]:50000 dropped at an
///   ESTABLISHED socket of ssh (pid 500);
/// - 1.2 s: a RST to 10.0.0.2:81 with no socket (skipped by both tools);
/// - 1.5 s: a closing socket's unsent SYN, no headers yet: the socket's ports, no flags.
func tcpdropRecording() throws -> String {
    let s = SyntheticRecording()
    s.metadata[MetadataName.kernelSymbols] = Array("""
    ffffffff81000000 T _stext
    ffffffff814e8000 T bpf_trace_run4
    ffffffff81f9d000 T __bpf_trace_kfree_skb
    ffffffff81f9e000 T sk_skb_reason_drop
    ffffffff81f9f000 T neigh_invalidate
    ffffffff81fa0000 T tcp_v6_rcv
    ffffffff81fa1000 T __tcp_close
    ffffffff82000000 T _etext
    ffffffffc0029000 t bpf_prog_6deef7357e7b4530_kfree_skb_btf	[bpf]

    """.utf8)
    let glue: [UInt64] = [0xffff_ffff_c002_954b, 0xffff_ffff_814e_8ff6, 0xffff_ffff_81f9_d010]
    func drop(_ t: Double, pid: Int64, comm: String, family: Int64, _ sport: Int64, _ dport: Int64, _ saddr: [UInt8], _ daddr: [UInt8],
              state: Int64, flags: Int64, sk: (family: Int64, sport: Int64, dport: Int64, saddr: [UInt8], daddr: [UInt8])?, _ stack: [UInt64]) {
        s.add("skb_drop", ["ts": ns(t), "pid": .int(pid), "tid": .int(pid), "comm": .string(comm), "skaddr": sk == nil ? 0 : 0x1000,
                           "family": .int(family), "sport": .int(sport), "dport": .int(dport), "saddr": .bytes(saddr), "daddr": .bytes(daddr),
                           "state": .int(state), "reason": 5, "location": 0, "tcp_flags": .int(flags),
                           "sk_family": .int(sk?.family ?? 0), "sk_sport": .int(sk?.sport ?? 0), "sk_dport": .int(sk?.dport ?? 0),
                           "sk_saddr": .bytes(sk?.saddr ?? ip4(0, 0, 0, 0)), "sk_daddr": .bytes(sk?.daddr ?? ip4(0, 0, 0, 0)), "kstack": le(glue + stack)])
    }
    let c = ip4(10, 0, 0, 1), sv = ip4(10, 0, 0, 2)
    drop(0.6, pid: 0, comm: "swapper/1", family: 2, 40000, 80, c, sv, state: 2, flags: 0x02, sk: (2, 40000, 80, c, sv),
         [0xffff_ffff_81f9_e08e, 0xffff_ffff_81f9_f090])
    drop(0.9, pid: 500, comm: "ssh", family: 10, 22, 50000, v6b, v6a, state: 1, flags: 0x18, sk: (10, 50000, 22, v6a, v6b),
         [0xffff_ffff_81f9_e08e, 0xffff_ffff_81fa_0123])
    drop(1.2, pid: 0, comm: "swapper/0", family: 2, 81, 40002, sv, c, state: 0, flags: 0x04, sk: nil, [0xffff_ffff_81f9_e08e])
    drop(1.5, pid: 300, comm: "curl", family: 2, 40001, 80, c, sv, state: 7, flags: 0, sk: (2, 40001, 80, c, sv),
         [0xffff_ffff_81f9_e08e, 0xffff_ffff_81fa_1032])
    return try s.write()
}

@Test func tcpdropPrintsBccLinesAndStacks() throws {
    let path = try tcpdropRecording()
    let out = try runTool(Tcpdrop.self, [path])
    #expect(out.stderr.isEmpty && !out.failed, "\(out.stderr)")
    // bcc 0.26 tcpdrop.py: its fallback warning, the header, "%-8s %-7d %-2d %-20s > %-20s %s (%s)"
    // and "\t%s" of each b.ksym(addr, show_offset=True), a bytes object, then a blank line.
    #expect(out.stdout == """
    WARNING: tcp_drop() kernel function not found or traceable. Use tracpoint:skb:kfree_skb instead.
    TIME     PID     IP SADDR:SPORT          > DADDR:DPORT          STATE (FLAGS)
    22:06:40 0       4  10.0.0.1:40000       > 10.0.0.2:80          SYN_SENT (SYN)
    \tb'sk_skb_reason_drop+0x8e'
    \tb'neigh_invalidate+0x90'

    22:06:40 500     6  2001:db8::2:22       > 2001:db8::1:50000    ESTABLISHED (PSH|ACK)
    \tb'sk_skb_reason_drop+0x8e'
    \tb'tcp_v6_rcv+0x123'

    22:06:41 300     4  10.0.0.1:40001       > 10.0.0.2:80          CLOSE ()
    \tb'sk_skb_reason_drop+0x8e'
    \tb'__tcp_close+0x32'


    """)
    let v4 = try runTool(Tcpdrop.self, ["-4", path])
    #expect(!v4.stdout.contains("2001:db8") && v4.stdout.contains("10.0.0.1:40001"))
    let v6 = try runTool(Tcpdrop.self, ["-6", "--from", "0.7", path])
    #expect(v6.stdout.split(separator: "\n").count == 5 && v6.stdout.contains("ESTABLISHED (PSH|ACK)"), "\(v6.stdout)")
    #expect(throws: (any Error).self) { try runTool(Tcpdrop.self, ["-4", "-6", path]) }
    let json = try runTool(Tcpdrop.self, ["--json", "--to", "0.7", path])
    let lines = json.stdout.split(separator: "\n").dropFirst().map(String.init)
    #expect(lines.first == #"{"type":"event","name":"drop","time_ns":1795990000600000000,"pid":0,"ip":4,"saddr":"10.0.0.1","sport":40000,"daddr":"10.0.0.2","dport":80,"state":"SYN_SENT","flags":"SYN"}"#, "\(lines)")
    #expect(lines.count == 2 && lines[1].contains(#""kernel":["sk_skb_reason_drop+0x8e","neigh_invalidate+0x90"]"#), "\(lines)")
}

@Test func tcpdropRefusesRecordingsWithoutStacks() throws {
    let s = SyntheticRecording()
    s.schemas["skb_drop"] = TableSchema(name: "skb_drop", family: "tcp", source: .bpf, doc: "", columns: EventTables.named("skb_drop")!.columns.filter { $0.name != "kstack" })
    s.add("skb_drop", ["ts": ns(0.5), "pid": 1, "tid": 1])
    let out = try runTool(Tcpdrop.self, [try s.write()])
    #expect(out.failed && out.stderr.joined().contains("no kernel stacks"), "\(out.stderr)")
}

/// tcpdrop.bt, bpftrace 0.17's script unchanged, over the same rows: skb->sk's addresses and
/// ports (the socket's, local first), its state, and bpftrace's kstack from the tracepoint's
/// caller; the drop without a socket is skipped by the script's family test.
@Test func tcpdropBtReadsTheSocketOfEachDrop() throws {
    let path = try tcpdropRecording()
    let out = try runTool(TcpdropBt.self, [path])
    #expect(!out.failed, "\(out.stderr)")
    #expect(out.stderr.contains { $0.contains("APPROX: only drops of TCP packets are recorded") }, "\(out.stderr)")
    // The END block's clear() leaves no map to print: bpftrace's two newlines at exit remain.
    #expect(out.stdout == """
    Attaching 3 probes...
    Tracing tcp drops. Hit Ctrl-C to end.
    TIME     PID      COMM             SADDR:SPORT           DADDR:DPORT           STATE   
    22:06:40 0        swapper/1                                       10.0.0.1:40000                                 10.0.0.2:80     SYN_SENT  

            sk_skb_reason_drop+142
            neigh_invalidate+144

    22:06:40 500      ssh                                          2001:db8::1:50000                              2001:db8::2:22     ESTABLISHED

            sk_skb_reason_drop+142
            tcp_v6_rcv+291

    22:06:41 300      curl                                            10.0.0.1:40001                                 10.0.0.2:80     CLOSE     

            sk_skb_reason_drop+142
            __tcp_close+50





    """)
}

/// skb:kfree_skb's struct members are served only on the paths tcpdrop.bt reads; any other
/// is a one-line error naming it and what is served, never a made-up value.
@Test func kfreeSkbStructPathsOutsideTheServedOnesAreRefused() throws {
    let path = try tcpdropRecording()
    for (program, says) in [
        ("t:skb:kfree_skb { $s = (struct sk_buff *)args->skbaddr; printf(\"%d\\n\", $s->len); }", "$s->len: that memory is not in the recording"),
        ("t:skb:kfree_skb { $s = (struct sk_buff *)args->skbaddr; $k = (struct sock *)$s->sk; printf(\"%d\\n\", $k->sk_rcvbuf); }", "$k->sk_rcvbuf"),
        ("t:skb:kfree_skb { printf(\"%d\\n\", ((struct sock *)args->skbaddr)->__sk_common.skc_family); }", "args->skbaddr"),
        ("t:skb:kfree_skb { $s = (struct sk_buff *)args->skbaddr; printf(\"%d\\n\", $s); }", "$s points into kernel memory a recording does not hold"),
    ] {
        let out = try runTool(Bt.self, ["-e", program, path])
        #expect(out.failed && out.stderr.count == 1 && out.stderr[0].contains(says), "\(program): \(out.stderr)")
    }
    // The served members, through casts and variables as tcpdrop.bt writes them.
    let ok = try runTool(Bt.self, ["-e", "t:skb:kfree_skb { $s = (struct sk_buff *)args->skbaddr; $k = (struct sock *)$s->sk; printf(\"%d %d %d\\n\", $k->__sk_common.skc_family, bswap($k->__sk_common.skc_dport), args->reason); }", path])
    #expect(!ok.failed && ok.stdout.hasSuffix("2 80 5\n10 22 5\n0 0 5\n2 80 5\n\n\n"), "\(ok.stdout) \(ok.stderr)")
}
