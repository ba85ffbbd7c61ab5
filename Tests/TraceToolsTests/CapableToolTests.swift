import Foundation
import Testing
import TraceTestSupport
@testable import TraceTools

/// capable's AUDIT and INSETID, read from the function that called cap_capable (frames as a
/// recording names them, innermost first), and its refusals. (Against live bpftrace on a
/// recorded workload: RecorderTests.capableMatchesLiveBpftrace.)
@Test func capableReadsTheOptionsFromTheCaller() {
    func opts(_ frames: [String]) -> String { let o = Capable.options(frames: frames); return "\(o.audit ? 1 : 0)\(o.insetid ? 1 : 0)" }
    #expect(opts(["cap_capable", "security_capable", "capable_wrt_inode_uidgid", "setattr_prepare"]) == "10")
    #expect(opts(["cap_capable", "security_capable", "ns_capable_noaudit", "__ptrace_may_access"]) == "00")
    #expect(opts(["cap_capable", "security_capable", "has_ns_capability_noaudit", "oom_badness"]) == "00")
    #expect(opts(["cap_capable", "security_vm_enough_memory_mm", "do_brk_flags"]) == "00")
    #expect(opts(["cap_capable", "security_capable", "kallsyms_show_value", "s_show"]) == "00")
    #expect(opts(["cap_capable", "security_capable", "ns_capable_setid", "__sys_setuid"]) == "11")
    #expect(opts(["cap_capable", "security_capable", "ns_capable.isra.0"]) == "10")
    #expect(opts([]) == "10")
    #expect(CapabilityNames.name(0) == "CAP_CHOWN" && CapabilityNames.name(40) == "CAP_CHECKPOINT_RESTORE" && CapabilityNames.name(41) == "(null)")
}

@Test(.enabled(if: builtBpfan != nil, "needs the bpfan binary built next to the tests (swift build)"))
func capableRefusesWhatTheRecordingLacks() throws {
    let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples/mixed.trc").path
    let r = try runBinary(builtBpfan!, ["capable", sample])
    #expect(r.status != 0 && r.stdout.isEmpty)
    #expect(r.stderr.hasSuffix("bpfan capable: tracepoint capability:cap_capable is not in this recording (record it with bpfrec record -e capability:cap_capable)\n"), "\(r.stderr)")
    for (flags, message) in [(["-u", "tid"], "Unknown unique type tid"), (["-p", "0"], "invalid PID: 0"), (["-c", "/sys/fs/cgroup"], "no cgroup membership"), (["-u", "cgroup"], "use -u pid")] {
        let bad = try runBinary(builtBpfan!, ["capable"] + flags + [sample])
        #expect(bad.status != 0 && bad.stderr.contains(message), "\(flags): \(bad.stderr)")
    }
}
