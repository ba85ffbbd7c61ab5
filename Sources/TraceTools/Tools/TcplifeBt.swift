import ArgumentParser
import TraceAnalysis

/// bpftrace's tcplife.bt (0.17): a row per TCP session at its close, from the first state
/// change before FIN_WAIT1 to CLOSE, in whole KB and ms.
public struct TcplifeBt: RecordingTool {
    public static let toolName = "tcplife.bt"
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
        if !common.json {
            out.line("Attaching 3 probes...")
            out.write(left("PID", 5) + " " + left("COMM", 10) + " " + left("LADDR", 15) + " " + left("LPORT", 5) + " " + left("RADDR", 15) + " " + left("RPORT", 5) + " ")
            out.write(right("TX_KB", 5) + " " + right("RX_KB", 5) + " MS\n")
        }
        try rec.scanMerged([ScanSource("tcp_state", TcpStateChange.columns)]) { row in
            guard let s = tracker.apply(TcpStateChange(row.batch, row.row)) else { return }
            let e = s.close
            let ms = s.span / 1_000_000
            if common.json {
                out.write(JSONShapes.event(tool: Self.toolName, [
                    ("pid", .int(s.pid)), ("comm", .string(s.comm)), ("laddr", .string(e.localAddress)), ("lport", .int(Int64(e.sport))),
                    ("raddr", .string(e.remoteAddress)), ("rport", .int(Int64(e.dport))),
                    ("tx_kb", .int(Int64(e.bytesAcked / 1024))), ("rx_kb", .int(Int64(e.bytesReceived / 1024))), ("ms", .int(ms)),
                ]))
                return
            }
            out.write(left(String(s.pid), 5) + " " + left(String(s.comm.prefix(10)), 10) + " " + left(e.localAddress, 15) + " " + left(String(e.sport), 5) + " ")
            out.write(left(e.remoteAddress, 15) + " " + left(String(e.dport), 6) + " ")
            out.write(right(String(e.bytesAcked / 1024), 5) + " " + right(String(e.bytesReceived / 1024), 5) + " " + String(ms) + "\n")
        }
        if !common.json {
            // Exit: bpftrace's two newlines, then @birth, @skpid, @skcomm (cleared in END) as
            // empty maps.
            out.write("\n\n" + "\n\n\n")
        }
    }
}
