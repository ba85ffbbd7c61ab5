import TraceAnalysis

/// Syscalls the snoop tools select, by the names a recording may list and their x86_64 numbers.
enum Syscalls {
    static let open = (["open"], [2])
    static let openat = (["openat"], [257])
    static let kill = (["kill"], [62])
    static let tkill = (["tkill"], [200])
    static let tgkill = (["tgkill"], [234])
    static let statfs = (["statfs"], [137])
    static let newstat = (["stat", "newstat"], [4])
    static let newlstat = (["lstat", "newlstat"], [6])
    static let statx = (["statx"], [332])
    static let newfstatat = (["newfstatat", "fstatat"], [262])
    static let nanosleep = (["nanosleep"], [35])
    static let sync = (["sync"], [162])
    static let shmget = (["shmget"], [29])
    static let shmat = (["shmat"], [30])
    static let shmctl = (["shmctl"], [31])
    static let shmdt = (["shmdt"], [67])
    static let listen = (["listen"], [50])
    static let bind = (["bind"], [49])
}

extension Recording {
    func ids(_ calls: ([String], [Int])...) -> Set<Int64> {
        calls.reduce(into: Set<Int64>()) { $0.formUnion(syscallIDs(named: $1.0, x86_64: $1.1)) }
    }

    /// `HH:MM:SS` of a monotonic instant on the recording host's wall clock (strftime %H:%M:%S).
    func hms(_ ts: Int64) -> String { clock?.hms(ofMonotonic: ts) ?? "??:??:??" }

    /// The end of a live tool's `-d DURATION` run started with the recording (or at --from).
    func durationEnd(_ seconds: Int?) -> Int64 {
        guard let seconds else { return Int64.max }
        return effectiveStart + Int64(seconds) * 1_000_000_000
    }
}

extension Recording {
    /// Whether bpfrec ran with `-p`: then cpu_sample holds only those processes, no idle CPUs.
    var recordedForSomePIDs: Bool {
        (info?.commandLine ?? []).contains { $0 == "-p" || $0 == "--pid" || $0.hasPrefix("--pid=") || ($0.hasPrefix("-p") && Int($0.dropFirst(2)) != nil) }
    }
}
