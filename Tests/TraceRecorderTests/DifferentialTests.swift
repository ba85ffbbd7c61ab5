import Foundation
import Glibc
import Testing

/// The differential test: in one recording session, the live libbpf-tools and bpftrace tools
/// and `bpfrec` run over the same workload; then `bpfan` answers from the recording with the
/// live tools' flags and the two outputs are compared on the workload's own rows: processes
/// with unique comm names (copies of cat, stat, sh, dd and perl named after a per-run tag), a
/// private loop device, fixed loopback TCP ports, and one pinger process (a 1 ms sleep loop)
/// for the -p tools.
///
/// What may differ, and why, is measured on the run itself, never chosen:
/// - Event rows (opensnoop, execsnoop, tcplife, ...) are compared exactly, by key fields, as
///   multisets; size histograms and syscall counts exactly.
/// - Latencies differ only by probe order: bpfrec attaches first, the latency tools next, the
///   rest last, with kernel.bpf_stats on; the programs that run between bpfrec's and a tool's
///   at each end bound each event's skew (ProbeOrder.swift), and bpfan's per-event values must
///   give the live histogram, rows or totals within it (SkewComparisons.swift). Each
///   comparison logs its interval, the programs behind it and how much of it was used.
/// - Two instances of the same live latency tool (A/A) show what the same physics does between
///   two live tools; that is logged beside the comparison.
/// - A live tool that cannot attach on this kernel is skipped with its reason, whatever it is
///   (libbpf-tools or bpftrace); the run fails when fewer than `minimumCompared` were compared.
/// BPFAN_DIFF_INJECT=bucket,missing-row,extra-row,count puts a known error into bpfan's
/// outputs, to show that each is caught (the test must then fail); =hang stops a live tool
/// before its SIGINT, to show that a session with a killed live tool is run again, then fails;
/// =lost-sigint withholds bitesize.bt's first SIGINT, and the test must pass (SIGINT resent);
/// =missed-stack prints the live offcputime's largest stack as missed, and the test must pass.
extension RecorderTests {
    /// Every live tool that attaches on our image (Linux 6.18, libbpf-tools 0.26, bpftrace
    /// 0.17, debugfs mounted) is compared: 23 of `DiffSession.toolList`. Fewer means tools
    /// stopped attaching, and the comparison lost its reach.
    static let minimumCompared = 23

    @Test func differentialAgainstLiveTools() throws {
        let name = "differentialAgainstLiveTools"
        let missing = DiffSession.missingLiveTools()
        guard missing.isEmpty else {
            Issue.record("\(name): the live tools are missing: \(missing.joined(separator: ", ")). Install libbpf-tools and bpftrace (`make test` does, as root: TEST_DEB_PACKAGES).")
            return
        }
        guard let bpfan = Harness.builtBinary("bpfan") else {
            Issue.record("\(name): bpfan binary not found next to the test bundle (swift build first)")
            return
        }
        // The live tools look for tracing under debugfs, as on a standard host; a fresh boot of
        // our image has neither debugfs nor (sometimes) tracefs mounted.
        for line in StandardHostMounts.ensure() { print("\(name): \(line)") }
        guard let stats = BPFRunTimeStats() else {
            Issue.record("\(name): BPF_ENABLE_STATS failed (\(String(cString: strerror(errno)))): no probe-order measurement, no tolerance")
            return
        }
        defer { withExtendedLifetime(stats) {} }
        // A recording that lost events (the machine too busy for the recorder to keep up), or a
        // live tool killed before it printed, proves nothing either way: the session is run once
        // more, then that is the failure.
        for attempt in 1...2 {
            let started = Date()
            let session = try DiffSession()
            defer { session.cleanUp() }
            if let why = try session.record(bpfan: bpfan) {
                if attempt == 1 {
                    print("\(name): \(why); running the session once more")
                    continue
                }
                Issue.record("\(name): in both sessions: \(why); no comparison is possible")
                return
            }
            print("\(name): \(session.compared.count) live tools compared (\(session.compared.joined(separator: ", "))); skipped: \(session.skipped.isEmpty ? "none" : session.skipped.joined(separator: "; ")); \(String(format: "%.1f", Date().timeIntervalSince(started))) s (\(session.timings.joined(separator: ", ")))")
            #expect(session.compared.count >= Self.minimumCompared,
                    "\(name): only \(session.compared.count) live tools compared, fewer than the \(Self.minimumCompared) that attach on this image; skipped: \(session.skipped.joined(separator: "; "))")
            return
        }
    }
}

/// debugfs at /sys/kernel/debug and tracefs at /sys/kernel/tracing, as a standard Debian host
/// has them: the live tools need them (bpfrec does not: RecorderTests.recordsWithoutTracefs).
enum StandardHostMounts {
    /// Mounts what is missing; returns what it did, for the log.
    static func ensure() -> [String] {
        var done: [String] = []
        func mounted(_ type: String, at dir: String) -> Bool {
            (readWhole("/proc/self/mountinfo") ?? "").split(separator: "\n").contains { line in
                let f = line.split(separator: " ")
                guard let dash = f.firstIndex(of: "-"), f.count > dash + 1, f.count > 4 else { return false }
                return f[4] == dir && f[dash + 1] == type
            }
        }
        for (type, dir) in [("debugfs", "/sys/kernel/debug"), ("tracefs", "/sys/kernel/tracing")] where !mounted(type, at: dir) {
            let rc = mount(type == "debugfs" ? "debugfs" : "tracefs", dir, type, 0, nil)
            done.append(rc == 0 ? "mounted \(type) at \(dir) (a fresh boot of this image leaves it unmounted)" : "could not mount \(type) at \(dir): \(String(cString: strerror(errno)))")
        }
        return done
    }
}

/// One tool run both ways: live (`/usr/sbin/TOOL FLAGS POSITIONAL`, or bpftrace for `.bt`) and
/// `bpfan TOOL FLAGS RECORDING POSITIONAL`.
struct DiffTool {
    var tool: String
    var flags: [String] = []
    var positional: [String] = []
    /// Text the live tool prints once attached; nil: wait for a bpf_link fd instead.
    var attached: String?
    /// Latency tools attach right after bpfrec, before the others, so that only cheap
    /// programs run between theirs and bpfrec's (offcputime's stack walk, bpftrace's probes
    /// and the snoopers' per-syscall programs come after).
    var early = false
    /// A second instance of the same live tool (A/A): compared with the first, not with bpfan.
    var twin = false

    var label: String { ([tool] + flags + positional).joined(separator: " ") + (twin ? " (A/A twin)" : "") }
    var liveArgv: [String] {
        tool.hasSuffix(".bt")
            ? ["/usr/bin/stdbuf", "-oL", DiffSession.bpftrace, "/usr/sbin/\(tool)"]
            : ["/usr/bin/stdbuf", "-oL", "/usr/sbin/\(tool)"] + flags + positional
    }
    func bpfanArgs(_ recording: String) -> [String] { [tool] + flags + [recording] + positional }
    var fileName: String { label.replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "(", with: "").replacingOccurrences(of: ")", with: "") }
}

final class DiffSession {
    static let bpftrace = "/usr/bin/bpftrace"
    static let liveNeeded = ["/usr/sbin/opensnoop", "/usr/sbin/biolatency", "/usr/sbin/tcplife", bpftrace, "/usr/sbin/opensnoop.bt", "/usr/bin/stdbuf"]

    static func missingLiveTools() -> [String] {
        var missing = liveNeeded.filter { !FileManager.default.isExecutableFile(atPath: $0) && !FileManager.default.fileExists(atPath: $0) }
        if !["/usr/sbin/losetup", "/sbin/losetup"].contains(where: { FileManager.default.isExecutableFile(atPath: $0) }) { missing.append("losetup") }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/perl") { missing.append("/usr/bin/perl") }
        return missing
    }

    /// Per-run prefix of every workload comm ("d" and 4 hex digits), so that two runs at once on
    /// one machine do not see each other's rows.
    let tag = "d" + String(String(UInt32.random(in: 0x10000...0xfffff), radix: 16).suffix(4))
    let dir: String
    var loopDevice: String?
    var loopName: String { (loopDevice ?? "").split(separator: "/").last.map(String.init) ?? "" }
    var workloadPids = Set<Int>()
    var ports: [Int] = []
    var pinger: SpawnedProcess?
    var live: [(tool: DiffTool, process: SpawnedProcess)] = []
    var recorder: RecorderRun?
    var probes = ProbeTable()
    var engine: EngineValues?
    var markerProcess: SpawnedProcess?
    var marker: MarkerProbe?
    var lastUnmeasured = 0
    /// The live tool under comparison's recursion_misses (ProbeTable.misses): events its
    /// classic-tracepoint programs were not run for, which bpfan alone then has.
    var misses: (count: Int, programs: [String]) = (0, [])
    var compared: [String] = []
    var skipped: [String] = []
    var problems: [String] = []
    var timings: [String] = []

    init() throws {
        dir = "/tmp/bpfan-diff-\(getpid())-\(tag)"
        mkdir(dir, 0o755)
    }

    func exe(_ base: String) -> String { "\(dir)/\(tag)-\(base)" }

    func cleanUp() {
        for l in live where l.process.isRunning { l.process.interrupt(timeout: 5) }
        if let m = markerProcess, m.isRunning { m.interrupt(timeout: 5) }
        if let p = pinger, p.isRunning { kill(p.pid, SIGKILL); p.wait() }
        if let r = recorder, r.process.isRunning { _ = r.stop() }
        if let d = loopDevice { _ = run("losetup", ["-d", d]) }
        if ProcessInfo.processInfo.environment["BPFAN_DIFF_KEEP"] == nil {
            try? FileManager.default.removeItem(atPath: dir)
        } else {
            print("differential: outputs kept in \(dir)")
        }
    }

    /// Runs the session and compares; returns why the session proves nothing and must be run
    /// again (the recording lost events, or a live tool did not exit on SIGINT and was killed
    /// before it printed), and then compares nothing.
    func record(bpfan: String) throws -> String? {
        try setUp()
        var phase = Date()
        func lap() -> String { defer { phase = Date() }; return String(format: "%.1f s", Date().timeIntervalSince(phase)) }
        // bpfrec first, then the latency tools, then the rest: the order of the programs on
        // each shared tracepoint, which bounds the skew of every latency (ProbeOrder.swift).
        // Nothing of the workload runs before all are ready (the pinger waits on its FIFO).
        let recording = "\(dir)/run.trc"
        let rec = try RecorderRun(path: recording, arguments: ["--families", "proc,syscalls,block,sched,tcp,stacks", "--flush-interval", "200"])
        recorder = rec
        guard rec.waitReady() else {
            Issue.record("differential: bpfrec did not start: \(rec.stop().stderr)")
            return nil
        }
        timings.append("bpfrec ready in \(lap())")
        for early in [true, false] {
            let from = live.count
            for t in toolList() where t.early == early {
                live.append((t, try SpawnedProcess(t.liveArgv, out: "\(dir)/live.\(t.fileName)", err: "\(dir)/live.\(t.fileName).err")))
            }
            waitAttached(from: from)
            // The marker probe right after the latency tools (MarkerProbe.swift), before the rest.
            if early { try startMarker() }
        }
        timings.append("live tools attached in \(lap())")
        try workload()
        timings.append("workload \(lap())")
        // The programs on every tracepoint and their mean run times, before anything detaches.
        do { probes = try ProbeTable.read() } catch { problems.append("no probe-order measurement (bpftool): \(error)") }
        // Another tracer on the shared tracepoints would put its probe where the order says
        // none is (a perf probe it registered first runs before bpfrec's): said, not measured around.
        let ours = Set(live.map(\.process.pid) + [rec.process.processIdentifier] + (markerProcess.map { [$0.pid] } ?? []))
        let shared = probes.byTracepoint.filter { $0.key.hasPrefix("sched_") || $0.key.hasPrefix("sys_e") || $0.key.hasPrefix("block_") }
        let foreign = shared.flatMap { tp, progs in progs.filter { !ours.contains($0.pid) }.map { "\($0.name) (pid \($0.pid)) on \(tp)" } }
        if !foreign.isEmpty { problems.append("BPF programs of other processes are attached to the tracepoints compared here, so the probe order is not the test's: \(foreign.sorted().joined(separator: ", ")). Stop those tracers and run again.") }
        // A live tool that is gone before the end of the workload (signalled by someone else:
        // the manual validation scripts interrupt every /usr/sbin tool by name) has an
        // incomplete output: said so, not compared.
        let gone = live.filter { !$0.process.isRunning }
        for l in gone {
            let st = l.process.status ?? -1
            problems.append("\(l.tool.label): the live tool ended during the workload (wait status \(st)\((st & 0x7f) != 0 ? ", signal \(st & 0x7f): did another process signal it?" : "")); its output is incomplete: \(l.process.errors.suffix(300))")
        }
        live.removeAll { l in gone.contains { $0.process === l.process } }
        // Stop every live tool at once (SIGINT: they print their maps), then the recorder.
        let injected = Injection.fromEnvironment
        if injected.hang, let l = live.first(where: { $0.tool.label == "bitesize.bt" }) { kill(l.process.pid, SIGSTOP) }
        for l in live where l.process.isRunning && !(injected.lostSigint && l.tool.label == "bitesize.bt") { kill(l.process.pid, SIGINT) }
        // bpftrace 0.17 loses a SIGINT that lands outside its epoll_wait: its poll loop reads
        // the flag the handler sets only when epoll_wait fails with EINTR (or at the next
        // printf event), so a tool with no events left (bitesize.bt, statsnoop.bt) then waits
        // forever (seen in 3 of about 40 sessions; the stuck tool's state: one thread in
        // do_epoll_wait, no signal pending, SIGINT caught). A tool still waiting in epoll 2 s
        // after its SIGINT gets another, as a user would press Ctrl-C again. Not sooner, and
        // never while it prints: after its loop bpftrace restores SIGINT's default action.
        // One still running 30 s after SIGINT is killed unprinted and the session rerun.
        var hung: [String] = []
        for l in live {
            let asked = Date()
            var again = 0
            while l.process.isRunning && Date().timeIntervalSince(asked) < 30 {
                usleep(20_000)
                if Date().timeIntervalSince(asked) >= 2 * Double(again + 1) && l.process.waitsInEpoll {
                    kill(l.process.pid, SIGINT)
                    again += 1
                }
            }
            l.process.wait(timeout: max(0, 30 - Date().timeIntervalSince(asked))) {
                print("differential: \(l.tool.label) still running 30 s after SIGINT: \(l.process.stuckState)")
            }
            if again > 0 { print("differential: \(l.tool.label) lost its SIGINT (bpftrace 0.17 race) and was sent \(again) more") }
            if Date().timeIntervalSince(asked) >= 30 { hung.append(l.tool.label) }
        }
        if let m = markerProcess {
            m.interrupt(timeout: 30)
            marker = MarkerProbe(output: m.output)
        }
        let (status, err) = rec.stop()
        #expect(status == 0, "differential: bpfrec exited \(status): \(err)")
        timings.append("tools stopped in \(lap())")
        let info = try SpawnedProcess([bpfan, "info", recording], out: "\(dir)/bpfan.info", err: "\(dir)/bpfan.info.err")
        info.wait(timeout: 120)
        if let line = info.output.split(separator: "\n").first(where: { $0.hasPrefix("lost:") }) {
            let lost = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
            if (Int(lost.prefix(while: \.isNumber)) ?? 1) > 0 { return "bpfrec lost events (\(lost)): the machine was too busy" }
        } else {
            problems.append("bpfan info printed no 'lost:' line: \(info.output.prefix(500)) \(info.errors.prefix(500))")
        }
        if !hung.isEmpty { return "\(hung.joined(separator: ", ")) did not exit within 30 s of SIGINT and was killed before printing" }
        engine = try EngineValues(path: recording)
        if let e = engine { marker?.align(recorded: try e.recordedTimes(tgid: pingerTgid, disk: loopName)) }
        // bpfan with each live tool's flags, three at a time (the debug build is CPU-bound).
        var runs: [SpawnedProcess?] = Array(repeating: nil, count: live.count)
        var queue = live.indices.filter { !live[$0].tool.twin }[...]
        while !queue.isEmpty || runs.contains(where: { $0?.isRunning == true }) {
            while let i = queue.first, runs.filter({ $0?.isRunning == true }).count < 3 {
                queue.removeFirst()
                let out = "\(dir)/bpfan.\(live[i].tool.fileName)"
                runs[i] = try SpawnedProcess([bpfan] + live[i].tool.bpfanArgs(recording), out: out, err: out + ".err")
            }
            usleep(20_000)
        }
        // A twin is compared with bpfan's output for its first instance, like that one.
        for (i, l) in live.enumerated() where l.tool.twin {
            if let first = live.indices.first(where: { !live[$0].tool.twin && live[$0].tool.tool == l.tool.tool && live[$0].tool.flags == l.tool.flags }) {
                print("differential: A/A \(l.tool.label): \(aaReport(l.tool, first: live[first].process.output, second: l.process.output))")
                runs[i] = runs[first]
            }
        }
        for (l, p) in zip(live, runs) {
            let t = l.tool
            guard let p else { continue }
            let st = p.wait(timeout: 300)
            guard st == 0 else {
                problems.append("\(t.label): bpfan exited with status \(st): \(p.errors)")
                continue
            }
            if let problem = compare(t, live: l.process.output, bpfan: inject(t, p.output), bpfanErrors: p.errors, livePid: l.process.pid) {
                Issue.record("differential: \(t.label) (live \(t.liveArgv.dropFirst(2).joined(separator: " ")) vs bpfan \(t.bpfanArgs("run.trc").joined(separator: " "))):\n\(problem)")
            } else if !t.twin {
                compared.append(t.label)
            }
        }
        timings.append("bpfan runs and comparisons \(lap())")
        for p in problems { Issue.record("differential: \(p)") }
        return nil
    }

    // MARK: Set-up and workload

    private func setUp() throws {
        for (src, base) in [("/bin/cat", "cat"), ("/usr/bin/stat", "stat"), ("/bin/sh", "sh"), ("/bin/dd", "dd"), ("/usr/bin/perl", "perl")] {
            // /bin/sh is a symbolic link (to dash): copy what it points at.
            try FileManager.default.copyItem(atPath: URL(fileURLWithPath: src).resolvingSymlinksInPath().path, toPath: exe(base))
            chmod(exe(base), 0o755)
        }
        let image = "\(dir)/loop.img"
        let fd = open(image, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        ftruncate(fd, 64 << 20)
        close(fd)
        guard let dev = run("losetup", ["-f", "--show", image])?.trimmingCharacters(in: .whitespacesAndNewlines), dev.hasPrefix("/dev/loop") else {
            throw SpawnedProcess.SpawnError(message: "losetup failed")
        }
        loopDevice = dev
        _ = run("udevadm", ["settle"])
        // The pinger waits on a FIFO (one syscall in flight when tracing starts), then execs a
        // 1 ms sleep loop: the process of syscount -p, runqlat -p, cpudist -p, offcputime -p
        // and runqslower -p.
        mkfifo("\(dir)/go", 0o600)
        let p = try SpawnedProcess([exe("sh"), "-c", "read x < \(dir)/go; exec \(exe("perl")) -e 'select(undef, undef, undef, 0.001) for 1..800'"], out: "/dev/null", err: "/dev/null")
        pinger = p
        workloadPids.insert(Int(p.pid))
        let deadline = Date().addingTimeInterval(10)
        let since = Date()
        defer { print("differential: the pinger blocked on its FIFO after \(String(format: "%.2f", Date().timeIntervalSince(since))) s") }
        while Date() < deadline {
            // openat of the FIFO (257), blocked until the test opens it for writing.
            if let s = readWhole("/proc/\(p.pid)/syscall"), s.hasPrefix("257 ") || s.hasPrefix("2 ") { break }
            usleep(10_000)
        }
    }

    private func toolList() -> [DiffTool] {
        let pid = String(pinger!.pid)
        let loop = loopName
        return [
            DiffTool(tool: "opensnoop", attached: "COMM"),
            DiffTool(tool: "execsnoop", flags: ["-x"], attached: "PCOMM"),
            DiffTool(tool: "exitsnoop", attached: "PCOMM"),
            DiffTool(tool: "killsnoop", attached: "TPID"),
            DiffTool(tool: "syscount", flags: ["-p", pid, "-T", "500"], attached: "Tracing"),
            DiffTool(tool: "syscount", flags: ["-p", pid, "-L", "-T", "500"], attached: "Tracing", early: true),
            DiffTool(tool: "syscount", flags: ["-p", pid, "-P"], attached: "Tracing"),
            DiffTool(tool: "biolatency", flags: ["-d", loop], attached: "Tracing", early: true),
            DiffTool(tool: "biolatency", flags: ["-d", loop], attached: "Tracing", early: true, twin: true),
            DiffTool(tool: "biolatency", flags: ["-d", loop, "-F"], attached: "Tracing", early: true),
            DiffTool(tool: "biolatency", flags: ["-d", loop, "-Q"], attached: "Tracing", early: true),
            DiffTool(tool: "bitesize", flags: ["-d", loop], attached: "Tracing"),
            DiffTool(tool: "biopattern", flags: ["-d", loop], attached: "Tracing"),
            DiffTool(tool: "runqlat", flags: ["-p", pid], attached: "Tracing", early: true),
            DiffTool(tool: "runqlat", flags: ["-p", pid], attached: "Tracing", early: true, twin: true),
            DiffTool(tool: "cpudist", flags: ["-p", pid], attached: "Tracing", early: true),
            DiffTool(tool: "cpudist", flags: ["-p", pid], attached: "Tracing", early: true, twin: true),
            DiffTool(tool: "offcputime", flags: ["-p", pid], attached: nil, early: true),
            DiffTool(tool: "runqslower", flags: ["-p", pid], positional: ["100"], attached: "Tracing", early: true),
            DiffTool(tool: "tcplife", attached: "LADDR"),
            DiffTool(tool: "tcpstates", attached: "SKADDR"),
            DiffTool(tool: "opensnoop.bt", attached: "Tracing open"),
            DiffTool(tool: "execsnoop.bt", attached: "TIME(ms)"),
            DiffTool(tool: "killsnoop.bt", attached: "Tracing kill"),
            DiffTool(tool: "statsnoop.bt", attached: "Tracing stat"),
            DiffTool(tool: "bitesize.bt", attached: "Tracing block"),
        ]
    }

    /// Starts the marker probe (bpftrace, the pinger's and the loop device's events) and waits
    /// until it has attached.
    private func startMarker() throws {
        guard let dev = loopDeviceNumber() else {
            throw SpawnedProcess.SpawnError(message: "no device number for \(loopName)")
        }
        let script = "\(dir)/marker.bt"
        try MarkerProbe.script(pinger: pinger!.pid, device: dev).write(toFile: script, atomically: true, encoding: .utf8)
        let m = try SpawnedProcess(["/usr/bin/stdbuf", "-oL", DiffSession.bpftrace, script], out: "\(dir)/marker.out", err: "\(dir)/marker.err")
        markerProcess = m
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline && m.isRunning && !m.output.contains("marker attached") { usleep(50_000) }
        guard m.output.contains("marker attached") else {
            throw SpawnedProcess.SpawnError(message: "the marker probe did not attach: \(m.errors.suffix(500))")
        }
    }

    /// The loop device's dev_t as the kernel's tracepoints print it (MKDEV: major << 20 | minor).
    private func loopDeviceNumber() -> UInt32? {
        var st = stat()
        guard let d = loopDevice, stat(d, &st) == 0 else { return nil }
        let major = UInt32((st.st_rdev >> 8) & 0xfff), minor = UInt32((st.st_rdev & 0xff) | ((st.st_rdev >> 12) & 0xfff00))
        return major << 20 | minor
    }

    /// Polls the live tools' output (from `from` on) until each has attached. One that exits
    /// first could not attach on this kernel, whatever the message (kprobes, fentry, a missing
    /// tracepoint): it is skipped with its reason, and the minimum number of tools compared
    /// says whether too many were. One that neither attaches nor exits within the timeout
    /// fails the test.
    private func waitAttached(from: Int, timeout: Double = 90) {
        let deadline = Date().addingTimeInterval(timeout)
        var pending = Array(live.indices.dropFirst(from))
        while !pending.isEmpty && Date() < deadline {
            pending = pending.filter { i in
                let (t, p) = live[i]
                if let marker = t.attached { if p.output.contains(marker) { return false } } else if p.bpfLinks > 0 { return false }
                if !p.isRunning {
                    let why = (p.errors + p.output).split(separator: "\n").suffix(3).joined(separator: " / ")
                    skipped.append("\(t.label) (cannot attach here, exit status \(p.status ?? -1): \(why))")
                    print("differential: \(t.label): skipped: cannot attach here: \(why)")
                    return false
                }
                return true
            }
            if !pending.isEmpty { usleep(100_000) }
        }
        for i in pending {
            problems.append("\(live[i].tool.label): the live tool did not attach within \(Int(timeout)) s; its output so far: \(live[i].process.output.prefix(300)) \(live[i].process.errors.prefix(300))")
            live[i].process.interrupt(timeout: 5)
        }
        let dead = Set(live.indices.filter { live[$0].process.status != nil })
        live = live.indices.filter { !dead.contains($0) }.map { live[$0] }
    }

    /// Runs `argv` (a workload step) to the end with its output discarded.
    private func step(_ argv: [String]) throws {
        let p = try SpawnedProcess(argv, out: "/dev/null", err: "/dev/null")
        workloadPids.insert(Int(p.pid))
        p.wait()
    }

    private func workload() throws {
        // Release the pinger.
        let fd = open("\(dir)/go", O_WRONLY | O_CLOEXEC)
        _ = write(fd, "go\n", 3)
        close(fd)
        // Opens, stats, signals, execs and exits of processes with unique comms.
        try step([exe("cat"), "/etc/hostname", "/nonexistent-\(tag)"])
        try step([exe("stat"), "/etc", "/nonexistent-\(tag)"])
        try step([exe("sh"), "-c", "kill -0 $$; kill -s USR1 999999; exit 3"])
        try step([exe("sh"), "-c", "kill -9 $$"])
        try step([exe("sh"), "-c", "exec /bin/echo hi 'there x'"])
        try step([exe("sh"), "-c", "/nonexistent-\(tag)/x a b; /bin/true " + (1...22).map(String.init).joined(separator: " ")])
        // Arguments longer than both readers keep (bpftrace's join(): 1023 bytes, libbpf-tools
        // execsnoop: 127), more of them than either prints, and a script over 1023 bytes for sh.
        try step([exe("sh"), "-c", "/bin/true " + String(repeating: "L", count: 1500) + " " + String(repeating: "M", count: 1023) + " "
                  + String(repeating: "N", count: 300) + " " + (1...24).map(String.init).joined(separator: " ")])
        // O_DIRECT I/O of known sizes on the private loop device.
        let dev = loopDevice!
        try step([exe("dd"), "if=/dev/zero", "of=\(dev)", "bs=4k", "count=200", "oflag=direct"])
        try step([exe("dd"), "if=/dev/zero", "of=\(dev)", "bs=64k", "count=20", "seek=100", "oflag=direct"])
        for s in [7, 300, 42, 900, 5] {
            try step([exe("dd"), "if=\(dev)", "of=/dev/null", "bs=8k", "count=1", "skip=\(s)", "iflag=direct"])
        }
        tcpSessions()
        pinger?.wait(timeout: 60)
        usleep(500_000) // the last TCP state changes run in softirq after the closes
    }

    /// Five loopback connections between fixed ports (a listener at `base`, clients bound to
    /// base+1...base+5), each moving a known byte count each way.
    private func tcpSessions() {
        func sin(_ port: Int) -> sockaddr_in {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_addr.s_addr = inet_addr("127.0.0.1")
            a.sin_port = UInt16(port).bigEndian
            return a
        }
        func bindTo(_ fd: Int32, _ port: Int) -> Bool {
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var a = sin(port)
            return withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
        }
        var listener: Int32 = -1
        var base = 0
        for _ in 0..<20 {
            base = Int.random(in: 20_000..<30_000)
            listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            if bindTo(listener, base) && listen(listener, 8) == 0 { break }
            close(listener)
            listener = -1
        }
        guard listener >= 0 else { problems.append("tcp workload: no free port for the listener"); return }
        defer { close(listener) }
        ports = [base]
        var buf = [UInt8](repeating: 0x41, count: 16_384)
        for i in 1...5 {
            let c = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard bindTo(c, base + i) else { close(c); problems.append("tcp workload: client port \(base + i) busy"); continue }
            ports.append(base + i)
            var a = sin(base)
            let ok = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(c, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            let s = accept(listener, nil, nil)
            guard ok == 0, s >= 0 else { close(c); problems.append("tcp workload: connect/accept failed: \(errno)"); continue }
            let up = 2_000 * i, down = 100 * i
            _ = send(c, &buf, up, 0)
            var got = 0
            while got < up { let n = recv(s, &buf, buf.count, 0); if n <= 0 { break }; got += n }
            _ = send(s, &buf, down, 0)
            got = 0
            while got < down { let n = recv(c, &buf, buf.count, 0); if n <= 0 { break }; got += n }
            usleep(UInt32(20_000 * i))
            close(c)
            usleep(10_000)
            close(s)
        }
    }

    // MARK: Comparisons

    /// nil when bpfan's output matches the live tool's on the workload's rows, else what differs.
    func compare(_ t: DiffTool, live: String, bpfan: String, bpfanErrors: String = "", livePid: Int32) -> String? {
        misses = probes.misses(of: livePid)
        let P = workloadPids
        let isOurs: (String) -> Bool = { $0.hasPrefix(self.tag + "-") }
        func pid(_ s: String) -> Bool { Int(s).map { P.contains($0) } ?? false }
        let pingerPid = String(pinger?.pid ?? -1)
        switch t.tool {
        case "opensnoop", "opensnoop.bt":
            // PID COMM FD ERR PATH
            return compareRows(t, live, bpfan, fields: 5, keep: { isOurs($0[1]) || pid($0[0]) }, key: { $0 })
        case "statsnoop.bt":
            // PID COMM ERR PATH
            return compareRows(t, live, bpfan, fields: 4, keep: { isOurs($0[1]) || pid($0[0]) }, key: { $0 })
        case "execsnoop":
            // PCOMM PID PPID RET ARGS
            return compareRows(t, live, bpfan, fields: 5, keep: { isOurs($0[0]) || pid($0[1]) || pid($0[2]) }, key: { $0 })
        case "execsnoop.bt":
            // TIME(ms) PID ARGS; the workload's pids are those of its execsnoop -x rows.
            let execPids = Set(rows(liveOutput("execsnoop -x"), fields: 5).filter { isOurs($0[0]) || pid($0[1]) || pid($0[2]) }.map { $0[1] })
            return compareRows(t, live, bpfan, fields: 3, keep: { execPids.contains($0[1]) }, key: { Array($0.dropFirst()) })
        case "exitsnoop":
            // PCOMM PID PPID TID AGE(s) EXIT_CODE; AGE is each program's own clock.
            return compareRows(t, live, bpfan, fields: 6, keep: { isOurs($0[0]) || pid($0[1]) || pid($0[2]) }, key: { $0.enumerated().filter { $0.offset != 4 }.map(\.element) })
        case "killsnoop", "killsnoop.bt":
            // TIME PID COMM SIG TPID RESULT
            return compareRows(t, live, bpfan, fields: 6, keep: { isOurs($0[2]) }, key: { Array($0.dropFirst()) })
        case "tcplife":
            // PID COMM LADDR LPORT RADDR RPORT TX_KB RX_KB MS, COMM possibly with blanks.
            let a = anchoredRows(live, head: 1, tail: 7), b = anchoredRows(bpfan, head: 1, tail: 7)
            let keep: ([String]) -> Bool = { self.ports.contains(Int($0[3]) ?? -1) || self.ports.contains(Int($0[5]) ?? -1) }
            return multisetReport(t, a.filter(keep).map { Array($0.dropLast()) }, b.filter(keep).map { Array($0.dropLast()) })
        case "tcpstates":
            // SKADDR PID COMM LADDR LPORT RADDR RPORT OLDSTATE -> NEWSTATE MS
            let a = anchoredRows(live, head: 2, tail: 8), b = anchoredRows(bpfan, head: 2, tail: 8)
            let keep: ([String]) -> Bool = { self.ports.contains(Int($0[4]) ?? -1) || self.ports.contains(Int($0[6]) ?? -1) }
            return multisetReport(t, a.filter(keep).map { Array($0.dropLast()) }, b.filter(keep).map { Array($0.dropLast()) })
        case "biopattern":
            // DISK %RND %SEQ COUNT KBYTES: identical, or fewer completions live, no more than
            // its programs missed (the percentages then move too).
            let a = rows(live, fields: 5).filter { $0[0] == self.loopName }, b = rows(bpfan, fields: 5).filter { $0[0] == self.loopName }
            if a.count == 1, b.count == 1, a[0] != b[0], let lc = Int(a[0][3]), let bc = Int(b[0][3]), let lk = Int(a[0][4]), let bk = Int(b[0][4]),
               bc - lc > 0, missedExplains(bc - lc), bk - lk >= 0, bk - lk <= 64 * (bc - lc) {
                print("differential: \(t.label): live \(a[0].joined(separator: " ")) vs bpfan \(b[0].joined(separator: " ")): \(bc - lc) completions the live tool's programs were not run for (\(missesNote))")
                return nil
            }
            return multisetReport(t, a, b)
        case "bitesize":
            return compareHistograms(t, bccHistograms(live), bccHistograms(bpfan), mustHave: "Process Name = \(tag)-dd")
        case "biolatency", "runqlat", "cpudist":
            return compareLatencyHistograms(t, live: live, bpfan: bpfan, pid: livePid)
        case "bitesize.bt":
            let key = "@[\(tag)-dd]"
            let a = bpftraceHistograms(live)[key] ?? [:], b = bpftraceHistograms(bpfan)[key] ?? [:]
            if a.isEmpty { return "no \(key) histogram in the live output:\n\(live)" }
            if a == b { print("differential: \(t.label): \(key) histogram identical (\(a.values.reduce(0, +)) requests)"); return nil }
            let extra = b.values.reduce(0, +) - a.values.reduce(0, +)
            if a.allSatisfy({ $0.value <= b[$0.key] ?? 0 }), missedExplains(extra) {
                print("differential: \(t.label): \(key): \(extra) requests only in bpfan, events the live tool's programs were not run for (\(missesNote))")
                return nil
            }
            return "\(key): live \(a.sorted { $0.key < $1.key }) vs bpfan \(b.sorted { $0.key < $1.key })"
        case "syscount":
            if t.flags.contains("-P") {
                // PID COMM COUNT: the pinger, by its name after the exec, the same count.
                let a = rows(live, fields: 3).filter { $0[0] == pingerPid }, b = rows(bpfan, fields: 3).filter { $0[0] == pingerPid }
                guard a.count == 1, b.count == 1 else { return "pinger row: live \(a) vs bpfan \(b)" }
                guard a[0] == b[0] else {
                    if a[0].prefix(2) == b[0].prefix(2), let x = Int(a[0][2]), let y = Int(b[0][2]), missedExplains(y - x) {
                        print("differential: \(t.label): the pinger's row \(a[0].joined(separator: " ")) live vs \(y) bpfan: \(y - x) calls the live tool's programs were not run for (\(missesNote))")
                        return nil
                    }
                    return "live \(a[0]) vs bpfan \(b[0])"
                }
                print("differential: \(t.label): the pinger's row identical (\(a[0].joined(separator: " ")))")
                return nil
            }
            if t.flags.contains("-L") { return compareSyscountLatency(t, live: live, bpfan: bpfan, pid: livePid) }
            return compareSyscount(t, live, bpfan)
        case "offcputime":
            return compareOffcpu(t, live, bpfan, warnings: bpfanErrors, pid: livePid)
        case "runqslower":
            return compareRunqslowerRows(t, live: live, bpfan: bpfan, pid: livePid, threshold: Int64(t.positional.first ?? "") ?? 10_000)
        default:
            return "no comparison defined for \(t.tool)"
        }
    }

    /// Whether `extra` events only bpfan has are events the live tool's programs missed.
    func missedExplains(_ extra: Int) -> Bool { extra >= 0 && extra <= misses.count }

    var missesNote: String { misses.count == 0 ? "its programs missed none" : "recursion_misses \(misses.count): \(misses.programs.joined(separator: ", "))" }

    private func liveOutput(_ label: String) -> String {
        live.first { $0.tool.label == label }?.process.output ?? ""
    }

    /// Rows with `head` fields, a middle (joined) and `tail` fields: for COMMs with blanks.
    private func anchoredRows(_ text: String, head: Int, tail: Int) -> [[String]] {
        text.split(separator: "\n").compactMap { line in
            let w = line.split(separator: " ").map(String.init)
            guard w.count >= head + tail + 1 else { return nil }
            return Array(w.prefix(head)) + [w[head..<(w.count - tail)].joined(separator: " ")] + Array(w.suffix(tail))
        }
    }

    private func compareRows(_ t: DiffTool, _ live: String, _ bpfan: String, fields: Int, keep: ([String]) -> Bool, key: ([String]) -> [String]) -> String? {
        let a = rows(live, fields: fields).filter(keep).map(key)
        let b = rows(bpfan, fields: fields).filter(keep).map(key)
        return multisetReport(t, a, b)
    }

    private func multisetReport(_ t: DiffTool, _ a: [[String]], _ b: [[String]]) -> String? {
        if a.isEmpty { return "the live tool printed no row of the workload (nothing to compare)" }
        let (onlyLive, onlyBpfan) = multisetDiff(a, b)
        if onlyLive.isEmpty && onlyBpfan.isEmpty {
            print("differential: \(t.label): \(a.count) workload rows identical")
            return nil
        }
        if onlyLive.isEmpty && missedExplains(onlyBpfan.count) {
            print("differential: \(t.label): \(a.count) workload rows identical, \(onlyBpfan.count) more in bpfan: events the live tool's programs were not run for (\(missesNote)): \(onlyBpfan.map { $0.joined(separator: " | ") })")
            return nil
        }
        func show(_ rs: [[String]]) -> String { rs.isEmpty ? "  (none)" : rs.map { "  " + $0.joined(separator: " | ") }.joined(separator: "\n") }
        return "\(a.count) live rows, \(b.count) bpfan rows of the workload\nonly in live:\n\(show(onlyLive))\nonly in bpfan:\n\(show(onlyBpfan))"
    }

    private func compareHistograms(_ t: DiffTool, _ a: [String: [Int: Int]], _ b: [String: [Int: Int]], mustHave: String?) -> String? {
        if a.isEmpty || a.values.allSatisfy({ total($0) == 0 }) { return "the live tool printed no histogram of the workload" }
        if let m = mustHave, a[m] == nil { return "no '\(m)' histogram in the live output: sections \(a.keys.sorted())" }
        var out: [String] = []
        var extra = 0
        for label in Set(a.keys).union(b.keys).sorted() {
            let x = (a[label] ?? [:]).filter { $0.value > 0 }, y = (b[label] ?? [:]).filter { $0.value > 0 }
            if x != y {
                if x.allSatisfy({ $0.value <= y[$0.key] ?? 0 }) { extra += total(y) - total(x); continue }
                out.append("\(label.isEmpty ? "histogram" : label): total \(total(x)) live vs \(total(y)) bpfan\n  live:  \(render(x))\n  bpfan: \(render(y))")
            }
        }
        if out.isEmpty && extra > 0 && !missedExplains(extra) {
            out.append("\(extra) samples only in bpfan, more than the live tool's programs missed (\(missesNote))")
        }
        if out.isEmpty && extra > 0 {
            print("differential: \(t.label): \(extra) samples only in bpfan, events the live tool's programs were not run for (\(missesNote)); every other sample identical")
            return nil
        }
        if out.isEmpty {
            let summary = a.keys.sorted().map { "\($0.isEmpty ? "" : $0 + ": ")\(total(a[$0]!))" }.joined(separator: ", ")
            print("differential: \(t.label): histograms identical (\(summary) samples, every bucket)")
            return nil
        }
        return out.joined(separator: "\n")
    }

    /// Counts exactly, the syscall the pinger has in flight when tracing begins included (the
    /// live tool counts its exit; bpfrec records it as an unpaired row).
    private func compareSyscount(_ t: DiffTool, _ live: String, _ bpfan: String) -> String? {
        let a = syscountTable(live, columns: 2), b = syscountTable(bpfan, columns: 2)
        if a.isEmpty { return "the live tool counted no syscall of the pinger" }
        var out: [String] = [], extra = 0
        for name in Set(a.keys).union(b.keys).sorted() {
            let x = a[name] ?? [0], y = b[name] ?? [0]
            if x[0] < y[0] { extra += Int(y[0] - x[0]) } else if x[0] != y[0] { out.append("\(name): count \(Int(x[0])) live vs \(Int(y[0])) bpfan") }
        }
        if out.isEmpty && !missedExplains(extra) { out.append("\(extra) calls more in bpfan than the live tool's programs missed (\(missesNote)): \(Set(a.keys).union(b.keys).sorted().filter { a[$0] != b[$0] }.map { "\($0) \(Int(a[$0]?[0] ?? 0)) live vs \(Int(b[$0]?[0] ?? 0)) bpfan" })") }
        if !out.isEmpty { return out.joined(separator: "\n") }
        print("differential: \(t.label): \(a.count) syscalls, counts identical\(extra > 0 ? " but \(extra) calls only in bpfan, events the live tool's programs were not run for (\(missesNote))" : "")")
        return nil
    }

    /// `text` with its largest offcputime stack's frames replaced by the live tool's marker for
    /// a failed bpf_get_stackid.
    static func largestStackMissed(_ text: String) -> String {
        var blocks = text.components(separatedBy: "\n\n")
        func us(_ b: String) -> Int { Int(b.split(separator: "\n").last?.trimmingCharacters(in: .whitespaces) ?? "") ?? -1 }
        guard let i = blocks.indices.max(by: { us(blocks[$0]) < us(blocks[$1]) }), us(blocks[i]) >= 0 else { return text }
        let lines = blocks[i].split(separator: "\n", omittingEmptySubsequences: false)
        guard let task = lines.lastIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("-") }) else { return text }
        blocks[i] = (["    [Missed Kernel Stack]"] + lines[task...].map(String.init)).joined(separator: "\n")
        return blocks.joined(separator: "\n\n")
    }

    /// offcputime -p on the pinger, by kernel stack without the tracers' own frames: every
    /// stack bpfan prints is one the live tool printed, exactly; bpfan's total (counting the
    /// spans it warns have no stack) is the recording's off-CPU spans; the live total lies
    /// within what those spans allow, each read within its measured probe-order range and cut
    /// to whole microseconds; and the live tool's largest stack (the 1 ms pselect6 sleeps)
    /// differs from bpfan's by no more than all spans' ranges allow, plus what bpfan holds
    /// without a stack. A recording keeps stacks only for blocked switch-outs; the live tool
    /// has them for every switch-out, also a runnable one: a preemption, or a task woken
    /// between setting its sleep state and calling schedule() (prev_state 0 from a voluntary
    /// schedule(): `wait_for_partner`, the pselect6 timeout). Those live-only stacks are
    /// printed, not failed (the stacks issue: offcputime exact).
    private func compareOffcpu(_ t: DiffTool, _ liveOutput: String, _ bpfan: String, warnings: String, pid: Int32) -> String? {
        let live = Injection.fromEnvironment.missedStack ? Self.largestStackMissed(liveOutput) : liveOutput
        let syms = kallsymsNames()
        func byStack(_ stacks: [(frames: [String], task: String, us: Int)]) -> [[String]: Int] {
            var m: [[String]: Int] = [:]
            for s in stacks { m[kernelFrames(s.frames, kernelSymbols: syms), default: 0] += s.us }
            return m
        }
        let (liveMissed, liveStacks) = offcpuStacks(live).partitioned { $0.frames.contains("[Missed Kernel Stack]") }
        let a = byStack(liveStacks), b = byStack(offcpuStacks(bpfan))
        // "[Missed Kernel Stack]": bpf_get_stackid failed in the live tool. Its stack map (1024
        // buckets, flags 0) refuses a stack whose hash bucket another stack holds (-EEXIST),
        // for that stack's every switch-out (user stacks share the map): seen in 2 of 10
        // sessions, the pinger's whole pselect6 stack. That time is then matched against the stacks only bpfan has.
        let missed = liveMissed.reduce(0) { $0 + $1.us }
        let bOnly = b.filter { a[$0.key] == nil }, bOnlyUs = bOnly.values.reduce(0, +)
        guard let top = a.max(by: { $0.value < $1.value }) ?? (missed > 0 ? (key: [String](), value: 0) : nil) else { return "the live tool printed no stack of the pinger" }
        // "bpfan offcputime: N off-CPU spans (X us) have no recorded stack ..."
        let stackless = warnings.split(separator: "\n").first { $0.contains("have no recorded stack") }
            .flatMap { line in line.split(separator: "(").dropFirst().first.flatMap { Int($0.split(separator: " ").first ?? "") } } ?? 0
        let liveTotal = a.values.reduce(0, +) + missed, bpfanTotal = b.values.reduce(0, +) + stackless
        let range: (low: Int64, high: Int64, spans: Int, bpfanUs: Int64, detail: String)
        switch offcpuRange() {
        case .success(let r): range = r
        case .failure(let f): return f.message
        }
        let note = modelNote(pid: pid, start: [["sched_switch"]], end: [["sched_switch"]])
        var out: [String] = []
        if Int64(bpfanTotal) != range.bpfanUs && !Injection.fromEnvironment.bucket {
            out.append("bpfan's total \(bpfanTotal) us (\(stackless) us without a stack) is not the recording's \(range.spans) off-CPU spans (\(range.bpfanUs) us)")
        }
        let (slackLow, slackHigh) = (range.low - range.bpfanUs, range.high - range.bpfanUs + Int64(stackless))
        if missed == 0 {
            for (stack, _) in bOnly { out.append("stack only in bpfan: \(stack.joined(separator: " < "))") }
        } else {
            print("differential: \(t.label): the live tool missed \(missed) us of kernel stacks (stack map collision); bpfan's \(bOnly.count) stacks it lacks hold \(bOnlyUs) us: \(bOnly.keys.map { $0.dropFirst(2).prefix(3).joined(separator: " < ") }.joined(separator: "; "))")
        }
        if missed > top.value {
            // The largest live stack is the missed one: bpfan's stacks the live tool lacks are it.
            let d = Int64(missed - bOnlyUs)
            if d < slackLow || d > slackHigh {
                out.append("\(missed) us of missed kernel stacks live vs \(bOnlyUs) us in bpfan's stacks the live tool lacks; the spans allow live - bpfan in [\(slackLow), \(slackHigh)] us")
            }
        } else if let v = b[top.key] {
            let d = Int64(top.value - v)
            if d < slackLow || d > slackHigh {
                out.append("largest stack \(top.key.joined(separator: " < ")): \(top.value) us live vs \(v) us bpfan; the spans allow live - bpfan in [\(slackLow), \(slackHigh)] us")
            }
        } else {
            out.append("the live tool's largest stack is not in bpfan's output: \(top.key.joined(separator: " < ")) (\(top.value) us)")
        }
        if Int64(liveTotal) < range.low || Int64(liveTotal) > range.high {
            out.append("total off-CPU time \(liveTotal) us live vs \(bpfanTotal) us bpfan: the \(range.spans) recorded spans allow [\(range.low), \(range.high)] us; ranges \(range.detail)")
        }
        if !out.isEmpty { return out.joined(separator: "\n") + "\n\(note)\nlive stacks:\n" + a.map { "  \($0.value) us: \($0.key.joined(separator: " < "))" }.joined(separator: "\n") }
        let liveOnly = a.filter { b[$0.key] == nil }
        print("differential: \(t.label): total \(liveTotal) us live, \(bpfanTotal) us bpfan (\(stackless) us without a stack), the \(range.spans) spans allow [\(range.low), \(range.high)] us (ranges \(range.detail)); largest stack \(max(missed, top.value)) us live vs \(missed > top.value ? bOnlyUs : b[top.key]!) us bpfan (\(missed > top.value ? "missed live" : top.key.dropFirst(2).prefix(3).joined(separator: " < ")) ...); \(liveOnly.count) runnable switch-out stacks only live (\(liveOnly.values.reduce(0, +)) us\(liveOnly.isEmpty ? "" : ": " + liveOnly.keys.map { $0.dropFirst(2).prefix(2).joined(separator: " < ") }.joined(separator: "; "))); \(note)")
        return nil
    }
}
