import ArgumentParser
import TraceAnalysis
import TraceReport

/// libbpf-tools slabratetop (0.26): per interval, kmem_cache_alloc calls and bytes by slab
/// cache. The live tool's kprobe on kmem_cache_alloc cannot attach here (no kprobes; 6.18 calls
/// it kmem_cache_alloc_noprof); tracepoint kmem:kmem_cache_alloc (recorded with
/// `bpfrec record -e kmem:kmem_cache_alloc`) fires in every variant of it with the cache's name
/// and bytes_alloc, which is the cache's object size, the live tool's cachep->size.
public struct Slabratetop: RecordingTool {
    public static let toolName = "slabratetop"
    public static let notes = "from kmem:kmem_cache_alloc (record with -e kmem:kmem_cache_alloc), which also counts the _lru and _node variants the live kprobe misses"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Slab cache allocation rate top: allocations and bytes by cache.",
        discussion: """
        Record the allocations with `bpfrec record -e kmem:kmem_cache_alloc` (a busy host makes
        hundreds of thousands a second: 4–5 bytes each in the recording).

        EXAMPLES:
            bpfan slabratetop run.trc            # slab rate top, refresh every 1s
            bpfan slabratetop -p 181 run.trc     # only PID 181
            bpfan slabratetop -s count run.trc   # sort columns by count
            bpfan slabratetop -r 100 run.trc     # print 100 rows
            bpfan slabratetop -C run.trc 5 10    # 5s summaries, 10 times, no clearing
        """)
    public static let numericPositionals = ["interval", "count"]

    enum Sort: String, ExpressibleByArgument { case name, count, size }

    @Option(name: [.customShort("p"), .customLong("pid")], help: ArgumentHelp("Process ID to trace", valueName: "PID"))
    var pid: Int64?
    @Flag(name: [.customShort("C"), .customLong("noclear")], help: "Don't clear the screen")
    var noclear = false
    @Option(name: [.customShort("s", allowingJoined: true), .customLong("sort")], help: ArgumentHelp("Sort columns, default size [name, count, size]", valueName: "SORT"))
    var sort: Sort = .size
    @Option(name: [.customShort("r", allowingJoined: true), .customLong("rows")], help: ArgumentHelp("Maximum rows to print, default 20", valueName: "ROWS"))
    var rows: Int = 20
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording, then the live tool's [interval] [count] (recording time; interval defaults to 1).", valueName: "recording [interval] [count]"))
    public var positionals: [String] = []

    public init() {}

    public func validate() throws {
        if let pid, pid <= 0 { throw ValidationError("invalid PID: \(pid)") }
        if rows <= 0 { throw ValidationError("invalid rows: \(rows)") }
    }

    public var requiredTables: [String] { [] }

    static let event = "kmem:kmem_cache_alloc"
    /// slabrate_info.name: the live tool reads this many bytes of the cache's name.
    static let nameSize = 32
    /// OUTPUT_ROWS_LIMIT, the most rows -r gives (and the size of the live tool's map).
    static let rowsLimit = 10240

    struct Stat { var count: Int64 = 0; var size: Int64 = 0 }

    public func intervals(numbers: [Int]) -> IntervalRequest? {
        IntervalRequest(seconds: numbers.first ?? 1, count: numbers.count > 1 ? numbers[1] : nil)
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let source = try rec.tracepointSource(Self.event)
        guard let name = source.field("name"), let bytes = source.field("bytes_alloc") else {
            throw AnalysisError("\(Self.event) in this recording lacks the name and bytes_alloc fields slabratetop counts")
        }
        let columns = TracepointColumns()
        let nameSlot = columns.slot(name.stringColumn ?? name.column), bytesSlot = columns.slot(bytes.column), pidSlot = columns.slot("pid")
        let reports = intervals(numbers: numbers)
        let buckets = IntervalBuckets(start: rec.effectiveStart, end: rec.effectiveEnd, intervalSeconds: reports?.seconds, count: reports?.count)
        // Keyed by the name's bytes: the live tool keys by the name's address, so two caches of
        // one name (which the tracepoint cannot tell apart) are one row here.
        var stats = Array(repeating: [[UInt8]: Stat](), count: buckets.bucketCount)
        try rec.scanTracepoints([TracepointProbeInput(source: source, columns: columns)]) { hit in
            let b = hit.row.batch, r = hit.row.row
            if let pid, b.ordered[pidSlot][r] != pid { return }
            guard let i = buckets.index(of: hit.time) else { return }
            let key = hit.row.bytes(nameSlot)
            stats[i][key, default: Stat()].count &+= 1
            stats[i][key, default: Stat()].size &+= b.ordered[bytesSlot][r]
        }
        let screen = try TopScreen(rec, tool: Self.toolName, into: &out)
        // print_stat(): the loadavg line, a header, the top rows, a blank line.
        var l = RowLayout.Builder(.row, "slab_allocs_by_cache")
        l.json("interval")
        l.json("time")
        l.add("cache", header: "%-32s ", "CACHE", row: "%-32s ")
        l.add("allocs", header: "%6s ", "ALLOCS", row: "%6lld ")
        l.add("bytes", header: "%10s", "BYTES", row: "%10lld")
        l.literal(header: "\n", row: "\n")
        let layout = l.layout
        let limit = min(rows, Self.rowsLimit)
        for (i, perCache) in stats.enumerated() {
            let named = perCache.map { (name: String(decoding: $0.key.prefix(Self.nameSize), as: UTF8.self), stat: $0.value) }
            // The live tool's qsort comparator returns a u64 difference as an int, which misorders
            // differences of 2^31 or more; the true order is printed. Ties (hash order live) by name.
            let sorted = named.sorted { a, b in
                switch sort {
                case .name:
                    let x = a.name.lowercased(), y = b.name.lowercased()
                    return x != y ? x < y : a.name < b.name
                case .count: return a.stat.count != b.stat.count ? a.stat.count > b.stat.count : a.name < b.name
                case .size: return a.stat.size != b.stat.size ? a.stat.size > b.stat.size : a.name < b.name
                }
            }.prefix(limit)
            let time = buckets.reportTime(of: i)
            screen.begin(rec, at: time, clear: !noclear, into: &out)
            out.header(layout)
            for e in sorted {
                out.row(layout, [Value(i), .time(time), .string(e.name), .int(e.stat.count), .int(e.stat.size)])
            }
            out.text("\n")
        }
    }
}
