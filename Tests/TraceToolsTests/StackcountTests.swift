import Foundation
import Testing
import TraceFormat
import TraceSchema
import TraceTestSupport
@testable import TraceTools

/// signal_generate recorded with kernel stacks only (--stack kernel): three hits, two distinct
/// stacks, by two processes; kallsyms names the frames.
private func kernelStackRecording() throws -> String {
    let text = """
    name: signal_generate
    ID: 261
    format:
    \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
    \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

    \tfield:int sig;\toffset:8;\tsize:4;\tsigned:1;

    print fmt: ""

    """
    let format = try TracepointFormat.parse(text, system: "signal")
    let s = SyntheticRecording()
    s.duration = 3_000_000_000
    s.schemas["signal:signal_generate"] = format.tableSchema(family: "tracepoints", stacks: [.kernel])
    func stack(_ frames: [UInt64]) -> ColumnValue {
        .bytes(frames.flatMap { f in (0..<8).map { UInt8(truncatingIfNeeded: f >> (8 * UInt64($0))) } })
    }
    let toKill: [UInt64] = [0xffff_ffff_8100_0010, 0xffff_ffff_8100_0120, 0xffff_ffff_8100_0200]
    let toExit: [UInt64] = [0xffff_ffff_8100_0010, 0xffff_ffff_8100_0300]
    s.add("signal:signal_generate", ["ts": ns(0.5), "cpu": 0, "pid": 42, "tid": 42, "sig": 18, "kstack": stack(toKill), "task_comm": "sh"])
    s.add("signal:signal_generate", ["ts": ns(1.5), "cpu": 1, "pid": 42, "tid": 43, "sig": 18, "kstack": stack(toKill), "task_comm": "sh"])
    s.add("signal:signal_generate", ["ts": ns(2.5), "cpu": 0, "pid": 7, "tid": 7, "sig": 17, "kstack": stack(toExit), "task_comm": "sleep"])
    s.metadata[MetadataName.kernelSymbols] = Array("""
    ffffffff81000000 T __send_signal_locked
    ffffffff81000100 T __x64_sys_kill
    ffffffff81000200 T entry_SYSCALL_64
    ffffffff81000300 T do_exit

    """.utf8)
    s.metadata[MetadataName.tracepointFormats] = Array(try JSONEncoder().encode(["signal:signal_generate": text]))
    return try s.write()
}

@Test func stackcountPrintsStacksAsBcc() throws {
    let path = try kernelStackRecording()
    // bcc 0.26 stackcount.py: "  %s" per frame, "    %d\n" and a blank line, least first.
    #expect(try runTool(Stackcount.self, ["-K", "t:signal:signal_generate", path]).stdout == """
    Tracing 1 functions for "t:signal:signal_generate"... Hit Ctrl-C to end.

      __send_signal_locked
      do_exit
        1

      __send_signal_locked
      __x64_sys_kill
      entry_SYSCALL_64
        2

    Detaching...

    """)
    // -P: per process, "    %s [%d]" of the comm bytes (b'...' on Python 3) and the tgid.
    #expect(try runTool(Stackcount.self, ["-K", "-P", "t:signal:*", path]).stdout.contains("""
      __send_signal_locked
      __x64_sys_kill
      entry_SYSCALL_64
        b'sh' [42]
        2

    """))
    // -s offsets, -v raw addresses ("%-16x ").
    let verbose = try runTool(Stackcount.self, ["-K", "-sv", "t:signal:signal_generate", path]).stdout
    #expect(verbose.contains("""
      ffffffff81000010 __send_signal_locked+0x10
      ffffffff81000300 do_exit+0x0
        1
    """), "\(verbose)")
}

@Test func stackcountFoldsAsBcc() throws {
    let path = try kernelStackRecording()
    // Without -P the key has no name: the folded line starts with ";". -d adds "-" always.
    #expect(try runTool(Stackcount.self, ["-K", "-f", "t:signal:signal_generate", path]).stdout == """
    ;do_exit;__send_signal_locked 1
    ;entry_SYSCALL_64;__x64_sys_kill;__send_signal_locked 2

    """)
    #expect(try runTool(Stackcount.self, ["-K", "-f", "-p", "7", "t:signal:signal_generate", path]).stdout == "sleep;do_exit;__send_signal_locked 1\n")
    // -i 1: one report a second, each with its own counts.
    let intervals = try runTool(Stackcount.self, ["-K", "-f", "-i", "1", "t:signal:signal_generate", path]).stdout
    #expect(intervals == ";entry_SYSCALL_64;__x64_sys_kill;__send_signal_locked 1\n;entry_SYSCALL_64;__x64_sys_kill;__send_signal_locked 1\n;do_exit;__send_signal_locked 1\n")
}

@Test(arguments: [
    (["t:signal:signal_generate"], "signal:signal_generate was recorded with kernel stacks only (--stack kernel): use -K, or record it with --stack-events signal:signal_generate --stack kernel,user"),
    (["-U", "t:signal:signal_generate"], "signal:signal_generate was recorded with kernel stacks only"),
    (["-K", "-U", "t:signal:signal_generate"], "ERROR: -K and -U are mutually exclusive. If you want both stacks, that is the default."),
    (["-K", "submit_bio"], "'submit_bio': kernel functions need kprobes"),
    (["-K", "c:malloc"], "'c:malloc': USDT probes and user functions are not in recordings"),
    (["-K", "t:block:*"], "'t:block:*' matches no tracepoint this recording holds"),
])
func stackcountRefusesClearly(arguments: [String], message: String) throws {
    let path = try kernelStackRecording()
    let r = try runTool(Stackcount.self, arguments + [path])
    #expect(r.failed)
    let text = r.stderr.joined(separator: "\n")
    #expect(text.contains(message), "\(text)")
    #expect(r.stderr.count == 1 && !text.dropLast().contains("\n"), "\(text)")
}

@Test func stackcountSvgDrawsThePrintedStacksPerProcess() throws {
    let path = try kernelStackRecording()
    let svg = try runTool(Stackcount.self, ["-K", "-P", "--svg", "-", "t:signal:signal_generate", path])
    #expect(svg.stderr.isEmpty, "\(svg.stderr)")
    let doc = try SVGDocument(svg.stdout)
    // -P: the folded form's first frame is the comm: sh (2 events), sleep (1), each over its
    // kernel frames outermost first.
    #expect(doc.framesGroup["fg:total"] == "3")
    let sh = try #require(doc.frames.first { $0.name == "sh" }), sleep = try #require(doc.frames.first { $0.name == "sleep" })
    #expect(sh.w == 2 && sleep.w == 1 && sh.kind == "process")
    #expect(sh.title == "sh (2 events, 66.67%)")
    let kernel = doc.frames.filter { $0.kind == "kernel" }.map(\.name)
    #expect(kernel == ["entry_SYSCALL_64", "__x64_sys_kill", "__send_signal_locked", "do_exit", "__send_signal_locked"])
    #expect(doc.texts["title"] == "Stack Count Flame Graph")
    // Without -P there is no process frame: the stacks merge by their frames alone.
    let merged = try SVGDocument(try runTool(Stackcount.self, ["-K", "--svg", "-", "--title", "kill & exit", "t:signal:*", path]).stdout)
    #expect(!merged.frames.contains { $0.kind == "process" })
    #expect(merged.frames.first { $0.name == "entry_SYSCALL_64" }?.w == 2)
    #expect(merged.texts["title"] == "kill & exit")
}
