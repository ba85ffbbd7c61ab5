import Foundation
import Glibc

// Pieces of the differential test (DifferentialTests.swift): processes whose output goes to
// files, and tolerant parsers and comparators of the live tools' and bpfan's text output.

/// A process started with posix_spawn, stdin from /dev/null, stdout and stderr into files.
final class SpawnedProcess {
    let argv: [String]
    let pid: pid_t
    let outPath: String
    let errPath: String
    private(set) var status: Int32?

    init(_ argv: [String], out: String, err: String) throws {
        self.argv = argv
        outPath = out
        errPath = err
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let (child, rc) = spawn(argv[0], argv, fileActions: &fa)
        guard rc == 0 else { throw SpawnError(message: "posix_spawn \(argv[0]): \(String(cString: strerror(rc)))") }
        pid = child
    }

    struct SpawnError: Error, CustomStringConvertible { let message: String; var description: String { message } }

    /// A live tool left running by a failed test is killed and reaped, not orphaned.
    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            var st: Int32 = 0
            _ = waitpid(pid, &st, 0)
        }
    }

    /// Reaps the process if it has exited; true while it runs.
    var isRunning: Bool {
        if status != nil { return false }
        var st: Int32 = 0
        let r = waitpid(pid, &st, WNOHANG)
        if r == pid { status = st; return false }
        return r == 0
    }

    /// Waits for the exit (SIGKILL after `timeout` seconds, `beforeKill` first); the wait status.
    @discardableResult
    func wait(timeout: Double = 60, beforeKill: () -> Void = {}) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning {
            if Date() > deadline {
                beforeKill()
                kill(pid, SIGKILL)
                var st: Int32 = 0
                while waitpid(pid, &st, 0) < 0 && errno == EINTR {}
                status = st
                break
            }
            usleep(10_000)
        }
        return status ?? -1
    }

    /// Whether its main thread sleeps in epoll_wait (a poll loop, not printing).
    var waitsInEpoll: Bool { (readWhole("/proc/\(pid)/wchan") ?? "").contains("epoll") }

    /// What a process that does not exit is doing: its signal masks and each thread's state,
    /// wait channel and kernel stack, on one line each.
    var stuckState: String {
        let status = (readWhole("/proc/\(pid)/status") ?? "").split(separator: "\n").filter { l in
            ["State:", "SigPnd:", "ShdPnd:", "SigBlk:", "SigIgn:", "SigCgt:", "Threads:"].contains { l.hasPrefix($0) }
        }.map { $0.replacingOccurrences(of: "\t", with: " ") }.joined(separator: ", ")
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task"))?.sorted() ?? []
        let threads = tasks.map { t -> String in
            let dir = "/proc/\(pid)/task/\(t)"
            let comm = (readWhole(dir + "/comm") ?? "").trimmingCharacters(in: .newlines)
            let stack = (readWhole(dir + "/stack") ?? "").split(separator: "\n").prefix(6).map { $0.split(separator: " ").last.map(String.init) ?? "" }
            return "\(t) \(comm) wchan=\(readWhole(dir + "/wchan") ?? "?") stack=\(stack.joined(separator: "<"))"
        }
        return "pid \(pid): \(status); threads: \(threads.joined(separator: " | "))"
    }

    /// SIGINT (how the live tools are stopped: they print their maps on it), then wait.
    @discardableResult
    func interrupt(timeout: Double = 30) -> Int32 {
        if isRunning { kill(pid, SIGINT) }
        return wait(timeout: timeout)
    }

    var output: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
    var errors: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

    /// How many bpf_link file descriptors the process holds (attached programs).
    var bpfLinks: Int {
        let dir = "/proc/\(pid)/fd"
        guard let fds = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return 0 }
        return fds.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(dir)/\($0)")) == "anon_inode:bpf_link" }.count
    }
}

// MARK: - Rows

/// A text row split into `fields` whitespace-separated fields, the last holding the rest of
/// the line (trailing blanks cut), so paths and argv stay whole.
func splitRow(_ line: Substring, fields: Int) -> [String] {
    var out: [String] = []
    var rest = line.drop(while: { $0 == " " || $0 == "\t" })
    while out.count < fields - 1, !rest.isEmpty {
        let word = rest.prefix(while: { $0 != " " && $0 != "\t" })
        out.append(String(word))
        rest = rest.dropFirst(word.count).drop(while: { $0 == " " || $0 == "\t" })
    }
    let last = rest.reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed()
    if !last.isEmpty || out.count == fields - 1 { out.append(String(last)) }
    return out
}

func rows(_ text: String, fields: Int) -> [[String]] {
    text.split(separator: "\n").map { splitRow($0, fields: fields) }.filter { $0.count == fields }
}

/// Multiset difference of two lists of rows: (only in a, only in b), each in its first order.
func multisetDiff(_ a: [[String]], _ b: [[String]]) -> (onlyA: [[String]], onlyB: [[String]]) {
    var counts: [[String]: Int] = [:]
    for r in b { counts[r, default: 0] += 1 }
    var onlyA: [[String]] = []
    for r in a {
        if let c = counts[r], c > 0 { counts[r] = c - 1 } else { onlyA.append(r) }
    }
    var left = counts
    var onlyB: [[String]] = []
    for r in b where (left[r] ?? 0) > 0 {
        left[r]! -= 1
        onlyB.append(r)
    }
    return (onlyA, onlyB)
}

// MARK: - Histograms

/// bcc/libbpf-tools log2 histograms ("  4 -> 7  : 12  |****|"), by section label (the last
/// "name = value" line before the histogram, "" when none), as bucket index -> count.
func bccHistograms(_ text: String) -> [String: [Int: Int]] {
    var out: [String: [Int: Int]] = [:]
    var label = ""
    for line in text.split(separator: "\n") {
        let parts = line.split(separator: ":", maxSplits: 1)
        if parts.count == 2, parts[0].contains("->") {
            let bounds = parts[0].split(separator: "-").compactMap { Int($0.trimmingCharacters(in: CharacterSet(charactersIn: " >"))) }
            let count = Int(parts[1].split(separator: "|").first?.trimmingCharacters(in: .whitespaces) ?? "")
            if bounds.count == 2, let count {
                let low = bounds[0]
                let index = low <= 0 ? 0 : Int(log2(Double(low)).rounded())
                out[label, default: [:]][index, default: 0] += count
            }
        } else if line.contains(" = ") {
            label = line.trimmingCharacters(in: .whitespaces)
        }
    }
    return out
}

/// bpftrace hist() maps: "@[key]:" then "[4K, 8K)   200 |@@@|" lines, by "@[key]", bucket
/// text -> count.
func bpftraceHistograms(_ text: String) -> [String: [String: Int]] {
    var out: [String: [String: Int]] = [:]
    var label = ""
    for line in text.split(separator: "\n") {
        if line.hasPrefix("@") {
            label = String(line.split(separator: ":").first ?? "")
            continue
        }
        guard line.hasPrefix("["), let close = line.firstIndex(where: { $0 == ")" || $0 == "]" }) else { continue }
        let bucket = String(line[...close])
        if let n = Int(line[line.index(after: close)...].split(separator: "|").first?.trimmingCharacters(in: .whitespaces) ?? "") {
            out[label, default: [:]][bucket] = n
        }
    }
    return out
}

func total(_ h: [Int: Int]) -> Int { h.values.reduce(0, +) }

func render(_ h: [Int: Int]) -> String {
    h.keys.sorted().filter { h[$0]! > 0 }.map { "[\($0 == 0 ? 0 : 1 << $0)]=\(h[$0]!)" }.joined(separator: " ")
}

// MARK: - Counts and stacks

/// "NAME COUNT [more]" rows of syscount: name -> numbers.
func syscountTable(_ text: String, columns: Int) -> [String: [Double]] {
    var out: [String: [Double]] = [:]
    for line in text.split(separator: "\n") {
        let f = line.split(separator: " ", omittingEmptySubsequences: true)
        guard f.count == columns else { continue }
        let nums = f.dropFirst().compactMap { Double($0) }
        if nums.count == columns - 1 { out[String(f[0])] = nums }
    }
    return out
}

/// offcputime's folded-by-block output: each stack's frames (innermost first), the task line and
/// the microseconds. Returns (frames, task, us) per stack.
func offcpuStacks(_ text: String) -> [(frames: [String], task: String, us: Int)] {
    var out: [(frames: [String], task: String, us: Int)] = []
    for block in text.components(separatedBy: "\n\n") {
        let lines = block.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.count >= 2, let us = Int(lines[lines.count - 1]), lines[lines.count - 2].hasPrefix("-") else { continue }
        out.append((Array(lines.dropLast(2)), lines[lines.count - 2], us))
    }
    return out
}

extension Array {
    /// The elements that satisfy `belongs`, then the others, each in order.
    func partitioned(by belongs: (Element) -> Bool) -> (matching: [Element], rest: [Element]) {
        var matching: [Element] = [], rest: [Element] = []
        for e in self { if belongs(e) { matching.append(e) } else { rest.append(e) } }
        return (matching, rest)
    }
}

/// The kernel part of an offcputime stack without the tracer's own frames on top (the live
/// tool's BPF program and the tracepoint glue that called it; a recording's stacks have the
/// recorder's program there, which bpfan prints as [unknown]). The kernel part ends at the
/// entry from user mode (a syscall, fault or interrupt's asm_ frame): a user frame can bear a
/// kernel symbol's name (bpfan names libc's memset, which the live tool printed as [unknown]).
/// A fault or interrupt taken in the kernel is cut there too, in both outputs alike.
func kernelFrames(_ frames: [String], kernelSymbols: Set<String>) -> [String] {
    let tracer: (String) -> Bool = {
        $0 == "[unknown]" || $0.hasPrefix("bpf_prog_") || $0.hasPrefix("bpf_trace_run") || $0.hasPrefix("__traceiter_") || $0.hasPrefix("__bpf_trace_")
    }
    let entry: (String) -> Bool = { $0.hasPrefix("entry_SYSCALL") || $0.hasPrefix("ret_from_fork") || $0.hasPrefix("asm_") }
    let kernel = frames.drop(while: tracer).prefix(while: { kernelSymbols.contains($0) })
    guard let end = kernel.firstIndex(where: entry) else { return Array(kernel) }
    return Array(kernel[...end])
}

/// Function names of /proc/kallsyms (text symbols).
func kallsymsNames() -> Set<String> {
    guard let text = readWhole("/proc/kallsyms") else { return [] }
    var names = Set<String>()
    for line in text.split(separator: "\n") {
        let f = line.split(separator: " ")
        if f.count >= 3, f[1] == "t" || f[1] == "T" { names.insert(String(f[2])) }
    }
    return names
}

/// A file read to its end (/proc files report size 0, which sized reads take at its word).
func readWhole(_ path: String) -> String? {
    guard let h = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? h.close() }
    return String(decoding: h.readDataToEndOfFile(), as: UTF8.self)
}
