import ArgumentParser
import OfflineBpftrace
import TraceAnalysis
import TraceReport

/// How `bpfan bt` and the shipped .bt scripts run a program: bpftrace's text, or its JSON lines
/// with `-f json`; under bpfan's `--json`, those JSON lines are the records after the header
/// (schemas/output.schema.json, `bpftrace`).
enum BtRun {
    static func run(_ program: BtProgram, _ rec: Recording, positionals: [String], format: String, tool: String, mapKprobes: Bool = false, into out: inout ToolOutput) throws {
        guard out.mode == .json else {
            try BtInterpreter.run(program, rec, positionals: positionals, json: format == "json", tool: tool, mapKprobes: mapKprobes, into: &out)
            return
        }
        var lines = ToolOutput(mode: .text)
        lines.clock = out.clock
        try BtInterpreter.run(program, rec, positionals: positionals, json: true, tool: tool, mapKprobes: mapKprobes, into: &lines)
        for line in lines.stdout.split(separator: "\n") { out.bpftraceRecord(line) }
        for w in lines.stderr { out.warn(w) }
        if lines.failed { out.failed = true }
    }
}

/// bpftrace's `-f FORMAT`, for `bpfan bt` and the .bt scripts alike.
struct BtOutputFormat: ParsableArguments {
    @Option(name: .customShort("f", allowingJoined: true), help: ArgumentHelp("output format: text, or json (bpftrace's JSON lines)", valueName: "FORMAT"))
    var format = "text"

    func validate() throws {
        guard format == "text" || format == "json" else { throw ValidationError("-f \(format): the formats are text and json") }
    }
}
