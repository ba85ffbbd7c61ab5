import Testing
@testable import TraceAnalysis

@Test func kernelSymbolsResolveToTheSymbolAtOrBelow() {
    let k = KernelSymbols(kallsyms: """
    ffffffff81200000 T do_nanosleep
    0000000000000000 A fixed_percpu_data
    ffffffff81100000 T schedule
    ffffffff81300000 t ext4_sync_file\t[ext4]
    ffffffff81100400 T schedule_timeout
    ffffffff83000000 T _einittext
    """)
    #expect(k.count == 5)
    #expect(k.name(of: 0xffff_ffff_c000_1234) == nil)  // a BPF program above the kernel image
    #expect(k.name(of: 0xffff_ffff_8110_0000) == "schedule")
    #expect(k.name(of: 0xffff_ffff_8110_03ff) == "schedule")
    #expect(k.name(of: 0xffff_ffff_8110_0404) == "schedule_timeout")
    #expect(k.name(of: 0xffff_ffff_8130_0010) == "ext4_sync_file")
    #expect(k.name(of: 0xffff_ffff_8000_0000) == nil)
}

@Test func stackFramesDecodeLittleEndianUntilZero() {
    let bytes: [UInt8] = [0x10, 0, 0x10, 0x81, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0, 0, 0, 0] + Array(repeating: 0, count: 8) + [9, 0, 0, 0, 0, 0, 0, 0, 7]
    #expect(StackFrames.decode(bytes) == [0xffff_ffff_8110_0010, 1])
}

@Test func offCpuTrackerChargesTheSwitchOutKey() {
    var t = OffCpuTracker()
    let k = OffCpuTracker.Key(tid: 5, tgid: 5, comm: "x", kernelStack: [1], userStack: [])
    t.switchedOut(ts: 100, tid: 5, key: k)
    t.switchedOut(ts: 150, tid: 5, key: nil)  // a newer switch-out replaces the unfinished one
    #expect(t.switchedIn(ts: 400, tid: 5)! == (nil, 250))
    t.switchedOut(ts: 500, tid: 5, key: k)
    #expect(t.switchedIn(ts: 700, tid: 5)?.key == k)
    #expect(t.switchedIn(ts: 900, tid: 5) == nil && t.pending == 0)
}
