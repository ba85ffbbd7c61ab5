import ArgumentParser
import TraceAnalysis
import TraceReport

/// libbpf-tools tcptop (0.26): per interval, the KB each process received and sent per TCP
/// connection, IPv4 rows then IPv6 rows. The live tool's kprobes on tcp_sendmsg (the requested
/// size) and tcp_cleanup_rbuf (the bytes copied) cannot attach here; the tcpio family's rows
/// (`bpfrec record --families tcpio`) are sock:sock_send_length and sock:sock_recv_length with
/// the bytes each call returned, keyed as the live tool keys: pid, comm, family, addresses and
/// ports of the socket.
public struct Tcptop: RecordingTool {
    public static let toolName = "tcptop"
    public static let notes = "from the tcpio family (record with --families tcpio): bytes the sendmsg/recvmsg calls returned, where the live tool counts the size asked of tcp_sendmsg"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "TCP top: KB received and sent by process and connection.",
        discussion: """
        Record with `bpfrec record --families tcpio` (with the other families: --families \
        all), which keeps a row per TCP sendmsg and recvmsg that moved bytes.

        EXAMPLES:
            bpfan tcptop run.trc            # TCP top, refresh every 1s
            bpfan tcptop -p 1216 run.trc    # only PID 1216
            bpfan tcptop -C run.trc 5 10    # 5s summaries, 10 times, no clearing
        """)
    public static let numericPositionals = ["interval", "count"]

    enum Sort: String, ExpressibleByArgument { case all, sent, received }

    @Option(name: [.customShort("p"), .customLong("pid")], help: ArgumentHelp("Process ID to trace", valueName: "PID"))
    var pid: Int64?
    @Option(name: [.customShort("c", allowingJoined: true), .customLong("cgroup")], help: ArgumentHelp("Trace process in cgroup path (not recorded: refused)", valueName: "/sys/fs/cgroup/unified"))
    var cgroup: String?
    @Flag(name: [.customShort("4"), .customLong("ipv4")], help: "trace IPv4 family only")
    var ipv4 = false
    @Flag(name: [.customShort("6"), .customLong("ipv6")], help: "trace IPv6 family only")
    var ipv6 = false
    @Flag(name: [.customShort("S"), .customLong("nosummary")], help: "Skip system summary line")
    var nosummary = false
    @Flag(name: [.customShort("C"), .customLong("noclear")], help: "Don't clear the screen")
    var noclear = false
    @Option(name: [.customShort("s", allowingJoined: true), .customLong("sort")], help: ArgumentHelp("Sort columns, default all [all, sent, received]", valueName: "SORT"))
    var sort: Sort = .all
    @Option(name: [.customShort("r", allowingJoined: true), .customLong("rows")], help: ArgumentHelp("Maximum rows to print, default 20", valueName: "ROWS"))
    var rows: Int = 20
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording, then the live tool's [interval] [count] (recording time; interval defaults to 1).", valueName: "recording [interval] [count]"))
    public var positionals: [String] = []

    public init() {}

    public func validate() throws {
        if let pid, pid <= 0 { throw ValidationError("invalid PID: \(pid)") }
        if rows <= 0 { throw ValidationError("invalid rows: \(rows)") }
        if ipv4 && ipv6 { throw ValidationError("Only one --ipvX option should be used") }
    }

    public var requiredTables: [String] { ["tcp_io"] }

    /// OUTPUT_ROWS_LIMIT, the most rows -r gives (and the size of the live tool's map).
    static let rowsLimit = 10240

    struct Key: Hashable { var pid: Int64; var comm: String; var family: Int64; var saddr: [UInt8]; var lport: Int64; var daddr: [UInt8]; var dport: Int64 }
    struct Traffic { var sent: Int64 = 0; var received: Int64 = 0 }

    public func intervals(numbers: [Int]) -> IntervalRequest? {
        IntervalRequest(seconds: numbers.first ?? 1, count: numbers.count > 1 ? numbers[1] : nil)
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        if cgroup != nil { throw AnalysisError("-c: recordings carry no cgroup membership; cannot filter by cgroup") }
        let family: Int64? = ipv4 ? 2 : ipv6 ? 10 : nil
        let reports = intervals(numbers: numbers)
        let buckets = IntervalBuckets(start: rec.effectiveStart, end: rec.effectiveEnd, intervalSeconds: reports?.seconds, count: reports?.count)
        var stats = Array(repeating: [Key: Traffic](), count: buckets.bucketCount)
        try rec.scan(TcpIoRow.self, reading: [\.pid, \.comm, \.family, \.lport, \.dport, \.saddr, \.daddr, \.bytes, \.direction]) { row in
            if let pid, row.pid != pid { return }
            if let family, row.family != family { return }
            guard let i = buckets.index(of: row.ts) else { return }
            let key = Key(pid: row.pid, comm: row.comm, family: row.family, saddr: row.saddr, lport: row.lport, daddr: row.daddr, dport: row.dport)
            if row.direction == 1 { stats[i][key, default: Traffic()].sent &+= row.bytes } else { stats[i][key, default: Traffic()].received &+= row.bytes }
        }
        let screen = try TopScreen(rec, tool: Self.toolName, summary: !nosummary, into: &out)
        // print_stat(): "%-6d %-12.12s %-*s %-*s %6ld %6ld\n", addresses 21 wide (51 for IPv6,
        // under a header of their own before the first IPv6 row).
        func layout(ipv6: Bool) -> RowLayout {
            let width = ipv6 ? 51 : 21
            var l = RowLayout.Builder(.row, "tcp_traffic")
            l.json("interval")
            l.json("time")
            l.add("pid", header: "%-6s ", "PID", row: "%-6d ")
            l.add("comm", header: "%-12s ", "COMM", row: "%-12.12s ")
            l.json("family")
            l.json("laddr")
            l.json("lport")
            l.json("raddr")
            l.json("rport")
            l.add("local", header: "%-\(width)s ", ipv6 ? "LADDR6" : "LADDR", row: "%-\(width)s ", inJSON: false)
            l.add("remote", header: "%-\(width)s ", ipv6 ? "RADDR6" : "RADDR", row: "%-\(width)s ", inJSON: false)
            l.add("rx_bytes", .divided(1024), header: "%6s ", "RX_KB", row: "%6ld ")
            l.add("tx_bytes", .divided(1024), header: "%s", "TX_KB", row: "%6ld")
            l.literal(header: "\n", row: "\n")
            return l.layout
        }
        let v4 = layout(ipv6: false), v6 = layout(ipv6: true)
        let limit = min(rows, Self.rowsLimit)
        for (i, perKey) in stats.enumerated() {
            // The live comparator: family first (IPv4 before IPv6), then the sort's bytes,
            // most first (its int of a size_t difference misorders differences of 2 GiB or
            // more; the true order is printed). Ties, hash order live, by key here.
            let sorted = perKey.sorted { a, b in
                if a.key.family != b.key.family { return a.key.family < b.key.family }
                let x = metric(a.value), y = metric(b.value)
                if x != y { return x > y }
                let ka = (a.key.pid, a.key.comm, a.key.lport, a.key.dport), kb = (b.key.pid, b.key.comm, b.key.lport, b.key.dport)
                return ka != kb ? ka < kb : a.key.daddr.lexicographicallyPrecedes(b.key.daddr)
            }.prefix(limit)
            let time = buckets.reportTime(of: i)
            screen.begin(rec, at: time, clear: !noclear, summary: !nosummary, into: &out)
            out.header(v4)
            var v6Header = false
            for (k, v) in sorted {
                let isV6 = k.family == 10
                if isV6 && !v6Header {
                    out.text("\n")
                    out.header(v6)
                    v6Header = true
                }
                let laddr = InetAddress.format(family: Int(k.family), k.saddr), raddr = InetAddress.format(family: Int(k.family), k.daddr)
                out.row(isV6 ? v6 : v4, [Value(i), .time(time), .int(k.pid), .string(k.comm), .int(k.family), .string(laddr), .int(k.lport), .string(raddr), .int(k.dport),
                                         .string("\(laddr):\(k.lport)"), .string("\(raddr):\(k.dport)"), .int(v.received), .int(v.sent)])
            }
            out.text("\n")
        }
    }

    func metric(_ v: Traffic) -> Int64 {
        switch sort {
        case .sent: v.sent
        case .received: v.received
        case .all: v.sent &+ v.received
        }
    }
}
