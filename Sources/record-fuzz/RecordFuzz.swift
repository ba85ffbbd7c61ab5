import ArgumentParser
import Foundation
import FuzzSupport
import Glibc
import RecorderCommands
import TraceRecorder
import TraceSchema

/// Fuzzes bpfrec record's argument handling without root and without loading anything: random
/// argument vectors, from record's own flags, -e / --stack-events specs (globs, :FIELD=str
/// options, broken forms) and edge values, are parsed as bpfrec parses them; those that parse
/// have their options built (`Record.options()`) and their tracepoints selected from a copy of
/// tracefs's event formats (`Recorder.selectedTracepoints`). One run in six first mutates one
/// copied format file, so TracepointFormat.parse — which bpfan runs on the formats a recording
/// carries — meets damaged formats too. Every answer must be a result or a one-line refusal: a
/// crash or a hang (10 s, by SIGALRM) kills this process, and the input that did it is in the
/// file named by --current.
///
///     record-fuzz --runs N --seed S [--current PATH]
@main
struct RecordFuzz {
    static func main() throws {
        var runs = 10_000, seed: UInt64 = 1, current = ".build-fuzz/record-current"
        var args = Array(CommandLine.arguments.dropFirst())
        while args.count >= 2 {
            let flag = args.removeFirst(), value = args.removeFirst()
            switch flag {
            case "--runs": runs = Int(value) ?? runs
            case "--seed": seed = UInt64(value) ?? seed
            case "--current": current = value
            default: break
            }
        }
        let events = try EventFormatsCopy()
        defer { events.remove() }
        var rng = SplitMix(state: seed)
        let flags = RandomArguments.flags([Record.self])
        let values = Vocabulary.values + events.names.prefix(40)
        var parsed = 0, refused = 0, built = 0, selected = 0, formatsMutated = 0, formatsParsed = 0
        let started = Date()
        for _ in 0..<runs {
            var restore: (path: String, text: String)?
            if rng.next() % 6 == 0, let (path, text) = events.randomFormat(&rng) {
                let damaged = RandomArguments.mutate(text, &rng, edits: 12)
                try? Data(("format \(path)\n" + damaged).utf8).write(to: URL(fileURLWithPath: current))
                alarm(10)
                try? damaged.write(toFile: path, atomically: false, encoding: .utf8)
                if (try? TracepointFormat.parse(damaged, system: "fuzz")) != nil { formatsParsed += 1 }
                alarm(0)
                formatsMutated += 1
                restore = (path, text)
            }
            var argv: [String] = rng.next() % 8 == 0 ? [] : ["-o", "/nonexistent/fuzz.trc"]
            if rng.next() % 2 == 0 {
                // Well-formed flags with generated values, so that most runs reach the spec checks.
                for _ in 0..<(1 + Int(rng.next() % 3)) { argv += Vocabulary.recordFlag(events.names, &rng) }
            }
            for _ in 0..<Int(rng.next() % 4) { argv.append(RandomArguments.argument(flags: flags, values: values, &rng)) }
            if let r = restore, rng.next() % 2 == 0 { argv += ["-e", events.name(ofFormatAt: r.path)] }
            try? Data((["record"] + argv).joined(separator: "\u{0}").utf8).write(to: URL(fileURLWithPath: current))
            alarm(10)
            do {
                guard let record = try Record.parseAsRoot(argv) as? Record else { throw ValidationError("not record") }
                parsed += 1
                let options = try record.options()
                built += 1
                selected += try Recorder.selectedTracepoints(options, directory: events.directory).count
            } catch {
                refused += 1
            }
            alarm(0)
            if let r = restore { try? r.text.write(toFile: r.path, atomically: false, encoding: .utf8) }
        }
        let seconds = Date().timeIntervalSince(started)
        FileHandle.standardError.write(Data(("record-fuzz: \(runs) executions in \(String(format: "%.1f", seconds)) s (seed \(seed)): "
            + "\(parsed) argument vectors parsed, \(built) option sets built, \(selected) tracepoints selected from \(events.names.count) "
            + "(\(events.source)), \(refused) refused; \(formatsMutated) formats mutated, \(formatsParsed) of them still parsed; 0 crashes, 0 hangs\n").utf8))
        unlink(current)
    }
}

/// A scratch copy of the event formats (`events/SYSTEM/EVENT/format`): the host's tracefs when
/// readable (a few systems), otherwise three formats written here, so the fuzzer runs anywhere.
struct EventFormatsCopy {
    let directory: String
    let names: [String]
    let source: String

    init() throws {
        let root = NSTemporaryDirectory() + "record-fuzz-\(getpid())"
        directory = root + "/events"
        var formats: [String: String] = [:]
        var from = "built-in formats"
        for base in ["/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events"] where access(base + "/sched", R_OK) == 0 {
            for system in ["sched", "irq", "raw_syscalls", "block", "sock", "tcp", "signal", "timer"] {
                for event in (try? FileManager.default.contentsOfDirectory(atPath: "\(base)/\(system)")) ?? [] {
                    if let text = try? String(contentsOfFile: "\(base)/\(system)/\(event)/format", encoding: .utf8) { formats["\(system):\(event)"] = text }
                }
            }
            from = base
            break
        }
        if formats.isEmpty { formats = Vocabulary.builtInFormats }
        for (name, text) in formats {
            let parts = name.split(separator: ":").map(String.init)
            let dir = "\(directory)/\(parts[0])/\(parts[1])"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try text.write(toFile: dir + "/format", atomically: false, encoding: .utf8)
        }
        names = formats.keys.sorted()
        source = from
    }

    func randomFormat(_ rng: inout SplitMix) -> (String, String)? {
        guard !names.isEmpty else { return nil }
        let path = directory + "/" + name(rng.pick(names)) + "/format"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return (path, text)
    }

    private func name(_ event: String) -> String { event.replacingOccurrences(of: ":", with: "/") }

    func name(ofFormatAt path: String) -> String {
        let parts = path.dropFirst(directory.count + 1).split(separator: "/")
        return parts.count >= 2 ? "\(parts[0]):\(parts[1])" : "x:y"
    }

    func remove() { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
}

enum Vocabulary {
    static let values = ["0", "1", "-1", "16", "3", "1024", "4294967296", "9223372036854775807", "1e308", "nan", "inf", "", " ", "--", "-",
                         "1M", "0M", "16M", "1G", "99T", "1.5M", "10s", "30s", "1h", "10m", "10min", "0s", "-5s", "blocked", "all", "none",
                         "kernel", "user", "kernel,user", "user,kernel,user", "root", "nobody", "0:0", "65534:65534", "nosuchuser", "proc",
                         "syscalls,sched", "sched,signal", "bogus", "syscalls,", ",", "sched:sched_switch", "sched:*", "*:*", "irq:*",
                         "sched:sched_switch:prev_comm=str", "raw_syscalls:sys_enter:id=str", "sched:sched_process_exec:filename=str",
                         "sched:sched_switch:x=str,y=str,z=str,w=str,v=str", "sched::", "::", ":", "sched:", ":sched_switch", "sched:sched_switch:",
                         "sched:sched_switch:=str", "sched:sched_switch:prev_comm", "sched:[", "[!a]*:*", "sched:sched_switch,irq:*",
                         "block:block_rq_insert,sched:sched_wakeup", "/sys/fs/cgroup", "/nonexistent", "--", "true", "/bin/true",
                         String(repeating: "a", count: 300), "\u{0}", "é"]

    /// One of record's flags with a value of its kind: -e / --stack-events specs made of real
    /// event names, globs, field options and broken pieces; families, stacks, sizes, owners.
    static func recordFlag(_ names: [String], _ rng: inout SplitMix) -> [String] {
        func spec() -> String {
            let real = names.isEmpty ? "sched:sched_switch" : rng.pick(names)
            let parts = real.split(separator: ":").map(String.init)
            let system = rng.pick([parts[0], parts[0], "*", "s*", "[a-z]*", "", "nosuch", parts[0] + "?"])
            let event = rng.pick([parts[1], parts[1], "*", parts[1].prefix(3) + "*", "", "nosuch", "[", "\\"])
            var text = system + ":" + event
            switch rng.next() % 5 {
            case 0: text += ":" + rng.pick(["prev_comm", "filename", "name", "comm", "id", "x", ""]) + "=" + rng.pick(["str", "str", "int", ""])
            case 1: text += ":a=str,b=str,c=str,d=str,e=str"
            case 2: text += rng.pick([",", ",irq:*", ":", "::", " "])
            default: break
            }
            return rng.next() % 6 == 0 ? RandomArguments.mutate(text, &rng) : text
        }
        switch rng.next() % 8 {
        case 0, 1, 2: return ["-e", spec()]
        case 3: return ["--stack-events", spec() + (rng.next() % 3 == 0 ? "," + spec() : "")]
        case 4: return ["--stack", rng.pick(["kernel", "user", "kernel,user", "user,kernel", "", "kernel,", "both"])]
        case 5: return ["--families", rng.pick(["none", "syscalls,sched", "signal", "sched,signal", "proc", "", "bogus", "none,sched"])]
        case 6: return [rng.pick(["--ring", "--max-size", "--rotate"]), rng.pick(["1M", "16M", "0", "1023K", "1G", "30s", "10m", "1h", "-1M", "99999999999T"])]
        default: return ["--owner", rng.pick(["root", "nobody", "0", "65534:65534", "nosuchuser", "root:nosuchgroup", ":", ""])]
        }
    }

    /// Used where tracefs is unreadable (not root): real formats of 6.x kernels.
    static let builtInFormats: [String: String] = [
        "irq:irq_handler_entry": """
            name: irq_handler_entry
            ID: 225
            format:
            \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
            \tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
            \tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
            \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

            \tfield:int irq;\toffset:8;\tsize:4;\tsigned:1;
            \tfield:__data_loc char[] name;\toffset:12;\tsize:4;\tsigned:0;

            print fmt: "irq=%d name=%s", REC->irq, __get_str(name)

            """,
        "sched:sched_switch": """
            name: sched_switch
            ID: 316
            format:
            \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
            \tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
            \tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
            \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

            \tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;
            \tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;
            \tfield:int prev_prio;\toffset:28;\tsize:4;\tsigned:1;
            \tfield:long prev_state;\toffset:32;\tsize:8;\tsigned:1;
            \tfield:char next_comm[16];\toffset:40;\tsize:16;\tsigned:0;
            \tfield:pid_t next_pid;\toffset:56;\tsize:4;\tsigned:1;
            \tfield:int next_prio;\toffset:60;\tsize:4;\tsigned:1;

            print fmt: "prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s%s ==> next_comm=%s next_pid=%d next_prio=%d", REC->prev_comm, REC->prev_pid, REC->prev_prio, "R", "", REC->next_comm, REC->next_pid, REC->next_prio

            """,
        "sched:sched_process_exec": """
            name: sched_process_exec
            ID: 322
            format:
            \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
            \tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
            \tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
            \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

            \tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;
            \tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;
            \tfield:pid_t old_pid;\toffset:16;\tsize:4;\tsigned:1;

            print fmt: "filename=%s pid=%d old_pid=%d", __get_str(filename), REC->pid, REC->old_pid

            """,
    ]
}
