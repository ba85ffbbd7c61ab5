import CBPFPrograms
import Foundation
import Glibc
import TraceFormat

/// `bpfrec record -o F -- CMD ARGS`: the command, forked before the recording starts and held
/// before its exec until every probe is attached, so that its pid is in the -p filter (and the
/// process snapshot) before it runs, and its exec is the first thing recorded of it.
public final class LaunchedCommand {
    let argv: [String]
    let pid: pid_t
    private var gateFD: Int32
    private var errorFD: Int32
    private var released = false
    /// The wait status once reaped.
    private(set) var waitStatus: Int32?

    /// Forks the held child. Fails (before anything is recorded) when it cannot fork.
    init(_ argv: [String]) throws(RecorderError) {
        self.argv = argv
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for a in cargs { free(a) } }
        var gate: Int32 = -1, error: Int32 = -1
        let rc = bpfrec_spawn_held(&cargs, &gate, &error)
        guard rc > 0 else { throw RecorderError("-- \(argv[0]): cannot fork: \(String(cString: strerror(-rc)))") }
        pid = rc
        gateFD = gate
        errorFD = error
    }

    /// The command as the user typed it, for messages.
    var text: String { RecordingInfo.shellWords(argv) }

    /// Lets the command exec. nil when it runs, else why it could not start (it then exits
    /// 127 or 126, which `poll` sees).
    func release() -> String? {
        guard !released else { return nil }
        released = true
        let e = bpfrec_release_command(gateFD, errorFD)
        return e == 0 ? nil : "cannot run \(argv[0]): \(String(cString: strerror(e)))"
    }

    /// True once the command has exited (reaped without blocking).
    func poll() -> Bool {
        if waitStatus != nil { return true }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid { waitStatus = status }
        return waitStatus != nil
    }

    func signal(_ sig: Int32) {
        if waitStatus == nil { kill(pid, sig) }
    }

    /// Waits for the exit.
    func wait() {
        while waitStatus == nil {
            var status: Int32 = 0
            let r = waitpid(pid, &status, 0)
            if r == pid { waitStatus = status } else if r < 0 && errno != EINTR { waitStatus = 0; return }
        }
    }

    /// The recording failed before the command ran: it exits without running (127), and is
    /// reaped. Once released, it is asked to stop (SIGTERM) and waited for.
    func abandon() {
        if !released {
            released = true
            close(gateFD)
            close(errorFD)
        } else {
            signal(SIGTERM)
        }
        wait()
    }

    /// The shell's convention: the exit status, or 128 + the signal that killed it.
    var exitCode: Int32? {
        guard let s = waitStatus else { return nil }
        let sig = s & 0x7f
        return sig == 0 ? (s >> 8) & 0xff : 128 + sig
    }

    /// "exited with status 3", "killed by signal 9 (Killed)".
    var outcome: String {
        guard let s = waitStatus else { return "still running" }
        let sig = s & 0x7f
        return sig == 0 ? "exited with status \((s >> 8) & 0xff)" : "killed by signal \(sig) (\(String(cString: strsignal(sig))))"
    }

    /// Where `name` would be found in PATH (as execvp searches), or nil.
    public static func resolve(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        for dir in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + name
            var st = stat()
            if stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
