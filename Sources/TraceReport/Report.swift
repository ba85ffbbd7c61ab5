/// What a tool reports, as values: the one model that the text renderers (bcc / libbpf-tools
/// and bpftrace layouts) and the JSON Lines renderer share. A tool declares its rows with the
/// live tool's own printf format and gives typed values once; it never builds text or JSON.

/// The unit a value is in, named one way everywhere (JSON `unit` fields and `_ns` keys).
public enum Unit: String, Sendable, Codable, CaseIterable {
    case ns, us, ms, s
    case bytes, kbytes
    case count, percent
}

/// One value of a row or a label.
public enum Value: Sendable, Equatable {
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case bool(Bool)
    /// An instant of the recording (CLOCK_MONOTONIC ns): JSON gives it as epoch ns.
    case time(Int64)
    /// A span in ns: JSON gives it as ns under `<name>_ns`.
    case duration(Int64)
    /// A list (argv, stack frames).
    case list([Value])
    case null
}

extension Value: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    public init(integerLiteral v: Int64) { self = .int(v) }
    public init(stringLiteral v: String) { self = .string(v) }
    public init(_ v: Int) { self = .int(Int64(v)) }
    public init(_ v: Int32) { self = .int(Int64(v)) }
    public init(_ v: UInt32) { self = .int(Int64(v)) }
    public init(_ v: UInt64) { self = .uint(v) }
}

/// The recording host's clock, for times: epoch ns and the live tools' `HH:MM:SS`.
public struct WallClock: Sendable, Equatable {
    /// realtime - monotonic (ns).
    public var offset: Int64
    public var utcOffsetSeconds: Int
    public init(offset: Int64, utcOffsetSeconds: Int) {
        self.offset = offset
        self.utcOffsetSeconds = utcOffsetSeconds
    }
    public func epoch(_ monotonic: Int64) -> Int64 { monotonic &+ offset }

    /// `HH:MM:SS` in the recording host's local time (strftime("%H:%M:%S") there).
    public func hms(_ monotonic: Int64) -> String {
        let local = epoch(monotonic) &+ Int64(utcOffsetSeconds) &* 1_000_000_000
        let day: Int64 = 86_400 * 1_000_000_000
        let secs = Int((((local % day) + day) % day) / 1_000_000_000)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return two(secs / 3600) + ":" + two((secs / 60) % 60) + ":" + two(secs % 60)
    }

    /// `MM/DD/YY` in the recording host's local time (strftime("%x") in the C locale).
    public func mdy(_ monotonic: Int64) -> String {
        let local = epoch(monotonic) &+ Int64(utcOffsetSeconds) &* 1_000_000_000
        let secs = local >= 0 ? local / 1_000_000_000 : (local - 999_999_999) / 1_000_000_000
        let (y, m, d) = Self.civil(days: secs >= 0 ? secs / 86_400 : (secs - 86_399) / 86_400)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return two(m) + "/" + two(d) + "/" + two(((y % 100) + 100) % 100)
    }

    /// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// ISO-8601 UTC with nanoseconds: `2026-11-29T22:06:40.123456789Z`.
    public static func iso8601(epochNs: Int64) -> String {
        let secs = epochNs >= 0 ? epochNs / 1_000_000_000 : (epochNs - 999_999_999) / 1_000_000_000
        let ns = epochNs - secs * 1_000_000_000
        let days = secs >= 0 ? secs / 86_400 : (secs - 86_399) / 86_400
        let rem = secs - days * 86_400
        let (y, m, d) = civil(days: days)
        func pad(_ v: Int64, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(rem / 3600, 2)):\(pad(rem / 60 % 60, 2)):\(pad(rem % 60, 2)).\(pad(ns, 9))Z"
    }
}

/// How a column's value becomes its printf argument in the live tool's text.
public enum TextForm: Sendable {
    /// As it is (times and durations as ns integers).
    case value
    /// A time as `HH:MM:SS` of the recording host.
    case hms
    /// A duration or count divided by `divisor`: integer division, as C does.
    case divided(Int64)
    /// A duration or count divided by `divisor` as a double.
    case scaled(Double)
    /// A list joined by `separator` (argv).
    case joined(String)
    /// A duration (ns) in the unit that suits it, three significant figures: `812ns`, `12.3us`,
    /// `1.23ms`, `2.50s`; `signed` puts `+` before a positive one (a change). `-` for null.
    case humanDuration(signed: Bool)
    /// A number through its own printf conversion after dividing by `scale` (a percentage:
    /// `formatted("%+.1f%%", scale: 0.01)`); `-` for null, `+inf`/`-inf` for infinities.
    case formatted(String, scale: Double)
    /// A list of two values as `[low, high]`, each shown with the inner form; `-` for null.
    indirect case interval(TextForm)
}

/// One column of a row: its JSON name and unit, and how the text shows it.
public struct Column: Sendable {
    public var name: String
    public var text: TextForm
    /// Printed in the text row (the format consumes it) / given in JSON.
    public var inText: Bool
    public var inJSON: Bool

    public init(_ name: String, text: TextForm = .value, inText: Bool = true, inJSON: Bool = true) {
        self.name = name
        self.text = text
        self.inText = inText
        self.inJSON = inJSON
    }

    /// A column that only the JSON record carries (the live tool does not print it).
    public static func jsonOnly(_ name: String) -> Column { Column(name, inText: false) }
}

/// The rows a tool prints: events (one per thing that happened) or the rows of a summary table.
public struct RowLayout: Sendable {
    public enum Kind: String, Sendable { case event, row }
    public var kind: Kind
    /// The JSON `table` of a summary's rows (`syscalls`), also the events' name.
    public var name: String
    public var columns: [Column]
    /// The live tool's header line(s), exactly as it prints them; nil for none.
    public var header: String?
    /// The live tool's row format; its conversions take the text columns in order.
    public var format: CFormat
    /// Each text column's own conversion and heading, for the markdown table (set by
    /// `Builder`; a layout without them shows its text rows in markdown too).
    public var cells: [CFormat] = []
    public var labels: [String] = []

    public init(_ kind: Kind, _ name: String, columns: [Column], header: String?, format: String) {
        self.kind = kind
        self.name = name
        self.columns = columns
        self.header = header
        do { self.format = try CFormat(format) } catch { preconditionFailure("row format \"\(format)\": \(error)") }
        let wanted = columns.filter(\.inText).count
        precondition(self.format.argumentCount == wanted, "row format \"\(format)\" takes \(self.format.argumentCount) arguments, \(wanted) text columns declared")
    }
}

/// A histogram the live tool prints: log2 (bcc `print_log2_hist`) or linear slots.
public struct Histogram: Sendable {
    public enum Kind: Sendable, Equatable {
        case log2
        /// The same slots as bcc's Python tools print them (argdist, bcc's own tools): its
        /// header is a space wider and the columns widen after slot 31, not 32.
        case pythonLog2
        /// Slot i holds [base + i*step, base + (i+1)*step).
        case linear(base: Int64, step: Int64)
    }
    public var kind: Kind
    /// What a slot's bounds are in, and the word the text prints over the slots (`usecs`).
    public var unit: Unit
    public var unitLabel: String
    /// JSON labels (disk, flags, pid, comm, interval, time).
    public var labels: [(String, Value)]
    /// Text printed before the slots (the live tool's section line, e.g. `\ndisk = vda\t`).
    public var heading: String
    public var slots: [UInt64]

    public init(_ kind: Kind, unit: Unit, unitLabel: String, labels: [(String, Value)] = [], heading: String = "", slots: [UInt64]) {
        self.kind = kind
        self.unit = unit
        self.unitLabel = unitLabel
        self.labels = labels
        self.heading = heading
        self.slots = slots
    }

    /// Bounds of slot i in `unit` (inclusive high, as the live tools print them).
    public func bounds(_ i: Int) -> (low: Int64, high: Int64) {
        switch kind {
        case .log2, .pythonLog2:
            let high = i >= 63 ? Int64.max : (Int64(1) << (i + 1)) - 1
            let low = i == 0 ? 0 : Int64(1) << i
            return (low, high)
        case .linear(let base, let step):
            return (base + Int64(i) * step, base + Int64(i + 1) * step - 1)
        }
    }
}

extension RowLayout {
    /// Builds a layout the way the live tools print theirs: piece by piece, each column with
    /// its header conversion and label and its row conversion, the optional ones (-T, -U, -e)
    /// shown or not. A column not shown stays in the JSON record: the structured output is
    /// complete whatever the text flags.
    public struct Builder: Sendable {
        var kind: Kind
        var name: String
        var columns: [Column] = []
        var headerFormat = ""
        var headerArgs: [CArg] = []
        var rowFormat = ""
        var hasHeader = true
        var cells: [String] = []
        var labels: [String] = []

        public init(_ kind: Kind, _ name: String, header: Bool = true) {
            self.kind = kind
            self.name = name
            hasHeader = header
        }

        /// A column printed with `row` under a header printed with `header` and `label`.
        /// `inJSON: false` for what the text derives from another column (seconds since the
        /// first event, where JSON has the time).
        public mutating func add(_ name: String, _ text: TextForm = .value, header: String = "", _ label: String = "", row: String, shown: Bool = true, inJSON: Bool = true) {
            guard shown else { if inJSON { columns.append(.jsonOnly(name)) } else { columns.append(Column(name, inText: false, inJSON: false)) }; return }
            columns.append(Column(name, text: text, inJSON: inJSON))
            cells.append(row)
            labels.append(label.isEmpty ? name : label)
            headerFormat += header
            if !header.isEmpty { headerArgs.append(.string(label)) }
            rowFormat += row
        }

        /// A column only the JSON record has.
        public mutating func json(_ name: String) { columns.append(.jsonOnly(name)) }

        /// Literal text in both the header and the row (separators, the final newline).
        public mutating func literal(header: String, row: String) {
            headerFormat += header.replacingOccurrences(of: "%", with: "%%")
            rowFormat += row.replacingOccurrences(of: "%", with: "%%")
        }

        public var layout: RowLayout {
            var l = RowLayout(kind, name, columns: columns, header: nil, format: rowFormat)
            do { l.cells = try cells.map { try CFormat($0) } } catch { preconditionFailure("cell format: \(error)") }
            l.labels = labels
            if hasHeader {
                do { l.header = try CFormat(headerFormat).format(headerArgs) } catch { preconditionFailure("header format \"\(headerFormat)\": \(error)") }
            }
            return l
        }
    }
}

/// A stack and what it accumulated (time off CPU, samples): bcc's multi-line form, the folded
/// one-liner of flame graph tools, or one JSON record.
public struct StackItem: Sendable {
    public enum Style: Sendable {
        /// bcc: kernel frames, each after `frameIndent`, `    --` between kernel and user when
        /// `delimited` (offcputime: only when both halves have frames; stackcount, `always`:
        /// whenever it is asked for), user frames, then the tool's own task and value lines.
        case bcc(delimited: Bool, taskLine: String, valueLine: String, frameIndent: String = "    ", always: Bool = false)
        /// `prefix;user...;-;kernel... value`, outermost frame first (the `-` as for `.bcc`).
        case folded(prefix: String, delimited: Bool, value: String, always: Bool = false)
        /// bcc offwaketime: the waker's line, its user then kernel frames outermost first,
        /// `    --               --`, this stack's kernel then user frames innermost first
        /// (`    -` between halves when `delimited`, of each stack that has both), then the
        /// tool's task and value lines. Needs `waker`.
        case bccWoken(delimited: Bool, taskLine: String, valueLine: String)
        /// `prefix;user...;-;kernel...;--;waker kernel...;-;waker user...;waker name value`:
        /// this stack outermost first, then the waker's innermost first (an off-wake flame
        /// graph stacks the waker upside down on the blocked stack). Needs `waker`.
        case foldedWoken(prefix: String, delimited: Bool, value: String)
    }
    /// The stack of the task that woke this one (offwaketime), and its folded last frame.
    public struct Waker: Sendable {
        public var kernel: [String]?
        public var user: [String]?
        public var line: String
        public var name: String
        public var labels: [(String, Value)]
        public init(labels: [(String, Value)], kernel: [String]?, user: [String]?, line: String, name: String) {
            self.labels = labels
            self.kernel = kernel
            self.user = user
            self.line = line
            self.name = name
        }
    }
    public var waker: Waker?
    public var labels: [(String, Value)]
    /// Innermost first; nil when the flags leave that half out.
    public var kernel: [String]?
    public var user: [String]?
    public var value: Value
    public var unit: Unit
    public var style: Style
    /// The frame the folded form puts under the stack (the task's name), whichever style the
    /// text uses: a flame graph's first frame above "all". Nil or empty: none.
    public var root: String?
    /// Indices into `user` of frames that are JIT code (named from a perf map): a flame graph
    /// draws them in the JIT colour. The text forms do not show it.
    public var jitUser: Set<Int> = []

    public init(labels: [(String, Value)], kernel: [String]?, user: [String]?, value: Value, unit: Unit, style: Style, root: String? = nil) {
        self.labels = labels
        self.kernel = kernel
        self.user = user
        self.value = value
        self.unit = unit
        self.style = style
        self.root = root
    }

    /// Whether the `-` / `--` delimiter goes between the kernel and the user frames: asked for,
    /// and (unless the style always delimits) both halves have frames.
    public var delimits: Bool {
        switch style {
        case .bcc(let delimited, _, _, _, let always), .folded(_, let delimited, _, let always):
            return always ? delimited : delimited && !(kernel ?? []).isEmpty && !(user ?? []).isEmpty
        case .bccWoken(let delimited, _, _), .foldedWoken(_, let delimited, _):
            return delimited && !(kernel ?? []).isEmpty && !(user ?? []).isEmpty
        }
    }

    /// `delimits` for the waker's stack.
    public var wakerDelimits: Bool {
        guard let waker else { return false }
        switch style {
        case .bccWoken(let delimited, _, _), .foldedWoken(_, let delimited, _):
            return delimited && !(waker.kernel ?? []).isEmpty && !(waker.user ?? []).isEmpty
        default: return false
        }
    }
}
