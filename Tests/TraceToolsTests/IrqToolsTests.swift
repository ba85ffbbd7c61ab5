import Foundation
import Testing
import TraceFormat
import TraceTestSupport
import TraceReport
@testable import TraceTools

/// CPU 0: timer 0.10 → 0.10003 s (30 us), rcu 0.5 → 0.5002 (200 us); CPU 1: an exit of sched at
/// 0.2 before any entry (the live map's zero stamp), then timer 1.2 → 1.2001 (100 us).
/// Hard irqs: virtio0-input on CPU 0 at 0.3 for 5 us and at 1.5 for 7 us, ahci on CPU 1 at 0.4
/// for 3 us.
private func irqRecording() throws -> String {
    let s = SyntheticRecording()
    s.duration = 2_000_000_000
    func soft(_ table: String, _ t: Double, cpu: Int64, vec: Int64) { s.add(table, ["ts": ns(t), "cpu": .int(cpu), "vec": .int(vec)]) }
    soft("softirq_entry", 0.1, cpu: 0, vec: 1); soft("softirq_exit", 0.10003, cpu: 0, vec: 1)
    soft("softirq_exit", 0.2, cpu: 1, vec: 7)
    soft("softirq_entry", 0.5, cpu: 0, vec: 9); soft("softirq_exit", 0.5002, cpu: 0, vec: 9)
    soft("softirq_entry", 1.2, cpu: 1, vec: 1); soft("softirq_exit", 1.2001, cpu: 1, vec: 1)
    func hard(_ table: String, _ t: Double, cpu: Int64, _ name: String) { s.add(table, ["ts": ns(t), "cpu": .int(cpu), "irq": 11, "name": .string(name)]) }
    hard("irq_handler_entry", 0.3, cpu: 0, "virtio0-input"); hard("irq_handler_exit", 0.300005, cpu: 0, "virtio0-input")
    hard("irq_handler_entry", 0.4, cpu: 1, "ahci"); hard("irq_handler_exit", 0.400003, cpu: 1, "ahci")
    hard("irq_handler_entry", 1.5, cpu: 0, "virtio0-input"); hard("irq_handler_exit", 1.500007, cpu: 0, "virtio0-input")
    return try s.write()
}

@Test func softirqsSumsEachVectorFromItsCPUsStamp() throws {
    let path = try irqRecording()
    // The sched exit on CPU 1 came with no stamp: 0.2 s after t0, counted from 0 as live.
    let zeroStamped = UInt64(SyntheticRecording.at(0.2)) / 1000
    let r = try runTool(Softirqs.self, [path])
    let head = "Tracing soft irq event time... Hit Ctrl-C to end.\n\nSOFTIRQ          TOTAL_usecs\n"
    let timer: String = printf("%-16s %11llu\n", "timer", 130)
    let sched: String = printf("%-16s %11llu\n", "sched", .uint(zeroStamped))
    let rcu: String = printf("%-16s %11llu\n", "rcu", 200)
    #expect(r.stdout == head + timer + sched + rcu)
    #expect(r.stderr.count == 1 && r.stderr[0].contains("1 softirq exit(s) came before any entry"))
    // Intervals count from --from: [0.3, 1.3) holds rcu and the second timer, [1.3, 2) nothing.
    let perSecond = try runTool(Softirqs.self, ["-N", "1", "--from", "0.3", path]).stdout
    #expect(perSecond == """
    Tracing soft irq event time... Hit Ctrl-C to end.

    SOFTIRQ          TOTAL_nsecs
    timer                 100000
    rcu                   200000

    SOFTIRQ          TOTAL_nsecs

    """)
    let hist = try runTool(Softirqs.self, ["-d", "--from", "0.3", path]).stdout
    #expect(hist.hasPrefix("Tracing soft irq event time... Hit Ctrl-C to end.\n\nsoftirq = timer\n     usecs               : count    distribution\n"))
    #expect(hist.contains("        64 -> 127        : 1        |****************************************|\n"))
    // Each histogram is followed by a blank line (print_hist()'s printf("\n")).
    #expect(hist.contains("|\n\nsoftirq = rcu\n") && hist.hasSuffix("|\n\n"))
}

@Test func hardirqsByHandlerName() throws {
    let path = try irqRecording()
    #expect(try runTool(Hardirqs.self, [path]).stdout == """
    Tracing hard irq event time... Hit Ctrl-C to end.

    HARDIRQ                    TOTAL_usecs
    ahci                                 3
    virtio0-input                       12

    """)
    #expect(try runTool(Hardirqs.self, ["-C", path]).stdout == """
    Tracing hard irq events... Hit Ctrl-C to end.

    HARDIRQ                    TOTAL_count
    ahci                                 1
    virtio0-input                        2

    """)
    let d = try runTool(Hardirqs.self, ["-dN", path]).stdout
    #expect(d.hasPrefix("Tracing hard irq event time... Hit Ctrl-C to end.\n\nhardirq = ahci\n     nsecs               : count    distribution\n"))
    #expect(d.contains("\nhardirq = virtio0-input\n"))
    #expect(throws: (any Error).self) { _ = try Hardirqs.parse(["-C", "-d", path]) }
    #expect(try runTool(Hardirqs.self, ["-c", "/sys/fs/cgroup/x", path]).failed)
}

/// The irq family records every hit of its tracepoints: funccount counts them as t:irq:*.
@Test func funccountCountsTheIrqFamily() throws {
    let r = try runTool(Funccount.self, ["t:irq:softirq_*", try irqRecording()])
    #expect(r.stdout == """
    Tracing 2 functions for "b't:irq:softirq_*'"... Hit Ctrl-C to end.

    FUNC                                    COUNT
    irq:softirq_entry                           3
    irq:softirq_exit                            4
    Detaching...

    """)
    #expect(r.stderr == ["bpfan funccount: this recording keeps no catalog of the host's tracepoints (one made with -e does): matching tracepoints it did not record are not known, nor counted in the banner"])
}
