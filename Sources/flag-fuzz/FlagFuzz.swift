import ArgumentParser
import Foundation
import Glibc
import TraceTools
import FuzzSupport

/// Fuzzes bpfan's argument handling: random argument vectors, built from every tool's own
/// flags, numbers at the edges and mutated bytes, are parsed by a random command and, when they
/// parse, the tool runs on a sample recording; and random `--fail-if` texts go to compare's
/// grammar. Every answer must be a result or a one-line refusal: a crash or a hang (10 s, by
/// SIGALRM) kills this process, and the input that did it is in the file named by --current.
///
///     flag-fuzz --runs N --seed S --recording samples/mixed.trc [--current PATH]
@main
struct FlagFuzz {
    static func main() throws {
        var runs = 10_000, seed: UInt64 = 1, recording = "samples/mixed.trc", current = ".build-fuzz/flags-current"
        var args = Array(CommandLine.arguments.dropFirst())
        while !args.isEmpty {
            let flag = args.removeFirst()
            guard let value = args.first else { break }
            args.removeFirst()
            switch flag {
            case "--runs": runs = Int(value) ?? runs
            case "--seed": seed = UInt64(value) ?? seed
            case "--recording": recording = value
            case "--current": current = value
            default: break
            }
        }
        // The tools write their reports to stdout: the fuzzer's own counts go to stderr.
        let devnull = open("/dev/null", O_WRONLY)
        dup2(devnull, 1)
        var rng = SplitMix(state: seed)
        let commands = ToolRegistry.commands
        let words = RandomArguments.flags(commands)
        var parsed = 0, refused = 0, ran = 0, failIfParsed = 0, failIfRefused = 0
        let started = Date()
        for i in 0..<runs {
            if i % 5 == 4 {
                let text = Vocabulary.failIf(&rng)
                try? Data(("fail-if\n" + text).utf8).write(to: URL(fileURLWithPath: current))
                alarm(10)
                if (try? FailCondition(text)) != nil { failIfParsed += 1 } else { failIfRefused += 1 }
                alarm(0)
                continue
            }
            let command = commands[Int(rng.next() % UInt64(commands.count))]
            var argv: [String] = []
            for _ in 0..<Int(rng.next() % 6) { argv.append(RandomArguments.argument(flags: words, values: Vocabulary.values, &rng)) }
            if rng.next() % 4 != 0 { argv.append(recording) }
            try? Data(([command._commandName] + argv).joined(separator: "\u{0}").utf8).write(to: URL(fileURLWithPath: current))
            alarm(10)
            do {
                let c = try command.parseAsRoot(argv)
                parsed += 1
                if let tool = c as? any RecordingTool {
                    _ = tool.execute(arguments: argv)
                    ran += 1
                }
            } catch {
                refused += 1
            }
            alarm(0)
        }
        let seconds = Date().timeIntervalSince(started)
        FileHandle.standardError.write(Data(("flag-fuzz: \(runs) executions in \(String(format: "%.1f", seconds)) s (seed \(seed)): "
            + "\(parsed) argument vectors parsed (\(ran) tools run on \(recording)), \(refused) refused, "
            + "\(failIfParsed) --fail-if texts parsed, \(failIfRefused) refused; 0 crashes, 0 hangs\n").utf8))
        unlink(current)
    }
}

enum Vocabulary {
    static let values = ["0", "1", "-1", "5", "99", "4294967296", "-9223372036854775808", "9223372036854775807", "1e308", "nan", "inf",
                         "0x10", "1.5", "", " ", "--", "-", "=", "10:00:00", "22:30:00.5", "2026-12-02T21:00:00Z", "+5", "-5s", "100ms",
                         "1", "pid", "comm", "t:sched:sched_switch", "t:irq:*", "'t:syscalls:sys_exit_read \"%d\", args->ret'",
                         "BEGIN { printf(\"x\"); }", "t:sched:sched_wakeup { @[comm] = count(); }", "kstack", "@x = hist(1)",
                         "-p1", "-T-5", "--from=-1", "--to=0", "%s%s%s%n", String(repeating: "9", count: 400), "\u{0}", "é", "../../etc/passwd"]

    /// compare's `--fail-if` grammar, from its own tokens and broken forms of them.
    static func failIf(_ rng: inout SplitMix) -> String {
        let tokens = ["p50", "p90", "p99", "p99.9", "mean", "count", "rate", "max", ">", "<", ">=", "+", "-", "%", "10", "10%", "0.5", "ms", "us",
                      "s", "ns", "and", "or", "any", "all", "key", ":", ",", "(", ")", "=", "1e9", "-0", "99999999999999999999", "nan", ""]
        if rng.next() % 2 == 0 {
            // The grammar's shape, METRIC [(KEY)] OP THRESHOLD, with edge values in each place.
            let metric = rng.pick(["p50", "p90", "p99", "max", "rate", "mean", "P99", ""])
            let key = rng.pick(["", "(vda)", "(read)", "(1234)", "()", "(", "((x))", "(a b)"])
            let threshold = rng.pick(["+10%", "-10%", "10%", "+0%", "+1e400%", "-100%", "20ms", "0ns", "1.5us", "9999999999999s", "100", "-1", "nan", "+%", "ms"])
            let text = metric + key + rng.pick([">", "<", ">=", "", "><"]) + threshold
            return rng.next() % 4 == 0 ? RandomArguments.mutate(text, &rng) : text
        }
        var parts: [String] = []
        for _ in 0..<(1 + Int(rng.next() % 7)) { parts.append(rng.pick(tokens)) }
        let text = parts.joined(separator: rng.next() % 2 == 0 ? " " : "")
        return rng.next() % 5 == 0 ? RandomArguments.mutate(text, &rng) : text
    }
}
