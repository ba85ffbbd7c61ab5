import ArgumentParser
import TraceAnalysis
import TraceReport

/// bcc tcpretrans: one row per TCP retransmission (time, pid, IP version, endpoints, state), or
/// with -c a count per flow.
public struct Tcpretrans: RecordingTool {
    public static let toolName = "tcpretrans"
    /// What `bpfan tools` says of its limits against the live tool.
    public static let notes = "bcc output; -l (tail loss probes) needs a kprobe: refused"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace TCP retransmits",
        discussion: """
        examples:
            bpfan tcpretrans run.trc           # trace TCP retransmits
            bpfan tcpretrans -c run.trc        # count retransmits per flow
        """)

    @Flag(name: [.customShort("l"), .customLong("lossprobe")], help: "include tail loss probe attempts (not recorded: refused)")
    var lossProbe = false
    @Flag(name: [.customShort("c"), .customLong("count")], help: "count occurred retransmits per flow")
    var count = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["tcp_retransmit"] }

    struct Flow: Hashable {
        var family: Int
        var saddr: [UInt8]
        var sport: Int
        var daddr: [UInt8]
        var dport: Int
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        if lossProbe { throw AnalysisError("-l: tail loss probes are seen only by a kprobe on tcp_send_loss_probe, which recordings cannot have") }
        var counts: [Flow: Int64] = [:]
        var order: [Flow] = []
        out.text("Tracing retransmits ... Hit Ctrl-C to end\n")
        // bcc tcpretrans.py's header and print_ipv4_event() / print_ipv6_event().
        var b = RowLayout.Builder(.event, "retransmit")
        b.add("time", .hms, header: "%-8s ", "TIME", row: "%-8s ")
        b.add("pid", header: "%-6s ", "PID", row: "%-6d ")
        b.add("ip", header: "%-2s ", "IP", row: "%-2d ")
        b.add("local", header: "%-20s T> ", "LADDR:LPORT", row: "%-20s R> ", inJSON: false)
        b.json("laddr")
        b.json("lport")
        b.add("remote", header: "%-20s ", "RADDR:RPORT", row: "%-20s ", inJSON: false)
        b.json("raddr")
        b.json("rport")
        b.add("state", header: "%s", "STATE", row: "%s")
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        if !count { out.header(layout) }
        try rec.scanMerged([ScanSource(TcpRetransmitRow.self, reading: [\.pid, \.family, \.sport, \.dport, \.saddr, \.daddr, \.state])]) { m in
            let row = TcpRetransmitRow(m)
            let family = Int(row.family)
            // The live tool drops sockets of other families.
            guard family == InetAddress.inet || family == InetAddress.inet6 else { return }
            let flow = Flow(family: family, saddr: row.saddr, sport: Int(row.sport), daddr: row.daddr, dport: Int(row.dport))
            if count {
                if counts[flow] == nil { order.append(flow) }
                counts[flow, default: 0] += 1
                return
            }
            let laddr = InetAddress.format(family: family, flow.saddr), raddr = InetAddress.format(family: family, flow.daddr)
            out.row(layout, [.time(row.ts), .int(row.pid), .int(family == InetAddress.inet ? 4 : 6),
                             .string("\(laddr):\(flow.sport)"), .string(laddr), .int(Int64(flow.sport)),
                             .string("\(raddr):\(flow.dport)"), .string(raddr), .int(Int64(flow.dport)), .string(TcpState.name(Int(row.state)))])
        }
        guard count else { return }
        // IPv4 flows then IPv6 flows, each by ascending count (ties in first-seen order).
        let rows = [InetAddress.inet, InetAddress.inet6].flatMap { fam in
            order.filter { $0.family == fam }.enumerated().sorted { (counts[$0.element]!, $0.offset) < (counts[$1.element]!, $1.offset) }.map(\.element)
        }
        // print_count(): "\n%-25s %-25s %-10s" then "%-20s <-> %-20s %10d" per flow.
        var t = RowLayout.Builder(.row, "retransmits")
        t.literal(header: "\n", row: "")
        t.add("local", header: "%-25s ", "LADDR:LPORT", row: "%-20s <-> ", inJSON: false)
        t.json("laddr")
        t.json("lport")
        t.add("remote", header: "%-25s ", "RADDR:RPORT", row: "%-20s ", inJSON: false)
        t.json("raddr")
        t.json("rport")
        t.add("retransmits", header: "%-10s", "RETRANSMITS", row: "%10d")
        t.literal(header: "\n", row: "\n")
        let table = t.layout
        out.header(table)
        for f in rows {
            let l = InetAddress.format(family: f.family, f.saddr), r = InetAddress.format(family: f.family, f.daddr)
            out.row(table, [.string("[\(l)]#\(f.sport)"), .string(l), .int(Int64(f.sport)), .string("[\(r)]#\(f.dport)"), .string(r), .int(Int64(f.dport)), .int(counts[f]!)])
        }
    }
}
