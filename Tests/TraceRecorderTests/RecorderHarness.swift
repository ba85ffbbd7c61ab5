import CBPFPrograms
import Foundation
import Glibc
import TraceFormat

import Testing
import TraceTestSupport

extension Trait where Self == ConditionTrait {
    /// Root tests load real BPF programs: without root, kernel BTF or a built bpfrec they are
    /// skipped, and the test runner lists them as skipped with the reason (never as passed).
    static var needsRecorder: Self {
        .enabled(if: Harness.skipReason() == nil, Comment(rawValue: Harness.skipReason() ?? "root, kernel BTF and a built bpfrec are here"))
    }
}

/// Runs the built `bpfrec` binary as a subprocess. The recorder filters its own tgid, so the
/// test process itself is the workload whose known facts are checked in the recording.
enum Harness {
    /// Why root tests cannot run here, or nil when they can.
    static func skipReason() -> String? {
        if geteuid() != 0 { return "not root (the recorder needs CAP_BPF and CAP_PERFMON)" }
        if !FileManager.default.fileExists(atPath: "/sys/kernel/btf/vmlinux") { return "no kernel BTF (/sys/kernel/btf/vmlinux)" }
        if binary == nil { return "bpfrec binary not found next to the test bundle (swift build first)" }
        return nil
    }

    /// The recorder under test: $BPFREC_TEST_BINARY when set (to run these tests against
    /// another build, e.g. to check that a test fails on the code before a fix), else the
    /// `bpfrec` built next to the test bundle.
    static let binary: String? = {
        if let b = ProcessInfo.processInfo.environment["BPFREC_TEST_BINARY"], !b.isEmpty {
            return FileManager.default.isExecutableFile(atPath: b) ? b : nil
        }
        return builtBinary("bpfrec")
    }()

    /// A product of this package built next to the test bundle (bpfrec, bpfan).
    static func builtBinary(_ name: String) -> String? { TraceTestSupport.builtBinary(name) }

    static func tempPath(_ name: String) -> String {
        "/tmp/bpfrec-test-\(getpid())-\(name)-\(UInt32.random(in: 0...UInt32.max)).trc"
    }
}

/// A running recorder.
final class RecorderRun {
    let process = Process()
    private let errPipe = Pipe()
    private var errText = ""
    let path: String

    /// `launcher`: a command that runs bpfrec (its path and arguments follow), e.g. unshare.
    init(path: String, arguments: [String], launcher: [String] = []) throws {
        self.path = path
        let argv = launcher + [Harness.binary!, "record", "-o", path] + arguments
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.standardError = errPipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// A test that fails before `stop` (a #require) must not leave the recorder running: it
    /// would keep its programs on the tracepoints beside every later test (seen: two orphaned
    /// recorders recording for half an hour).
    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Reads stderr until the recorder says it is recording (every probe attached).
    func waitReady(timeout: Double = 60) -> Bool {
        let fd = errPipe.fileHandleForReading.fileDescriptor
        let deadline = Date().addingTimeInterval(timeout)
        var buf = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, 200) > 0 {
                let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { return false }
                errText += String(decoding: buf[0..<n], as: UTF8.self)
                if errText.contains("bpfrec: recording") { return true }
            }
            if !process.isRunning && !errText.contains("bpfrec: recording") { return false }
        }
        return false
    }

    /// Sends `signal`, waits for the exit and returns (status, stderr).
    func stop(signal: Int32 = SIGINT, timeout: Double = 60) -> (status: Int32, stderr: String) {
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            errText += "\n(test harness: recorder did not stop within \(Int(timeout)) s; killed)"
        }
        process.waitUntilExit()
        errText += String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, errText)
    }

    func remove() { unlink(path) }
}

/// A table of a recording read back whole: columns by name.
struct Rows {
    var count = 0
    var ints: [String: [Int64]] = [:]
    var blobs: [String: [[UInt8]]] = [:]

    init(_ file: TraceFile, _ table: String) throws {
        for chunk in file.chunks(ofTable: table) {
            let cols = try file.read(chunk)
            for (name, data) in cols {
                switch data {
                case .ints(let v): ints[name, default: []].append(contentsOf: v)
                case .blobs(let b): blobs[name, default: []].append(contentsOf: b.codes.map { b.dictionary[Int($0)] })
                }
            }
            count += chunk.rowCount
        }
    }

    func int(_ col: String, _ row: Int) -> Int64 { ints[col]![row] }
    func string(_ col: String, _ row: Int) -> String { String(decoding: blobs[col]![row], as: UTF8.self) }
    func bytes(_ col: String, _ row: Int) -> [UInt8] { blobs[col]![row] }

    /// Indices of rows whose integer column equals `value`.
    func rows(where col: String, is value: Int64) -> [Int] {
        guard let v = ints[col] else { return [] }
        return v.indices.filter { v[$0] == value }
    }
}

func gettidNow() -> Int32 { bpfrec_gettid() }

/// posix_spawn of `path` with `argv` (and `fileActions` when given); returns the child pid and
/// posix_spawn's result.
func spawn(_ path: String, _ argv: [String], fileActions: UnsafePointer<posix_spawn_file_actions_t>? = nil) -> (pid: pid_t, rc: Int32) {
    var pid: pid_t = 0
    var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for a in cargs { free(a) } }
    // The test runner's threads block signals; children get an empty mask and default actions
    // so that a signal sent to them has its ordinary effect.
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var none = sigset_t()
    sigemptyset(&none)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attr, &none)
    posix_spawnattr_setsigdefault(&attr, &all)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let rc = posix_spawn(&pid, path, fileActions, &attr, &cargs, environ)
    return (pid, rc)
}

func waitStatus(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return status
}
