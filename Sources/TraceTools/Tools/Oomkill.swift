import ArgumentParser
import TraceAnalysis
import TraceReport

/// libbpf-tools oomkill (0.26): one line per OOM kill, naming the task that triggered it and
/// the victim, with the pages the kernel weighed and the load averages. The live tool's
/// kprobe on oom_kill_process is not in recordings; tracepoint oom:mark_victim (recorded with
/// `bpfrec record -e oom:mark_victim`) fires inside it, in the triggering task, naming the
/// victim. The loadavg is the recorder's latest read of /proc/loadavg before the kill.
public struct Oomkill: RecordingTool {
    public static let toolName = "oomkill"
    public static let notes = "from oom:mark_victim (record with -e oom:mark_victim); pages is the host's RAM + swap, a system-wide OOM's totalpages"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace OOM kills.",
        discussion: """
        Record the kills with `bpfrec record -e oom:mark_victim`: the tracepoint fires in
        oom_kill_process, where the live tool's kprobe is, in the task whose allocation
        triggered the kill.

        EXAMPLES:
            bpfan oomkill run.trc    # every OOM kill of the recording
        """)

    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { [] }

    static let event = "oom:mark_victim"

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let source = try rec.tracepointSource(Self.event)
        guard let victim = source.field("pid"), let victimComm = source.field("comm") else {
            throw AnalysisError("\(Self.event) in this recording lacks the pid and comm fields oomkill prints")
        }
        let columns = TracepointColumns()
        let pidSlot = columns.slot("pid"), victimSlot = columns.slot(victim.column), victimCommSlot = columns.slot(victimComm.stringColumn ?? victimComm.column)
        _ = columns.slot("tid")
        columns.useComm()
        let loads = try LoadAverages(rec)
        let pages = rec.memoryAndSwapPages
        if pages == nil {
            out.warn("bpfan oomkill: note: this recording does not hold the host's RAM and swap (an older bpfrec): pages is printed as 0")
        } else {
            out.warn("bpfan oomkill: note: pages is the recording host's RAM + swap in pages, a system-wide OOM's totalpages; a cgroup's OOM weighs the cgroup's limit, which the recording does not hold")
        }
        if loads.reads.isEmpty {
            out.warn("bpfan oomkill: note: this recording has no load_average rows (made before bpfrec read /proc/loadavg): the lines end at the pages, as the live tool's do when /proc/loadavg cannot be read")
        }

        // handle_event(): "%s Triggered by PID %d (\"%s\"), OOM kill of PID %d (\"%s\"), %lld
        // pages, loadavg: %s" with /proc/loadavg's line (its own newline), or without the loadavg.
        func layout(withLoad: Bool) -> RowLayout {
            var b = RowLayout.Builder(.event, "oom_kill", header: false)
            b.json("time")
            b.add("clock", row: "%s Triggered by PID ", inJSON: false)
            b.add("trigger_pid", row: "%d (\"")
            b.add("trigger_comm", row: "%s\"), OOM kill of PID ")
            b.add("victim_pid", row: "%d (\"")
            b.add("victim_comm", row: "%s\"), ")
            b.add("pages", row: "%lld pages")
            if withLoad { b.add("loadavg", row: ", loadavg: %s\n") } else { b.literal(header: "", row: "\n") }
            return b.layout
        }
        let withLoad = layout(withLoad: true), withoutLoad = layout(withLoad: false)
        out.text("Tracing OOM kills... Ctrl-C to stop.\n")
        try rec.scanTracepoints([TracepointProbeInput(source: source, columns: columns)]) { hit in
            let b = hit.row.batch, r = hit.row.row
            var values: [Value] = [.time(hit.time), .string(rec.hms(hit.time)), .int(b.ordered[pidSlot][r]), .string(String(decoding: hit.row.comm, as: UTF8.self)),
                                   .int(b.ordered[victimSlot][r]), .string(String(decoding: hit.row.bytes(victimCommSlot), as: UTF8.self)), .int(pages ?? 0)]
            if let load = loads.latest(atOrBefore: hit.time) {
                values.append(.string(load.procText))
                out.row(withLoad, values)
            } else {
                out.row(withoutLoad, values)
            }
        }
    }
}
