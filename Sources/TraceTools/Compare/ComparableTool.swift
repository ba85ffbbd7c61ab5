import TraceAnalysis

/// A tool whose output `bpfan compare` can test: it declares how one recording gives it keyed
/// samples (per key, the per-event values and the events' times), under the tool's own flags.
/// A new tool joins compare with one such file and its line in `ComparableTools.all`.
public protocol ComparableTool: RecordingTool {
    /// What the per-event values are ("block I/O latency"); nil when the tool counts events.
    var measured: String? { get }
    /// Whether rates decide verdicts by default (syscount: counts are what it measures); the
    /// latency tools' rates are reported, and tested only when a threshold asks.
    var ratesDecide: Bool { get }
    /// The key's heading in the report (`disk`, `pid`, `syscall`; `all` for a single key).
    var keyHeading: String { get }
    /// Per key, the samples of the windowed recording, the window cut in `bins` equal parts,
    /// with the keys named as the report shows them and the two recordings are matched by.
    func samples(_ rec: Recording, bins: Int) throws -> NamedSamples
    /// For a stack profile, what a stack's weight is ("off-CPU time", "samples") and its unit
    /// per second of recording ("us/s"): its keys are folded stacks, its counts weights, and
    /// compare reports the stacks that appeared, disappeared, grew and shrank. Nil otherwise.
    var stackWeight: (name: String, unit: String)? { get }
    /// Whether words after the tool's flags are its own (bt's FILE.bt and $1...), not a
    /// misplaced recording or interval.
    static var takesArguments: Bool { get }
}

extension ComparableTool {
    public var stackWeight: (name: String, unit: String)? { nil }
    public static var takesArguments: Bool { false }
}

public enum ComparableTools {
    /// The tools compare knows, by the name the user types.
    public static let all: [any ComparableTool.Type] = [Biolatency.self, Bt.self, Cpudist.self, Hardirqs.self, Offcputime.self, Profile.self, Runqlat.self, Softirqs.self, Syscount.self, Tcplife.self]

    public static func named(_ name: String) -> (any ComparableTool.Type)? { all.first { $0.toolName == name } }

    public static var names: [String] { all.map { $0.toolName } }

    /// What `bpfan compare BASE NEW` runs without a tool: each of these whose tables both
    /// recordings hold, so every family compare's tools read is covered (tcp by tcplife,
    /// stacks by offcputime and profile).
    public static let suite: [(tool: String, arguments: [String])] = [
        ("biolatency", ["-D"]), ("runqlat", []), ("cpudist", []), ("syscount", ["-L"]), ("hardirqs", []), ("softirqs", []),
        ("tcplife", []), ("offcputime", []), ("profile", []),
    ]
}
