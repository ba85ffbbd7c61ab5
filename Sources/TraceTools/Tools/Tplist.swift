import ArgumentParser
import Foundation
import TraceAnalysis
import TraceReport

/// bcc tplist: the kernel's tracepoints, `SUBSYS:EVENT` per line, with -v each one's fields as
/// `    type name;` (the format's fields without the common_ ones). A recording made with -e
/// keeps the recording host's whole catalog; without it, only what was recorded is known.
public struct Tplist: RecordingTool {
    public static let toolName = "tplist"
    public static let notes = "needs a recording made with -e (it keeps the host's tracepoint catalog); no USDT"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Display kernel tracepoints or USDT probes and their formats.",
        discussion: """
        EXAMPLES:
            bpfan tplist run.trc                  # every tracepoint of the recording
                                                  # host
            bpfan tplist 'irq:*' run.trc          # those matching the glob
            bpfan tplist -v 'sched:sched_sw*' run.trc   # with their fields
        """)

    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: ArgumentHelp("List USDT probes in the specified process (not recorded: refused)", valueName: "PID"))
    var pid: Int?
    @Option(name: [.customShort("l", allowingJoined: true), .customLong("lib")], help: ArgumentHelp("List USDT probes in the specified library or executable (not recorded: refused)", valueName: "LIB"))
    var lib: String?
    @Flag(name: .customShort("v"), help: "Increase verbosity level (print variables, arguments, etc.)")
    var verbosity: Int
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("[filter] and the recording: a glob over SUBSYS:EVENT names.", valueName: "filter recording"))
    public var positionals: [String] = []

    public init() {}

    public static var textPositionals: [String] { ["filter"] }
    public var requiredTables: [String] { [] }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        if pid != nil || lib != nil { throw AnalysisError("-p/-l: recordings hold no USDT probe notes; only tracepoints can be listed") }
        let (formats, whole) = try rec.tracepointFormats()
        if formats.isEmpty {
            throw AnalysisError("\(rec.path) holds no tracepoint catalog: it is kept by recordings made with `bpfrec record -e SUBSYS:EVENT`")
        }
        if !whole {
            out.warn("bpfan tplist: this recording keeps the formats of its recorded tracepoints only, not the host's whole catalog")
        }
        let filter = texts.first
        let layout = RowLayout(.row, "tracepoint", columns: [Column("tracepoint")], header: nil, format: "%s\n")
        let field = RowLayout(.row, "field", columns: [Column.jsonOnly("tracepoint"), Column("field_type"), Column("field")], header: nil, format: "    %s %s;\n")
        for name in formats.keys.sorted() where filter.map({ fnmatch($0, name, 0) == 0 }) ?? true {
            out.row(layout, [.string(name)])
            guard verbosity > 0 else { continue }
            // print_tpoint_format(): re.search(r'field:([^;]*);') on each line, the last word
            // is the name, the others the type; common_ fields are left out.
            for line in formats[name]!.split(separator: "\n") {
                guard let start = line.range(of: "field:"), let end = line[start.upperBound...].firstIndex(of: ";") else { continue }
                let parts = line[start.upperBound..<end].split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard let last = parts.last, !last.hasPrefix("common_") else { continue }
                out.row(field, [.string(name), .string(parts.dropLast().joined(separator: " ")), .string(String(last))])
            }
        }
    }
}
