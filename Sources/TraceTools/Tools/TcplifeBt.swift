import ArgumentParser
import TraceAnalysis
import TraceReport

/// bpftrace's tcplife.bt (0.17): a row per TCP session at its close, from the first state
/// change before FIN_WAIT1 to CLOSE, in whole KB and ms.
public struct TcplifeBt: RecordingTool {
    public static let toolName = "tcplife.bt"
    /// What `bpfan tools` says of its limits against the live tool.
    public static let notes = "changes made outside tcp_set_state (listen, request clone) are skipped as the kprobe would"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace TCP session lifespans with connection details (bpftrace tcplife.bt output).")

    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["tcp_state"] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        var tracker = TcpLifeTracker(flavor: .bpftrace)
        out.text("Attaching 3 probes...\n")
        // tcplife.bt's BEGIN printf and its tcp_set_state printf.
        var b = RowLayout.Builder(.event, "tcp_session")
        b.json("time")
        b.add("pid", header: "%-5s ", "PID", row: "%-5d ")
        b.add("comm", header: "%-10s ", "COMM", row: "%-10.10s ")
        b.add("laddr", header: "%-15s ", "LADDR", row: "%-15s ")
        b.add("lport", header: "%-5s ", "LPORT", row: "%-5d ")
        b.add("raddr", header: "%-15s ", "RADDR", row: "%-15s ")
        b.add("rport", header: "%-5s ", "RPORT", row: "%-6d ")
        b.add("tx_bytes", .divided(1024), header: "%5s ", "TX_KB", row: "%5d ")
        b.add("rx_bytes", .divided(1024), header: "%5s ", "RX_KB", row: "%5d ")
        b.add("span", .divided(1_000_000), header: "%s", "MS", row: "%d")
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        try rec.scanMerged([TcpStateChange.source()]) { row in
            guard let s = tracker.apply(TcpStateChange(TcpStateRow(row))) else { return }
            let e = s.close
            out.row(layout, [.time(e.ts), .int(s.pid), .string(s.comm), .string(e.localAddress), .int(Int64(e.sport)), .string(e.remoteAddress), .int(Int64(e.dport)),
                             .uint(e.bytesAcked), .uint(e.bytesReceived), .duration(s.span)])
        }
        // Exit: bpftrace's two newlines, then @birth, @skpid, @skcomm (cleared in END) as empty maps.
        out.text("\n\n" + "\n\n\n")
    }
}
