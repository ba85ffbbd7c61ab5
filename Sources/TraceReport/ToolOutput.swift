import Glibc
import Foundation

/// Where a tool's report goes: stdout (text or JSON Lines), stderr lines, and whether it
/// failed. Captured whole for tests (`ToolOutput()`); streamed for the command line, so a
/// snoop over a long recording prints as it goes and holds at most a 64 KiB buffer.
///
/// Text mode renders each item as the live tool prints it; JSON mode renders the same items as
/// one JSON object per line after a header record (schemas/output.schema.json), and drops the
/// text-only lines (banners, blank separators). Markdown mode (compare's PR comments) renders
/// rows of builder-made layouts as markdown tables, notes as they are, and the rest as text.
/// JUnit mode (compare's CI test cases) renders only the test cases, as XML, at `end()`.
public struct ToolOutput: Sendable {
    public enum Mode: Sendable { case text, json, markdown, junit }

    public private(set) var stdout = ""
    public private(set) var stderr: [String] = []
    public var failed = false
    let streaming: Bool
    public let mode: Mode
    /// The recording's clock, for times (text HH:MM:SS, JSON epoch ns).
    public var clock: WallClock?
    /// The JSON header record, written before the first item.
    var header: JSONText?
    /// JUnit mode's test cases, written at `end()` (the counts come first).
    var cases: [TestCase] = []
    /// Whether the stacks given to `stack(_:)` are kept (for a flame graph of them), in any mode.
    public var keepsStacks = false
    public private(set) var keptStacks: [StackItem] = []

    public init(mode: Mode = .text) {
        streaming = false
        self.mode = mode
    }
    public init(streaming: Bool, mode: Mode = .text) {
        self.streaming = streaming
        self.mode = mode
    }

    /// Rendered text, in either mode; streamed out in 64 KiB pieces.
    private mutating func write(_ s: String) {
        stdout += s
        if streaming && stdout.utf8.count >= 1 << 16 { flush() }
    }

    /// A line only the text shows (a banner, a separator, an interval's time).
    public mutating func text(_ s: String) {
        if mode == .text { write(s) }
    }

    /// A document another renderer made (a flame graph's SVG), written as it is in any mode.
    public mutating func document(_ s: String) { write(s) }

    /// A line the text and the markdown show, JSON not (a title, a summary in words).
    public mutating func note(_ s: String) {
        if mode == .text || mode == .markdown { write(s) }
    }

    /// A test case of the JUnit report (the other modes show the rows it stands for).
    public mutating func testCase(_ c: TestCase) {
        if mode == .junit { cases.append(c) }
    }

    /// Ends the report: JUnit mode writes its test cases under `name`.
    public mutating func end(name: String) {
        if mode == .junit { write(JUnitReport.render(name: name, cases)) }
    }

    /// The JSON header record: the tool, its flags, the recording, the host and the window.
    public mutating func begin(tool: String, arguments: [String], recording: String, host: String?, kernel: String?,
                               window: (start: Int64, end: Int64)?, clock: WallClock?) {
        self.clock = clock
        guard mode == .json else { return }
        var fields: [(String, JSONText)] = [("type", .string("header")), ("format", .string("bpfan-jsonl")), ("version", .int(1)),
                                           ("tool", .string(tool)), ("arguments", .array(arguments.map { .string($0) })),
                                           ("recording", .string(recording))]
        fields.append(("host", host.map { .string($0) } ?? .null))
        fields.append(("kernel", kernel.map { .string($0) } ?? .null))
        if let window, let clock {
            let s = clock.epoch(window.start), e = clock.epoch(window.end)
            fields.append(("window", .object([("start_ns", .int(s)), ("end_ns", .int(e)),
                                               ("start", .string(WallClock.iso8601(epochNs: s))), ("end", .string(WallClock.iso8601(epochNs: e)))])))
        } else {
            fields.append(("window", .null))
        }
        write(JSONText.object(fields).rendered + "\n")
    }

    /// A record of bpftrace's own JSON output (`bpftrace -f json`: `{"type": "printf", "data":
    /// ...}`), which `bpfan bt` and the .bt scripts give in JSON mode after the header; blank
    /// lines, which bpftrace prints between them, are not records and are dropped.
    public mutating func bpftraceRecord(_ line: Substring) {
        guard mode == .json, !line.allSatisfy({ $0 == " " }) else { return }
        write(line + "\n")
    }

    /// The header of a layout's rows (text only).
    public mutating func header(_ layout: RowLayout) {
        switch mode {
        case .text: if let h = layout.header { write(h) }
        case .markdown:
            guard !layout.cells.isEmpty, layout.header != nil else { return }
            write("| " + layout.labels.map(Self.markdownCell).joined(separator: " | ") + " |\n")
            write("|" + String(repeating: "---|", count: layout.labels.count) + "\n")
        case .json, .junit: break
        }
    }

    /// A markdown table cell: trimmed, its pipes escaped.
    static func markdownCell(_ s: String) -> String {
        s.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "|", with: "\\|")
    }

    /// One row of `layout`: `values` in the order of its columns.
    /// A row as the text renderer prints it, for tools that count identical lines (trace -A).
    public func rowText(_ layout: RowLayout, _ values: [Value]) -> String {
        var args: [CArg] = []
        for (c, v) in zip(layout.columns, values) where c.inText { args.append(textArgument(v, c.text)) }
        return layout.format(args)
    }

    public mutating func row(_ layout: RowLayout, _ values: [Value]) {
        precondition(values.count == layout.columns.count, "\(layout.name): \(values.count) values for \(layout.columns.count) columns")
        switch mode {
        case .text:
            write(rowText(layout, values))
        case .markdown:
            // A header-less layout (a summary line) reads as its text line, kept a line of its
            // own (markdown joins lines without two trailing spaces).
            guard !layout.cells.isEmpty, layout.header != nil else {
                let line = rowText(layout, values)
                write(line.hasSuffix("\n") ? line.dropLast() + "  \n" : line)
                return
            }
            let shown = zip(layout.columns, values).filter { $0.0.inText }
            let cells = zip(layout.cells, shown).map { Self.markdownCell($0.0([textArgument($0.1.1, $0.1.0.text)])) }
            write("| " + cells.joined(separator: " | ") + " |\n")
        case .json:
            var fields: [(String, JSONText)] = [("type", .string(layout.kind.rawValue)), ("name", .string(layout.name))]
            for (c, v) in zip(layout.columns, values) where c.inJSON { fields.append((jsonKey(c.name, v), jsonValue(v))) }
            write(JSONText.object(fields).rendered + "\n")
        case .junit: break
        }
    }

    /// A histogram: its heading and slots as the bcc tools print them, or one JSON record.
    public mutating func histogram(_ h: Histogram) {
        switch mode {
        case .junit: break
        case .text, .markdown:
            write(h.heading)
            switch h.kind {
            case .log2: write(BccHistogramPrinter.log2(h.slots, unit: h.unitLabel))
            case .pythonLog2: write(BccHistogramPrinter.pythonLog2(h.slots, unit: h.unitLabel))
            case .linear(let base, let step): write(BccHistogramPrinter.linear(h.slots, base: base, step: step, unit: h.unitLabel))
            }
        case .json:
            let last = h.slots.lastIndex { $0 > 0 } ?? -1
            let buckets: [JSONText] = (0..<(last + 1)).map { i in
                let b = h.bounds(i)
                return .object([("low", .int(b.low)), ("high", .int(b.high)), ("count", .int(Int64(bitPattern: h.slots[i])))])
            }
            let labels = JSONText.object(h.labels.map { (jsonKey($0.0, $0.1), jsonValue($0.1)) })
            write(JSONText.object([("type", .string("histogram")), ("unit", .string(h.unit.rawValue)), ("labels", labels), ("buckets", .array(buckets))]).rendered + "\n")
        }
    }

    /// A stack with its value.
    public mutating func stack(_ item: StackItem) {
        if keepsStacks { keptStacks.append(item) }
        switch mode {
        case .junit: break
        case .text, .markdown:
            switch item.style {
            case .bcc(_, let taskLine, let valueLine, let indent, _):
                var text = ""
                for f in item.kernel ?? [] { text += indent + f + "\n" }
                if item.delimits { text += "    --\n" }
                for f in item.user ?? [] { text += indent + f + "\n" }
                write(text + taskLine + valueLine)
            case .folded(let prefix, _, let value, _):
                var parts = [prefix]
                if let user = item.user { parts += user.reversed() }
                if item.delimits { parts.append("-") }
                if let kernel = item.kernel { parts += kernel.reversed() }
                write(parts.joined(separator: ";") + " " + value + "\n")
            case .bccWoken(_, let taskLine, let valueLine):
                let w = item.waker
                var text = w?.line ?? ""
                for f in (w?.user ?? []).reversed() { text += "    " + f + "\n" }
                if item.wakerDelimits { text += "    -\n" }
                for f in (w?.kernel ?? []).reversed() { text += "    " + f + "\n" }
                text += "    --               --\n"
                for f in item.kernel ?? [] { text += "    " + f + "\n" }
                if item.delimits { text += "    -\n" }
                for f in item.user ?? [] { text += "    " + f + "\n" }
                write(text + taskLine + valueLine)
            case .foldedWoken(let prefix, _, let value):
                var parts = [prefix]
                if let user = item.user { parts += user.reversed() }
                if item.delimits { parts.append("-") }
                if let kernel = item.kernel { parts += kernel.reversed() }
                parts.append("--")
                parts += item.waker?.kernel ?? []
                if item.wakerDelimits { parts.append("-") }
                parts += item.waker?.user ?? []
                parts.append(item.waker?.name ?? "")
                write(parts.joined(separator: ";") + " " + value + "\n")
            }
        case .json:
            let labels = JSONText.object(item.labels.map { (jsonKey($0.0, $0.1), jsonValue($0.1)) })
            var fields: [(String, JSONText)] = [("type", .string("stack")), ("labels", labels),
                                   ("kernel", item.kernel.map { .array($0.map { .string($0) }) } ?? .null),
                                   ("user", item.user.map { .array($0.map { .string($0) }) } ?? .null),
                                   ("value", jsonValue(item.value)), ("unit", .string(item.unit.rawValue))]
            if let w = item.waker {
                fields.append(("waker", .object([("labels", .object(w.labels.map { (jsonKey($0.0, $0.1), jsonValue($0.1)) })),
                                                 ("kernel", w.kernel.map { .array($0.map { .string($0) }) } ?? .null),
                                                 ("user", w.user.map { .array($0.map { .string($0) }) } ?? .null)])))
            }
            write(JSONText.object(fields).rendered + "\n")
        }
    }

    /// A bpftrace count/sum map as printed at exit (ascending by value, ties in the order given),
    /// or one JSON `map` record.
    public mutating func valueMap(name: String, entries: [(key: String?, value: Int64)], top: Int = 0) {
        switch mode {
        case .junit: break
        case .text, .markdown: write(BpftracePrinter.valueMap(name: name, entries: entries, top: top))
        case .json:
            var kept = entries
            if top > 0 && kept.count > top {
                kept = Array(kept.enumerated().sorted { ($0.element.value, $0.offset) < ($1.element.value, $1.offset) }.suffix(top).map(\.element))
            }
            let list: [JSONText] = kept.map { .object([("key", $0.key.map { .string($0) } ?? .null), ("value", .int($0.value))]) }
            write(JSONText.object([("type", .string("map")), ("name", .string(name)), ("entries", .array(list))]).rendered + "\n")
        }
    }

    /// A bpftrace hist() map as printed at exit, or one JSON `map` record of histograms.
    public mutating func histMap(name: String, entries: [(key: String?, hist: BpftraceHistogram)]) {
        switch mode {
        case .junit: break
        case .text, .markdown:
            write(BpftracePrinter.histMap(name: name, entries: entries.map { ($0.key, BpftracePrinter.hist($0.hist), $0.hist.total) }))
        case .json:
            let list: [JSONText] = entries.map { e in
                let b = e.hist.buckets
                let items: [JSONText] = b.indices.filter { b[$0] > 0 }.map { i in
                    let r = BpftraceHistogram.bounds(i)
                    return .object([("low", r.low.map { .int($0) } ?? .null), ("high", r.high.map { .int($0) } ?? .null), ("count", .uint(b[i]))])
                }
                return .object([("key", e.key.map { .string($0) } ?? .null), ("buckets", .array(items))])
            }
            write(JSONText.object([("type", .string("map")), ("name", .string(name)), ("entries", .array(list))]).rendered + "\n")
        }
    }

    /// A stderr line; written at once when streaming so warnings precede the output they qualify.
    public mutating func warn(_ s: String) {
        if streaming { StandardError.write(s) } else { stderr.append(s) }
    }

    /// Streams what is buffered; when the output cannot be written, the report has failed.
    public mutating func flush() {
        guard streaming, !stdout.isEmpty else { return }
        StandardOutput.write(stdout)
        stdout = ""
        if StandardOutput.failure != nil { failed = true }
    }

    // MARK: Values

    func textArgument(_ v: Value, _ form: TextForm) -> CArg {
        switch (form, v) {
        case (.hms, .time(let t)): return .string(clock?.hms(t) ?? "??:??:??")
        case (.divided(let d), _): return number(v).map { .int($0 / d) } ?? plain(v)
        case (.scaled(let d), _): return number(v).map { .double(Double($0) / d) } ?? plain(v)
        case (.joined(let sep), .list(let items)): return .string(items.map { if case .string(let s) = $0 { return s }; return "\($0)" }.joined(separator: sep))
        case (.humanDuration(let signed), _): return .string(number(v).map { Self.humanDuration($0, signed: signed) } ?? "-")
        case (.formatted(let f, let scale), _):
            guard let d = real(v) else { return .string("-") }
            if !d.isFinite { return .string(d.isNaN ? "-" : d > 0 ? "+inf" : "-inf") }
            return .string(printf(f, .double(d / scale)))
        case (.interval(let inner), .list(let items)) where items.count == 2:
            let parts = items.map { item -> String in
                if case .string(let s) = textArgument(item, inner) { return s }
                return "\(item)"
            }
            return .string("[" + parts.joined(separator: ", ") + "]")
        case (.interval, _): return .string("-")
        default: return plain(v)
        }
    }

    /// `812ns`, `12.3us`, `1.23ms`, `2.50s`: three significant figures in the largest unit
    /// that keeps the figure at 1 or more.
    public static func humanDuration(_ ns: Int64, signed: Bool) -> String {
        let sign = ns < 0 ? "-" : signed && ns > 0 ? "+" : ""
        let a = Double(ns.magnitude)
        let (value, unit): (Double, String) = a >= 1e9 ? (a / 1e9, "s") : a >= 1e6 ? (a / 1e6, "ms") : a >= 1e3 ? (a / 1e3, "us") : (a, "ns")
        if unit == "ns" { return sign + String(ns.magnitude) + unit }
        let digits = value >= 100 ? "%.0f" : value >= 10 ? "%.1f" : "%.2f"
        return sign + printf(digits, .double(value)) + unit
    }

    func real(_ v: Value) -> Double? {
        switch v {
        case .double(let d): return d
        default: return number(v).map(Double.init)
        }
    }

    func number(_ v: Value) -> Int64? {
        switch v {
        case .int(let i), .time(let i), .duration(let i): return i
        case .uint(let u): return Int64(bitPattern: u)
        default: return nil
        }
    }

    func plain(_ v: Value) -> CArg {
        switch v {
        case .int(let i), .time(let i), .duration(let i): return .int(i)
        case .uint(let u): return .uint(u)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .bool(let b): return .int(b ? 1 : 0)
        case .list(let l): return .string(l.map { "\($0)" }.joined(separator: " "))
        case .null: return .string("")
        }
    }

    /// Times and durations are ns, said in the key: `time_ns`, `latency_ns`.
    func jsonKey(_ name: String, _ v: Value) -> String {
        switch v {
        case .time, .duration: return name.hasSuffix("_ns") ? name : name + "_ns"
        default: return name
        }
    }

    func jsonValue(_ v: Value) -> JSONText {
        switch v {
        case .int(let i), .duration(let i): return .int(i)
        case .uint(let u): return .uint(u)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .time(let t): return clock.map { .int($0.epoch(t)) } ?? .null
        case .list(let l): return .array(l.map(jsonValue))
        case .null: return .null
        }
    }
}

/// Writes to file descriptor 1. A failed write (a full disk: `> /dev/full`, a closed pipe
/// when SIGPIPE is ignored) is remembered, later writes are dropped, and the command reports
/// it and exits non-zero (`failure`), rather than ending with status 0 and a cut output.
public enum StandardOutput {
    // Only the command's main thread writes the output.
    nonisolated(unsafe) private static var failedErrno: Int32 = 0

    /// The errno of the first failed write, or nil while every write succeeded.
    public static var failure: Int32? { failedErrno == 0 ? nil : failedErrno }

    /// "cannot write the output: No space left on device", or nil.
    public static var failureMessage: String? {
        failure.map { "cannot write the output: \(String(cString: strerror($0)))" }
    }

    public static func write(_ text: String) {
        guard failedErrno == 0 else { return }
        var s = text
        s.withUTF8 { buf in
            var done = 0
            while done < buf.count {
                let n = Glibc.write(1, buf.baseAddress! + done, buf.count - done)
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    failedErrno = n < 0 ? errno : EIO
                    return
                }
                done += n
            }
        }
    }
}
