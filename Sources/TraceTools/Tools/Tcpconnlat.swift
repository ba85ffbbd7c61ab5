import ArgumentParser
import TraceAnalysis
import TraceReport

/// libbpf-tools tcpconnlat: the time from an active open to the first segment the socket
/// receives in SYN_SENT (the SYN-ACK, or a RST), measured here from the socket's CLOSE →
/// SYN_SENT change to its next change (TcpConnectTracker).
public struct Tcpconnlat: RecordingTool {
    public static let toolName = "tcpconnlat"
    public static let notes = "latency from the SYN_SENT change to the next one, a few µs inside the live kprobes; a connect that times out or is given up still prints a row"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace TCP connects and show connection latency.",
        discussion: """
        The live tool starts at tcp_v4_connect and stops at tcp_rcv_state_process; the recording \
        has the state changes inside those calls, so each latency is a few microseconds shorter. \
        A connect that ends in CLOSE without a reply (timed out, closed before the SYN-ACK) has a \
        row here and none live.

        EXAMPLES:
            bpfan tcpconnlat run.trc          # every connect with its latency
            bpfan tcpconnlat 1 run.trc        # connects slower than 1 ms
            bpfan tcpconnlat 0.1 run.trc      # connects slower than 100 us
            bpfan tcpconnlat -t run.trc       # include timestamps
            bpfan tcpconnlat -p 185 run.trc   # trace PID 185 only
            bpfan tcpconnlat -L run.trc       # include LPORT while printing outputs
        """)

    @Flag(name: [.customShort("t"), .customLong("timestamp")], help: "Include timestamp on output")
    var timestamp = false
    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: ArgumentHelp("Trace this PID only", valueName: "PID"))
    var pid: Int64?
    @Flag(name: [.customShort("L"), .customLong("lport")], help: "Include LPORT on output")
    var lport = false
    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Verbose debug output (no effect)")
    var verbose = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording, and the live tool's minimum latency in ms (decimals allowed).", valueName: "recording [min_ms]"))
    public var positionals: [String] = []

    public init() {}

    public static var numericPositionals: [String] { ["min_ms"] }
    /// `min_us = strtod(arg) * 1000`: the threshold in whole microseconds.
    public static func positionalNumber(_ arg: String) -> Int? {
        guard let ms = Double(arg), ms.isFinite, abs(ms) < 1e12 else { return nil }
        return Int(ms * 1000)
    }

    public var requiredTables: [String] { ["tcp_state"] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let minUs = Int64(numbers.first ?? 0)
        var tracker = TcpConnectTracker()
        // In time order: a socket's outcome must follow its connect.
        try rec.scanMerged([TcpStateChange.source()]) { row in
            let e = TcpStateChange(TcpStateRow(row))
            let isConnect = e.oldState == TcpState.close && e.newState == TcpState.synSent
            // -p filters at tcp_v4_connect, in the connecting task.
            if isConnect, let pid, e.pid != pid { return }
            if isConnect, e.family != InetAddress.inet && e.family != InetAddress.inet6 { return }
            tracker.apply(e)
        }
        var b = RowLayout.Builder(.event, "connect")
        b.json("time")
        b.add("time_s", header: "%-9s ", "TIME(s)", row: "%-9.3f ", shown: timestamp, inJSON: false)
        b.add("pid", header: "%-6s ", "PID", row: "%-6d ")
        b.add("comm", header: "%-12s ", "COMM", row: "%-12.12s ")
        b.add("ip", header: "%-2s ", "IP", row: "%-2d ")
        b.add("saddr", header: "%-16s ", "SADDR", row: "%-16s ")
        b.add("lport", header: "%-6s ", "LPORT", row: "%-6d ", shown: lport)
        b.add("daddr", header: "%-16s ", "DADDR", row: "%-16s ")
        b.add("dport", header: "%-5s ", "DPORT", row: "%-5d ")
        b.add("latency_ms_text", header: "%s", "LAT(ms)", row: "%.2f", inJSON: false)
        b.json("latency")
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        var clock = FirstEventClock()
        var closed = 0
        // Printed as the replies arrive.
        for c in tracker.connects.compactMap({ c in c.outcome.map { (c.syn, $0) } }).sorted(by: { $0.1.ts < $1.1.ts }) {
            let (syn, end) = c
            guard rec.window.contains(end.ts) else { continue }
            let deltaUs = (end.ts &- syn.ts) / 1000
            if deltaUs < 0 || (minUs > 0 && deltaUs < minUs) { continue }
            if end.newState == TcpState.close { closed += 1 }
            out.row(layout, [.time(end.ts), .double(clock.seconds(at: end.ts)), .int(syn.pid), .string(syn.comm),
                             .int(end.family == InetAddress.inet ? 4 : 6), .string(end.localAddress), .int(Int64(end.sport)),
                             .string(end.remoteAddress), .int(Int64(end.dport)), .double(Double(deltaUs) / 1000), .duration(deltaUs * 1000)])
        }
        if closed > 0 {
            out.warn("bpfan tcpconnlat: note: \(closed) of these connects ended in CLOSE, not ESTABLISHED: the live tool prints those refused by a reset, but not those that timed out or were closed before a reply, which the recording cannot tell apart")
        }
    }
}
