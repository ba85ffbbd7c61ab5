import TraceReport
import Testing
@testable import TraceTools

/// syscount.bt counts at sys_enter, so rt_sigreturn (15) counts here, unlike in libbpf syscount.
@Test func syscountBtCountsByIdAndThreadComm() throws {
    let out = try runTool(SyscountBt.self, [try syscallRecording()])
    #expect(out.stdout == """
    Attaching 3 probes...
    Counting syscalls... Hit Ctrl-C to end.

    Top 10 syscalls IDs:
    @syscall[1]: 1
    @syscall[15]: 1
    @syscall[999]: 1
    @syscall[39]: 2
    @syscall[257]: 2
    @syscall[0]: 3

    Top 10 processes:
    @process[db-worker]: 2
    @process[db]: 3
    @process[app]: 5





    """)
}
