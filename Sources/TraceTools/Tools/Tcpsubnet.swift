import ArgumentParser
import Glibc
import TraceAnalysis
import TraceReport

/// bcc tcpsubnet (0.26): per interval, the bytes IPv4 TCP sockets sent to each subnet of a
/// list, each send counted in the first subnet that holds its destination. The live kprobe on
/// tcp_sendmsg (the size asked) cannot attach here; the tcpio family's send rows (`bpfrec
/// record --families tcpio`) hold the bytes each call returned and the socket's remote address.
public struct Tcpsubnet: RecordingTool {
    public static let toolName = "tcpsubnet"
    public static let notes = "from the tcpio family (record with --families tcpio): bytes the sendmsg calls returned, where the live tool counts the size asked of tcp_sendmsg"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Summarize TCP send and aggregate by subnet.",
        discussion: """
        Record with `bpfrec record --families tcpio` (with the other families: --families \
        all), which keeps a row per TCP sendmsg and recvmsg that moved bytes.

        EXAMPLES:
            bpfan tcpsubnet run.trc               # TCP sent to the default subnets:
                                                  # 127.0.0.1/32,10.0.0.0/8,
                                                  # 172.16.0.0/12,192.168.0.0/16,
                                                  # 0.0.0.0/0
            bpfan tcpsubnet -f K run.trc          # the same in KBytes
            bpfan tcpsubnet 10.80.0.0/24 run.trc  # TCP sent to 10.80.0.0/24 only
            bpfan tcpsubnet -J run.trc            # the live tool's JSON lines
        """)
    public static let textPositionals = ["subnets"]

    /// The live tool's -f: bits, Kbits, Mbits, bytes, KBytes, MBytes.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case bits = "b", kbits = "k", mbits = "m", bytes = "B", kbytes = "K", mbytes = "M"
    }

    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "output debug statements (accepted; the live tool's debug lines are about its BPF program)")
    var verbose = false
    @Flag(name: [.customShort("J"), .customLong("json-lines")], help: "format output in JSON: the live tool's -J, one object per interval (its long name --json is bpfan's own JSON output here)")
    var jsonLines = false
    @Option(name: [.customShort("f", allowingJoined: true), .customLong("format")], help: ArgumentHelp("[bkmBKM] format to report: bits, Kbits, Mbits, bytes, KBytes, MBytes", valueName: "FORMAT"))
    var format: Format = .bytes
    @Option(name: [.customShort("i", allowingJoined: true), .customLong("interval")], help: ArgumentHelp("output interval, in seconds", valueName: "INTERVAL"))
    var interval: Int = 1
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("A comma-separated list of subnets (default 127.0.0.1/32,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,0.0.0.0/0), then the recording.", valueName: "[subnets] recording"))
    public var positionals: [String] = []

    public init() {}

    public func validate() throws {
        if interval <= 0 { throw ValidationError("Invalid interval, must be > 0. Exiting.") }
    }

    public var requiredTables: [String] { ["tcp_io"] }

    static let defaultSubnets = "127.0.0.1/32,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,0.0.0.0/0"

    struct Subnet { var text: String; var address: UInt32; var mask: UInt32 }

    /// parse_subnets(), with its messages; addresses and masks in host order.
    static func parse(_ list: String) throws -> [Subnet] {
        // `if args.subnets:` — an empty list categorizes nothing.
        guard !list.isEmpty else { return [] }
        return try list.split(separator: ",", omittingEmptySubsequences: false).map(String.init).map { s in
            let parts = s.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else { throw AnalysisError("Subnet [\(s)] is invalid, please refer to the examples.") }
            var addr = in_addr()
            // socket.inet_aton is the C library's: it takes the short forms (10, 10.1) too.
            guard inet_aton(parts[0], &addr) != 0 else { throw AnalysisError("Invalid net address in subnet [\(s)], please refer to the examples.") }
            guard let bits = Int(parts[1].trimmingCharacters(in: .whitespaces)) else { throw AnalysisError("Invalid mask in subnet [\(s)]. Mask must be an int") }
            guard (0...32).contains(bits) else { throw AnalysisError("Invalid mask in subnet [\(s)]. Must be an int between 0 and 32.") }
            let mask: UInt32 = bits == 0 ? 0 : UInt32.max << (32 - bits)
            return Subnet(text: s, address: UInt32(bigEndian: addr.s_addr), mask: mask)
        }
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let subnets = try Self.parse(texts.first ?? Self.defaultSubnets)
        let buckets = IntervalBuckets(start: rec.effectiveStart, end: rec.effectiveEnd, intervalSeconds: interval, count: nil)
        var sent = Array(repeating: [Int: Int64](), count: buckets.bucketCount)
        try rec.scan(TcpIoRow.self, reading: [\.family, \.daddr, \.bytes, \.direction]) { row in
            guard row.direction == 1, row.family == 2, let i = buckets.index(of: row.ts) else { return }
            let d = row.daddr
            guard d.count >= 4 else { return }
            let dst = UInt32(d[0]) << 24 | UInt32(d[1]) << 16 | UInt32(d[2]) << 8 | UInt32(d[3])
            guard let k = subnets.firstIndex(where: { $0.address & $0.mask == dst & $0.mask }) else { return }
            sent[i][k, default: 0] &+= row.bytes
        }
        var l = RowLayout.Builder(.row, "tcp_sent_by_subnet", header: false)
        l.json("interval")
        l.json("time")
        l.add("subnet", row: "%-21s ")
        l.add("sent", row: "%6d\n", inJSON: false)
        l.json("bytes")
        let layout = l.layout
        if !jsonLines { out.text(printf("Tracing... Output every %d secs. Hit Ctrl-C to end\n", .int(Int64(interval)))) }
        for (i, perSubnet) in sent.enumerated() {
            let time = buckets.reportTime(of: i)
            let date = out.clock?.mdy(time) ?? "??/??/??", clock = rec.hms(time)
            // reversed(sorted(..., key=value)): most bytes first; ties (hash order live) by list order.
            let sorted = perSubnet.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            if jsonLines {
                let entries = sorted.map { "\(Self.pythonJSONString(subnets[$0.key].text)): \(scaled($0.value).json)" }.joined(separator: ", ")
                out.text("{\"date\": \"\(date)\", \"time\": \"\(clock)\", \"entries\": {\(entries)}}\n")
                continue
            }
            out.text("[\(date) \(clock)]\n")
            for (k, bytes) in sorted {
                out.row(layout, [Value(i), .time(time), .string(subnets[k].text), .int(scaled(bytes).truncated), .int(bytes)])
            }
        }
    }

    /// formatFn: bits and bytes stay integers; the K and M forms are Python 3 true divisions,
    /// which "%6d" truncates and json.dumps prints as floats.
    func scaled(_ bytes: Int64) -> (truncated: Int64, json: String) {
        switch format {
        case .bytes: return (bytes, "\(bytes)")
        case .bits: return (bytes &* 8, "\(bytes &* 8)")
        case .kbytes, .mbytes, .kbits, .mbits:
            let numerator = Double(format == .kbytes || format == .mbytes ? bytes : bytes &* 8)
            let v = numerator / (format == .kbytes || format == .kbits ? 1024 : 1_048_576)
            return (Int64(v), Self.pythonFloat(v))
        }
    }

    /// float.__repr__: the shortest round-tripping digits, exponent form below 1e-4 and from
    /// 1e16, which is what Swift's description prints (checked against Python 3.11).
    static func pythonFloat(_ v: Double) -> String { "\(v)" }

    /// json.dumps of a str: ASCII only, with \uXXXX escapes.
    static func pythonJSONString(_ s: String) -> String {
        var out = "\""
        for u in s.utf16 {
            switch u {
            case 0x22: out += "\\\""
            case 0x5c: out += "\\\\"
            case 0x0a: out += "\\n"
            case 0x0d: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0c: out += "\\f"
            case 0x20..<0x7f: out += String(UnicodeScalar(UInt8(u)))
            default:
                let hex = String(u, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return out + "\""
    }
}
