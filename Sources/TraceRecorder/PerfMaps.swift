import Glibc
import TraceFormat

/// perf's convention for JIT runtimes: a process writes `/tmp/perf-<pid>.map`, lines
/// `START SIZE name` (hex), naming the code it generated. The map grows while the process
/// runs, so it is read when the process exits (the proc family's process_exit), or at stop for
/// those still alive, and written as metadata `perf_map/<pid>` (the file's text as read) for
/// every process seen with a user stack.
///
/// bpfrec runs as root and the file sits in a world-writable directory: it is opened with
/// O_NOFOLLOW, must be a regular file owned by the uid the process ran as (perf checks the
/// owner too), and is read up to `sizeLimit`. The host's /tmp is read: a process in another
/// mount namespace keeps its map where bpfrec does not look.
final class PerfMaps {
    static let sizeLimit = 64 << 20
    /// Processes seen with a user stack whose map is not read yet: the uid that owns /proc/<pid>
    /// (the process's effective uid; root for a non-dumpable one, which is the safe side).
    private var pending: [UInt32: uid_t] = [:]
    private let pipeline: ChunkPipeline
    /// Bytes of perf maps written, for the cost figures.
    private(set) var bytesWritten = 0
    private(set) var mapsWritten = 0

    init(pipeline: ChunkPipeline) { self.pipeline = pipeline }

    /// Notes the owner of each process not noted yet, while it is alive (a process already
    /// gone has no owner to check its map against, and is left out).
    func track(pids: [UInt32]) {
        for pid in pids where pid != 0 && pending[pid] == nil {
            var st = stat()
            guard stat("/proc/\(pid)", &st) == 0 else { continue }
            pending[pid] = st.st_uid
        }
    }

    /// Reads the maps of `pids` that exited (and were noted).
    func exited(pids: [UInt32], warn: (String) -> Void) {
        for pid in pids {
            guard let uid = pending.removeValue(forKey: pid) else { continue }
            write(pid: pid, uid: uid, warn: warn)
        }
    }

    /// Reads the maps of every process still noted (at stop).
    func finish(warn: (String) -> Void) {
        for (pid, uid) in pending.sorted(by: { $0.key < $1.key }) { write(pid: pid, uid: uid, warn: warn) }
        pending.removeAll()
    }

    private func write(pid: UInt32, uid: uid_t, warn: (String) -> Void) {
        let path = "/tmp/perf-\(pid).map"
        guard let bytes = Self.read(path: path, owner: uid, warn: warn) else { return }
        bytesWritten += bytes.count
        mapsWritten += 1
        pipeline.metadata(name: MetadataName.perfMapPrefix + String(pid), bytes: bytes)
    }

    /// The file's bytes, or nil when it is absent or fails a check (a warning says which).
    /// Beyond `limit` only whole lines of the first `limit` bytes are kept.
    static func read(path: String, owner: uid_t, limit: Int = sizeLimit, warn: (String) -> Void) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            if errno == ELOOP { warn("bpfrec: warning: \(path) is a symbolic link; not read") }
            return nil
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        guard st.st_mode & S_IFMT == S_IFREG else {
            warn("bpfrec: warning: \(path) is not a regular file; not read")
            return nil
        }
        guard st.st_uid == owner else {
            warn("bpfrec: warning: \(path) is owned by uid \(st.st_uid), its process ran as uid \(owner); not read")
            return nil
        }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        var cut = false
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            if out.count + n > limit {
                out += buf[0..<(limit - out.count)]
                cut = true
                break
            }
            out += buf[0..<n]
        }
        if cut {
            if let nl = out.lastIndex(of: 0x0a) { out.removeSubrange((nl + 1)...) } else { out.removeAll() }
            warn("bpfrec: warning: \(path) is larger than \(limit >> 20) MB; only its first \(out.count) bytes are recorded")
        }
        return out
    }
}
