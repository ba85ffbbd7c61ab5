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
    static let shmget = (["shmget"], [29])
    static let shmat = (["shmat"], [30])
    static let shmctl = (["shmctl"], [31])
    static let shmdt = (["shmdt"], [67])
    static let listen = (["listen"], [50])
    static let accept = (["accept"], [43])
    static let accept4 = (["accept4"], [288])
    static let sync = (["sync"], [162])
    static let fsync = (["fsync"], [74])
    static let fdatasync = (["fdatasync"], [75])
    static let msync = (["msync"], [26])
    static let syncFileRange = (["sync_file_range"], [277])
    static let syncfs = (["syncfs"], [306])
    static let read = (["read"], [0])
    static let pread64 = (["pread64"], [17])
    static let write = (["write"], [1])
    static let pwrite64 = (["pwrite64"], [18])
    static let openat2 = (["openat2"], [437])
    static let creat = (["creat"], [85])
    static let mknod = (["mknod"], [133])
    static let mknodat = (["mknodat"], [259])
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
    /// Whether the proc family gave the tasks' uids (process_snapshot or process_exec rows).
    var recordsTaskUIDs: Bool { missingTables(["process_snapshot", "process_exec"]).count < 2 }
}
