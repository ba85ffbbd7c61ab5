import ArgumentParser
import TraceAnalysis
import TraceReport

/// bcc tcpdrop (0.26): TCP packets the kernel dropped, one line each with the endpoints, the
/// socket's state and the packet's TCP flags, then the kernel stack at the drop. On kernels
/// without tcp_drop() the live tool reads tracepoint skb:kfree_skb for drops with a reason,
/// as the tcp family's skb_drop rows do; like it, drops of skbs without a socket are skipped.
public struct Tcpdrop: RecordingTool {
    public static let toolName = "tcpdrop"
    public static let notes = "bcc 0.26 output; the drops of TCP packets from skb:kfree_skb (the tcp family's skb_drop, with its kernel stack), as the live tool reads them where tcp_drop() is gone; the recorder program's frames left out; other protocols' drops (which the live tool also prints for inet sockets) are not recorded"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace TCP drops by the kernel",
        discussion: """
        Record with: bpfrec record --families tcp -o run.trc

        As bcc prints them on Python 3, stack frames are bytes objects (b'sk_skb_reason_drop+0x8e'). \\
        The stack starts at the tracepoint's caller, as the live tool's does: the recorder's own \\
        program frames are left out.

        examples:
            bpfan tcpdrop run.trc           # trace kernel TCP drops
            bpfan tcpdrop -4 run.trc        # trace IPv4 family only
            bpfan tcpdrop -6 run.trc        # trace IPv6 family only
        """)

    @Flag(name: [.customShort("4"), .customLong("ipv4")], help: "trace IPv4 family only")
    var ipv4 = false
    @Flag(name: [.customShort("6"), .customLong("ipv6")], help: "trace IPv6 family only")
    var ipv6 = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["skb_drop"] }

    public func validate() throws {
        // argparse's mutually exclusive group.
        if ipv4 && ipv6 { throw ValidationError("argument -6/--ipv6: not allowed with argument -4/--ipv4") }
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let columns = rec.columnNames(of: "skb_drop")
        guard columns.contains("kstack"), columns.contains("sk_family") else {
            throw AnalysisError("\(rec.path): its skb_drop rows have no kernel stacks or socket family (made by an older bpfrec); record again with bpfrec record --families tcp")
        }
        let ksyms = try KernelSymbols.load(rec.file)
        if ksyms == nil { out.warn("bpfan tcpdrop: \(rec.path) has no kallsyms metadata; kernel frames print as [unknown]") }
        // The live tool kprobes tcp_drop() where the kernel has it (before 5.19), and says so
        // when it falls back to the tracepoint, as it does on the kernels a recording serves.
        if ksyms?.contains(symbol: "tcp_drop") == true {
            out.warn("bpfan tcpdrop: the recorded kernel has tcp_drop(), which the live tool would have probed; its drops are served from skb:kfree_skb")
        } else {
            out.text("WARNING: tcp_drop() kernel function not found or traceable. Use tracpoint:skb:kfree_skb instead.\n")
        }
        // print_ipv4_event() / print_ipv6_event(): "%-8s %-7d %-2d %-20s > %-20s %s (%s)".
        var b = RowLayout.Builder(.event, "drop")
        b.add("time", .hms, header: "%-8s ", "TIME", row: "%-8s ")
        b.add("pid", header: "%-7s ", "PID", row: "%-7d ")
        b.add("ip", header: "%-2s ", "IP", row: "%-2d ")
        b.add("source", header: "%-20s > ", "SADDR:SPORT", row: "%-20s > ", inJSON: false)
        b.json("saddr")
        b.json("sport")
        b.add("destination", header: "%-20s ", "DADDR:DPORT", row: "%-20s ", inJSON: false)
        b.json("daddr")
        b.json("dport")
        b.add("state", header: "%s ", "STATE", row: "%s ")
        b.add("flags", header: "(%s)", "FLAGS", row: "(%s)")
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        try rec.scanMerged([ScanSource(SkbDropRow.self, reading: [\.pid, \.family, \.sport, \.dport, \.saddr, \.daddr, \.state, \.tcpFlags, \.skFamily, \.skSaddr, \.skDaddr, \.kstack])]) { m in
            let row = SkbDropRow(m)
            // __trace_tcp_drop(): no socket, or a socket of neither inet family, is skipped;
            // the family is the socket's.
            let family = Int(row.skFamily)
            guard family == InetAddress.inet || family == InetAddress.inet6 else { return }
            if ipv4 && family != InetAddress.inet || ipv6 && family != InetAddress.inet6 { return }
            // IPv4 addresses are the packet's; IPv6 ones the socket's, remote as the source.
            let (saddr, daddr) = family == InetAddress.inet
                ? (InetAddress.format(family: family, row.saddr), InetAddress.format(family: family, row.daddr))
                : (InetAddress.format(family: family, row.skDaddr), InetAddress.format(family: family, row.skSaddr))
            out.row(layout, [.time(row.ts), .int(row.pid), .int(family == InetAddress.inet ? 4 : 6),
                             .string("\(saddr):\(row.sport)"), .string(saddr), .int(Int64(row.sport)),
                             .string("\(daddr):\(row.dport)"), .string(daddr), .int(Int64(row.dport)),
                             .string(TcpState.name(Int(row.state))), .string(Self.flags(Int(row.tcpFlags)))])
            var stack = StackFrames.decode(row.kstack)
            if let ksyms { stack.removeFirst(ksyms.probeFrameCount(stack)) }
            // b.ksym(addr, show_offset=True) is bytes, printed with "\t%s": b'name+0x1f'.
            let frames = stack.map { a -> String in
                let name = ksyms?.symbol(of: a).map { "\($0.name)+0x\(String($0.offset, radix: 16))" } ?? "[unknown]"
                return out.mode == .text ? "b'\(name)'" : name
            }
            out.stack(StackItem(labels: [("pid", .int(row.pid))], kernel: frames, user: nil, value: .int(1), unit: .count,
                                style: .bcc(delimited: false, taskLine: "", valueLine: "\n", frameIndent: "\t", always: true)))
        }
    }

    /// bcc's tcp.flags2str: the set flags, FIN first, joined by "|".
    static func flags(_ f: Int) -> String {
        ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"].enumerated().filter { f & (1 << $0.offset) != 0 }.map(\.element).joined(separator: "|")
    }
}
