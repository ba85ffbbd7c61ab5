import ArgumentParser
import TraceAnalysis
import TraceReport

/// libbpf-tools solisten: listen() on TCP sockets, as fexit/inet_listen sees it: the backlog
/// after the syscall clamps it to net.core.somaxconn, the return value, and the bound address.
/// The listen call comes from syscall_detail; the socket's family, address and port from the
/// CLOSE → LISTEN change it made in tcp_state.
public struct Solisten: RecordingTool {
    public static let toolName = "solisten"
    public static let notes = "only listen() calls that put a TCP socket in LISTEN: failing calls and re-listens (no state change) are counted on stderr, not shown; backlog clamped at the default somaxconn 4096"
    public static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Trace listen syscalls.",
        discussion: """
        A listen() that fails or re-listens on a socket already listening changes no TCP state, so \
        the recording cannot say what socket it was; those calls are counted on stderr. The backlog \
        is clamped at 4096, the kernel's default net.core.somaxconn (the recording does not hold \
        the host's setting).

        EXAMPLES:
            bpfan solisten run.trc           # trace listen syscalls
            bpfan solisten -p 1216 run.trc   # only trace PID 1216
            bpfan solisten -t run.trc        # include timestamps
        """)

    @Option(name: [.customShort("p", allowingJoined: true), .customLong("pid")], help: ArgumentHelp("Process ID to trace", valueName: "PID"))
    var pid: Int64?
    @Flag(name: [.customShort("t"), .customLong("timestamp")], help: "Include timestamp on output")
    var timestamp = false
    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Verbose debug output (no effect)")
    var verbose = false
    @OptionGroup public var common: CommonOptions
    @Argument(help: ArgumentHelp("The recording.", valueName: "recording"))
    public var positionals: [String] = []

    public init() {}

    public var requiredTables: [String] { ["syscall_detail", "tcp_state"] }

    /// __sys_listen: `if ((unsigned int)backlog > somaxconn) backlog = somaxconn`.
    static func clamped(_ backlog: UInt64, somaxconn: UInt32 = 4096) -> Int64 {
        let b = UInt32(truncatingIfNeeded: backlog)
        return Int64(Int32(bitPattern: b > somaxconn ? somaxconn : b))
    }

    public func render(_ rec: Recording, numbers: [Int], into out: inout ToolOutput) throws {
        let calls = try rec.syscallDetails(ids: rec.ids(Syscalls.listen))
        // The LISTEN changes by thread, in time order, to find the one inside each call.
        var listens: [Int64: [TcpStateChange]] = [:]
        try rec.scanBatches(TcpStateRow.self, reading: TcpStateChange.reading) { b in
            let newState = b[\TcpStateRow.newState]
            for r in 0..<b.count where newState[r] == Int64(TcpState.listen) {
                let e = TcpStateChange(TcpStateRow(batch: b, row: r))
                listens[e.tid, default: []].append(e)
            }
        }
        var b = RowLayout.Builder(.event, "listen")
        b.add("time", .hms, header: "%-8s ", "TIME(s)", row: "%8s ", shown: timestamp)
        b.add("pid", header: "%-7s ", "PID", row: "%-7d ")
        b.add("comm", header: "%-16s ", "COMM", row: "%-16s ")
        b.add("ret", header: "%-3s ", "RET", row: "%-3d ")
        b.add("backlog", header: "%-7s ", "BACKLOG", row: "%-7d ")
        b.add("proto", header: "%-5s ", "PROTO", row: "%-5s ")
        b.add("port", header: "%-5s ", "PORT", row: "%-5d ")
        b.add("addr", header: "%-32s", "ADDR", row: "%-32s")
        b.literal(header: "\n", row: "\n")
        let layout = b.layout
        out.header(layout)
        var unseen = 0, clamped = 0
        for c in calls {
            if let pid, c.pid != pid { continue }
            guard let change = listens[c.tid]?.first(where: { $0.ts >= c.ts && $0.ts <= c.exitTime }) else {
                unseen += 1
                continue
            }
            let v6 = change.family == InetAddress.inet6
            let backlog = Self.clamped(c.args[1])
            if backlog != Int64(Int32(truncatingIfNeeded: c.args[1])) { clamped += 1 }
            out.row(layout, [.time(c.exitTime), .int(c.pid), .string(c.comm), .int(c.ret), .int(backlog),
                             .string(v6 ? "TCPv6" : "TCPv4"), .int(Int64(change.sport)), .string(change.localAddress)])
        }
        if clamped > 0 {
            out.warn("bpfan solisten: \(clamped) backlogs beyond 4096 (compared unsigned, so negative ones too) printed as 4096, the kernel's default net.core.somaxconn: the recording does not hold the host's setting")
        }
        if unseen > 0 {
            out.warn("bpfan solisten: \(unseen) listen() calls made no TCP socket listen (they failed, re-listened on a listening socket, or were not on a TCP socket); the recording cannot name their socket, so they are not shown")
        }
    }
}
