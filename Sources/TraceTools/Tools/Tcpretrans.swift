import ArgumentParser
import TraceAnalysis

/// bcc tcpretrans: one row per TCP retransmission (time, pid, IP version, endpoints, state), or
/// with -c a count per flow.
public struct Tcpretrans: RecordingTool {
    public static let toolName = "tcpretrans"
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
        if !common.json {
            out.line("Tracing retransmits ... Hit Ctrl-C to end")
            if !count { out.line(left("TIME", 8) + " " + left("PID", 6) + " " + left("IP", 2) + " " + left("LADDR:LPORT", 20) + " T> " + left("RADDR:RPORT", 20) + " STATE") }
        }
        let cols = ["ts", "pid", "family", "sport", "dport", "saddr", "daddr", "state"]
        try rec.scanMerged([ScanSource("tcp_retransmit", cols)]) { row in
            let b = row.batch, r = row.row
            let family = Int(b.ints("family")[r])
            // The live tool drops sockets of other families.
            guard family == InetAddress.inet || family == InetAddress.inet6 else { return }
            let flow = Flow(family: family, saddr: Array(b.blobs("saddr")[r]), sport: Int(b.ints("sport")[r]),
                            daddr: Array(b.blobs("daddr")[r]), dport: Int(b.ints("dport")[r]))
            if count {
                if counts[flow] == nil { order.append(flow) }
                counts[flow, default: 0] += 1
                return
            }
            let time = rec.clock?.hms(ofMonotonic: row.ts) ?? "??:??:??"
            let laddr = InetAddress.format(family: family, flow.saddr), raddr = InetAddress.format(family: family, flow.daddr)
            let ip = family == InetAddress.inet ? 4 : 6
            let state = TcpState.name(Int(b.ints("state")[r]))
            if common.json {
                out.write(JSONShapes.event(tool: Self.toolName, [
                    ("time", .string(time)), ("pid", .int(b.ints("pid")[r])), ("ip", .int(Int64(ip))), ("laddr", .string(laddr)), ("lport", .int(Int64(flow.sport))),
                    ("type", .string("R")), ("raddr", .string(raddr)), ("rport", .int(Int64(flow.dport))), ("state", .string(state)),
                ]))
                return
            }
            out.line(left(time, 8) + " " + left(String(b.ints("pid")[r]), 6) + " " + left(String(ip), 2) + " " + left("\(laddr):\(flow.sport)", 20)
                     + " R> " + left("\(raddr):\(flow.dport)", 20) + " " + state)
        }
        guard count else { return }
        // IPv4 flows then IPv6 flows, each by ascending count (ties in first-seen order).
        let rows = [InetAddress.inet, InetAddress.inet6].flatMap { fam in
            order.filter { $0.family == fam }.enumerated().sorted { (counts[$0.element]!, $0.offset) < (counts[$1.element]!, $1.offset) }.map(\.element)
        }
        if common.json {
            out.write(JSONShapes.table(tool: Self.toolName, columns: ["laddr", "lport", "raddr", "rport", "retransmits"], rows: rows.map { f in
                [.string(InetAddress.format(family: f.family, f.saddr)), .int(Int64(f.sport)), .string(InetAddress.format(family: f.family, f.daddr)),
                 .int(Int64(f.dport)), .int(counts[f]!)]
            }))
            return
        }
        out.line("\n" + left("LADDR:LPORT", 25) + " " + left("RADDR:RPORT", 25) + " RETRANSMITS")
        for f in rows {
            let l = "[\(InetAddress.format(family: f.family, f.saddr))]#\(f.sport)", r = "[\(InetAddress.format(family: f.family, f.daddr))]#\(f.dport)"
            out.line(left(l, 20) + " <-> " + left(r, 20) + " " + right(String(counts[f]!), 10))
        }
    }
}
