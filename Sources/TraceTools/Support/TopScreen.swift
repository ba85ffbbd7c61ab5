import TraceAnalysis
import TraceReport

/// What the libbpf-tools top tools (biotop, slabratetop, tcptop) print before each report:
/// `system("clear")` unless -C, then `"%8s loadavg: %s\n"` with /proc/loadavg's line (its own
/// newline after it). The line is the recorder's latest read at or before the report (once a
/// second), where the live tool reads the file as it prints.
struct TopScreen {
    /// What clear(1) writes on the terminals the live tools run in.
    static let clear = "\u{1b}[H\u{1b}[2J\u{1b}[3J"
    let loads: LoadAverages

    /// Reads the recording's loadavg reads; says so once when it has none (and the line is asked for).
    init(_ rec: Recording, tool: String, summary: Bool = true, into out: inout ToolOutput) throws {
        loads = try LoadAverages(rec)
        if loads.reads.isEmpty && summary {
            out.warn("bpfan \(tool): note: this recording has no load_average rows (made before bpfrec read /proc/loadavg): the loadavg line says not recorded")
        }
    }

    func begin(_ rec: Recording, at time: Int64, clear: Bool, summary: Bool = true, into out: inout ToolOutput) {
        if clear { out.text(Self.clear) }
        guard summary else { return }
        let load = loads.latest(atOrBefore: time).map { $0.procText } ?? "not recorded"
        out.text(printf("%8s loadavg: %s\n\n", .string(rec.hms(time)), .string(load)))
    }
}
