import Foundation

/// Names of the metadata blobs a recording carries beside its event tables. A reader ignores
/// names it does not know.
public enum MetadataName {
    /// JSON `HostInfo`.
    public static let host = "host"
    /// JSON `ClockAnchors`.
    public static let clock = "clock"
    /// JSON `RecordingInfo`.
    public static let recording = "recording"
    /// Text of /proc/kallsyms text symbols (`address type name [module]` lines).
    public static let kernelSymbols = "kallsyms"
    /// Text of the `[bpf]` lines of /proc/kallsyms seen after bpfrec attached and at stop (the
    /// recorder's own programs and any loaded while it ran), in the `kallsyms` line format;
    /// read together with `kallsyms` (stacks family, or --stack-events with kernel stacks).
    public static let bpfSymbols = "kallsyms_bpf"
    /// JSON `{ "nr": "name" }` of this architecture's syscalls.
    public static let syscallNames = "syscall_names"
    /// JSON `[{ "dev": major<<20|minor, "name": "vda" }]`.
    public static let blockDevices = "block_devices"
    /// Text of /proc/self/mountinfo.
    public static let mounts = "mounts"
    /// JSON `{ "SUBSYS:EVENT": "the tracefs format text" }` of the tracepoints recorded with -e.
    public static let tracepointFormats = "tracepoint_formats"
    /// The same for every tracepoint of the recording host (the tracefs catalog, for tplist),
    /// in recordings made with -e.
    public static let tracepointCatalog = "tracepoint_catalog"
    /// Prefix of per-binary symbol tables: `elf_symbols/<build-id hex>`.
    public static let elfSymbolsPrefix = "elf_symbols/"
    /// Prefix of JIT symbol maps: `perf_map/<pid>`, the text of the process's
    /// /tmp/perf-<pid>.map (`START SIZE name` lines, hex) read when it exited or at stop.
    public static let perfMapPrefix = "perf_map/"
}

/// The machine a recording was made on.
public struct HostInfo: Codable, Sendable, Equatable {
    public var hostname: String
    public var kernelRelease: String
    public var machine: String
    public var cpuCount: Int
    public var pageSize: Int
    public var bootID: String?
    /// RAM and swap in pages (/proc/meminfo's MemTotal and SwapTotal at the start): the
    /// totalpages of a system-wide OOM, which oomkill prints. Absent from older recordings.
    public var memoryPages: Int64?
    public var swapPages: Int64?

    public init(hostname: String, kernelRelease: String, machine: String, cpuCount: Int, pageSize: Int, bootID: String? = nil,
                memoryPages: Int64? = nil, swapPages: Int64? = nil) {
        self.hostname = hostname
        self.kernelRelease = kernelRelease
        self.machine = machine
        self.cpuCount = cpuCount
        self.pageSize = pageSize
        self.bootID = bootID
        self.memoryPages = memoryPages
        self.swapPages = swapPages
    }
}

/// The same instant read on three clocks, so that event times (CLOCK_MONOTONIC) can be printed
/// as wall-clock time and related to boot time. Taken at start and again at stop.
public struct ClockAnchors: Codable, Sendable, Equatable {
    public struct Anchor: Codable, Sendable, Equatable {
        public var monotonic: Int64
        public var realtime: Int64
        public var boottime: Int64
        public init(monotonic: Int64, realtime: Int64, boottime: Int64) {
            self.monotonic = monotonic
            self.realtime = realtime
            self.boottime = boottime
        }
    }
    public var start: Anchor
    public var stop: Anchor?
    /// Minutes east of UTC of the recording host's local time zone at start, for `-T` columns.
    public var utcOffsetSeconds: Int?

    public init(start: Anchor, stop: Anchor? = nil, utcOffsetSeconds: Int? = nil) {
        self.start = start
        self.stop = stop
        self.utcOffsetSeconds = utcOffsetSeconds
    }

    /// Wall-clock nanoseconds since the epoch for a CLOCK_MONOTONIC timestamp.
    public func realtime(ofMonotonic t: Int64) -> Int64 { t - start.monotonic + start.realtime }
}

/// What the recorder was asked to do and when it ran.
public struct RecordingInfo: Codable, Sendable, Equatable {
    public var tool: String
    public var version: String
    public var commandLine: [String]
    public var families: [String]
    /// CLOCK_MONOTONIC time the probes were attached and detached.
    public var startTime: Int64
    public var stopTime: Int64?
    /// cpu_sample's rate per CPU (--stack-freq), when the stacks family ran; older recordings
    /// leave it out and name it only in `commandLine`.
    public var stackFrequency: Int?
    /// The tgids the recording was limited to (`-p`, and the command `bpfrec record -- CMD`
    /// ran), whose descendants were followed; nil or empty: every process. Older recordings
    /// leave it out and name it only in `commandLine`.
    public var pids: [UInt32]?
    /// The command bpfrec ran and recorded (`bpfrec record -o F -- CMD ARGS`).
    public var command: [String]?
    /// The pid the command ran as (one of `pids` unless recorded system-wide with -a).
    public var commandPid: UInt32?
    /// The cgroup v2 directory process-context events were limited to (`--cgroup`).
    public var cgroup: String?
    /// Which switch-outs have off-CPU stacks (offcpu_stack rows): "blocked" (tasks leaving in
    /// a sleeping state) or "all" (`--offcpu-stacks all`: every switch-out). Older
    /// recordings leave it out: "blocked".
    public var offCPUStacks: String?
    /// Why the recording ended when it was not a signal or -d: "command exited",
    /// "max-size 1048576 bytes".
    public var stopReason: String?

    public init(tool: String, version: String, commandLine: [String], families: [String], startTime: Int64, stopTime: Int64? = nil,
                stackFrequency: Int? = nil, pids: [UInt32]? = nil, command: [String]? = nil, cgroup: String? = nil) {
        self.tool = tool
        self.version = version
        self.commandLine = commandLine
        self.families = families
        self.startTime = startTime
        self.stopTime = stopTime
        self.stackFrequency = stackFrequency
        self.pids = pids
        self.command = command
        self.cgroup = cgroup
    }

    /// The cpu_sample rate: the recorded field, else `--stack-freq` on the command line, else
    /// bpfrec's default of 49 Hz.
    public var sampleFrequency: Int {
        if let stackFrequency { return stackFrequency }
        for (i, a) in commandLine.enumerated() {
            if a == "--stack-freq", i + 1 < commandLine.count, let v = Int(commandLine[i + 1]) { return v }
            if a.hasPrefix("--stack-freq="), let v = Int(a.dropFirst("--stack-freq=".count)) { return v }
        }
        return 49
    }

    /// The -p tgids: the recorded field, else those `-p`/`--pid` name on the command line.
    public var selectedPids: [UInt32] {
        if let pids { return pids }
        var out: [UInt32] = []
        var i = 1
        while i < commandLine.count {
            let a = commandLine[i]
            if a == "--" { break }
            if (a == "-p" || a == "--pid"), i + 1 < commandLine.count, let v = UInt32(commandLine[i + 1]) {
                out.append(v)
                i += 1
            } else if a.hasPrefix("--pid="), let v = UInt32(a.dropFirst(6)) {
                out.append(v)
            } else if a.hasPrefix("-p"), !a.hasPrefix("--"), let v = UInt32(a.dropFirst(2)) {
                out.append(v)
            }
            i += 1
        }
        return out
    }

    /// argv as a shell would take it back: words with spaces or shell characters in single
    /// quotes (`sh -c 'exit 3'`).
    public static func shellWords(_ argv: [String]) -> String {
        argv.map { w in
            let plain = !w.isEmpty && w.unicodeScalars.allSatisfy { c in
                CharacterSet.alphanumerics.contains(c) || "-_./=:,+@%".unicodeScalars.contains(c)
            }
            return plain ? w : "'" + w.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }

    /// The --cgroup directory: the recorded field, else the command line's.
    public var selectedCgroup: String? {
        if let cgroup { return cgroup }
        for (i, a) in commandLine.enumerated() {
            if a == "--" { break }
            if a == "--cgroup", i + 1 < commandLine.count { return commandLine[i + 1] }
            if a.hasPrefix("--cgroup=") { return String(a.dropFirst("--cgroup=".count)) }
        }
        return nil
    }

    /// What the recording was limited to, for the note tools print ("PID 8099 and its
    /// descendants"), or nil when it recorded every process.
    public var scope: String? {
        var parts: [String] = []
        let pids = selectedPids
        if let command, !command.isEmpty, let pid = commandPid ?? pids.last, pids.contains(pid) {
            let others = pids.filter { $0 != pid }.map(String.init)
            parts.append("`\(Self.shellWords(command))` (PID \(pid))\(others.isEmpty ? "" : ", PID " + others.joined(separator: ", ")) and descendants")
        } else if !pids.isEmpty {
            parts.append("PID\(pids.count > 1 ? "s" : "") \(pids.map(String.init).joined(separator: ", ")) and descendants")
        }
        if let c = selectedCgroup { parts.append("cgroup \(c)") }
        return parts.isEmpty ? nil : parts.joined(separator: ", in ")
    }
}
