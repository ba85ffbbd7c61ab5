import TraceReport
import ArgumentParser
import Foundation
import Testing
import TraceTestSupport
@testable import TraceTools

/// The registry: every seed tool listed with a status, each supported one a command and each
/// command a tool, and what `bpfan NAME` answers for names it has no command for.
struct ToolRegistryTests {
    @Test func everySeedToolIsListedOnce() {
        #expect(ToolRegistry.seed.count == 147)
        #expect(ToolRegistry.seed.filter { $0.origin == .bcc }.count == 112)
        #expect(ToolRegistry.seed.filter { $0.origin == .bpftrace }.count == 35)
        let names = ToolRegistry.entries.map(\.name)
        #expect(Set(names).count == names.count, "a name twice: \(names.sorted())")
        // The seed's tools first, then the libbpf-tools bpfan has beyond it, and bt.
        #expect(Array(names.prefix(147)) == ToolRegistry.seed.map(\.name))
        #expect(Set(names.dropFirst(147)) == ["biopattern", "sigsnoop", "bt"])
    }

    @Test func supportedRowsAndCommandsAgree() {
        for s in ToolRegistry.seed where s.wave == "S" {
            #expect(ToolRegistry.entry(named: s.name)?.status == .supported, "\(s.name) is supported in tool-map.md but has no command")
        }
        for t in ToolRegistry.tools {
            #expect(ToolRegistry.entry(named: t.toolName)?.command != nil)
            #expect(t.configuration.commandName == t.toolName)
        }
        for e in ToolRegistry.entries where e.status == .impossible { #expect(e.seed?.wave == "X") }
    }

    @Test func unknownAndUnwrittenToolsAreRefusedWithExitTwo() throws {
        let typo = try #require(BpfanCommand.refusal(["biolatncy", "run.trc"]))
        #expect(typo.status == 2)
        #expect(typo.message.contains("unknown tool 'biolatncy'; did you mean biolatency"), "\(typo.message)")
        let later = try #require(BpfanCommand.refusal(["cachestat", "-T", "run.trc"]))
        #expect(later.status == 2 && later.message.contains("cachestat is not supported yet"), "\(later.message)")
        let never = try #require(BpfanCommand.refusal(["dcsnoop", "run.trc"]))
        #expect(never.status == 2 && never.message.contains("cannot be reproduced from a recording on this kernel"), "\(never.message)")
        #expect(try #require(BpfanCommand.refusal(["help", "cachestat"])).message == later.message)
        #expect(BpfanCommand.refusal(["biolatency", "run.trc"]) == nil)
        #expect(BpfanCommand.refusal(["help", "biolatency"]) == nil)
        #expect(BpfanCommand.refusal(["--help"]) == nil)
        #expect(BpfanCommand.refusal([]) == nil)
    }

    /// `bpfan help TOOL` prints what `bpfan TOOL --help` prints, both with exit 0 (the built
    /// binary, as a user runs it).
    @Test(.enabled(if: builtBpfan != nil, "needs the bpfan binary built next to the tests (swift build)"))
    func helpAndDashDashHelpAgree() throws {
        for t in ToolRegistry.tools {
            let viaFlag = try runBinary(builtBpfan!, [t.toolName, "--help"]), viaHelp = try runBinary(builtBpfan!, ["help", t.toolName])
            #expect(viaFlag.status == 0 && viaHelp.status == 0, "\(t.toolName)")
            #expect(viaFlag.stdout == viaHelp.stdout && viaFlag.stdout.contains("USAGE: bpfan \(t.toolName)"), "\(t.toolName)")
        }
        let unwritten = try runBinary(builtBpfan!, ["help", "tcpsynbl.bt"])
        #expect(unwritten.status == 2 && unwritten.stderr.hasPrefix("bpfan: tcpsynbl.bt is not supported yet"))
    }

    @Test func toolsListingCountsEveryTool() {
        let text = ToolsCommand.listing(file: nil)
        #expect(text.contains("\n150 tools: 73 supported, 67 not yet, 10 impossible on this kernel\n"), "\(text.suffix(200))")
        #expect(text.contains("\ndcsnoop         impossible here: IMPOSSIBLE: needs kprobes\n"))
        #expect(text.contains("\ntcpsynbl.bt     not yet: needs tcp (new table listenq) capture (W1)\n"))
        #expect(text.contains("\ntcpdrop.bt      supported (probes tracepoint:skb:kfree_skb); a bpftrace script"))
        #expect(text.contains("\nvfsstat.bt      supported (probes tracepoint:syscalls:sys_exit_read, "))
        #expect(text.contains("\nnaptime.bt      supported (probes tracepoint:syscalls:sys_enter_nanosleep, tracepoint:syscalls:sys_enter_clock_nanosleep); a bpftrace script"))
        #expect(text.contains("\nprofile         supported (reads cpu_sample); "))
        #expect(text.contains("\npidpersec       supported (reads process_fork); "))
        // The .bt tools that are scripts say so, with their probes.
        #expect(text.contains("\npidpersec.bt    supported (probes tracepoint:sched:sched_process_fork); a bpftrace script run by the offline interpreter (bpfan pidpersec.bt --source prints it)\n"))
        #expect(text.contains("\ntcplife.bt      supported (probes tracepoint:sock:inet_sock_set_state); a bpftrace script"))
        #expect(text.contains("\nsetuids.bt      supported (probes tracepoint:syscalls:sys_enter_setuid, "))
    }
}

/// The `bpfan` built next to the test bundle.
let builtBpfan: String? = builtBinary("bpfan")
