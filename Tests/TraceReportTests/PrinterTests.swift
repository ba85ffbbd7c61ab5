import Testing
@testable import TraceReport

@Test func log2SlotsFollowLibbpfTools() {
    #expect(Log2Histogram.slot(of: 0) == 0)
    #expect(Log2Histogram.slot(of: 1) == 0)
    #expect(Log2Histogram.slot(of: 2) == 1)
    #expect(Log2Histogram.slot(of: 3) == 1)
    #expect(Log2Histogram.slot(of: 1023) == 9)
    #expect(Log2Histogram.slot(of: 1024) == 10)
    var h = Log2Histogram(slotCount: 4)
    h.add(1 << 40)
    #expect(h.slots == [0, 0, 0, 1])
}

@Test func bccLog2HistogramText() {
    var slots = [UInt64](repeating: 0, count: 27)
    slots[0] = 2
    slots[2] = 8
    slots[3] = 3
    let expected = """
         usecs               : count    distribution
             0 -> 1          : 2        |**********                              |
             2 -> 3          : 0        |                                        |
             4 -> 7          : 8        |****************************************|
             8 -> 15         : 3        |***************                         |

    """
    #expect(BccHistogramPrinter.log2(slots, unit: "usecs") == expected)
    #expect(BccHistogramPrinter.log2([0, 0], unit: "usecs") == "")
}

@Test func bccLog2HistogramWidensPastSlot32() {
    var slots = [UInt64](repeating: 0, count: 40)
    slots[33] = 1
    let text = BccHistogramPrinter.log2(slots, unit: "nsecs")
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines[0] == "               nsecs                         : count    distribution")
    #expect(lines[34] == "          8589934592 -> 17179869183          : 1        |********************|")
}

@Test func bccLinearHistogramSkipsEmptySlots() {
    let expected = """
         msecs         : count     distribution
            10         : 1        |********************                    |
            30         : 2        |****************************************|

    """
    #expect(BccHistogramPrinter.linear([0, 1, 0, 2, 0], base: 0, step: 10, unit: "msecs") == expected)
}

@Test func bpftraceHistogramText() {
    var h = BpftraceHistogram()
    for v: Int64 in [0, 1, 4096, 4097, 5000, 65536] { h.add(v) }
    let expected = """
    [0]                    1 |@@@@@@@@@@@@@@@@@                                   |
    [1]                    1 |@@@@@@@@@@@@@@@@@                                   |
    [2, 4)                 0 |                                                    |
    [4, 8)                 0 |                                                    |
    [8, 16)                0 |                                                    |
    [16, 32)               0 |                                                    |
    [32, 64)               0 |                                                    |
    [64, 128)              0 |                                                    |
    [128, 256)             0 |                                                    |
    [256, 512)             0 |                                                    |
    [512, 1K)              0 |                                                    |
    [1K, 2K)               0 |                                                    |
    [2K, 4K)               0 |                                                    |
    [4K, 8K)               3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
    [8K, 16K)              0 |                                                    |
    [16K, 32K)             0 |                                                    |
    [32K, 64K)             0 |                                                    |
    [64K, 128K)            1 |@@@@@@@@@@@@@@@@@                                   |

    """
    #expect(BpftracePrinter.hist(h) == expected)
    #expect(BpftraceHistogram.label(22) == "[1M, 2M)")
    #expect(BpftraceHistogram.label(0) == "(..., 0)")
}

@Test func bpftraceLinearHistogramAndMaps() {
    var h = BpftraceLinearHistogram(min: 0, max: 100, step: 10)
    h.add(-1)
    h.add(15)
    h.add(150)
    let text = BpftracePrinter.lhist(h)
    #expect(text.hasPrefix("(..., 0)               1 |"))
    #expect(text.contains("[10, 20)               1 |"))
    #expect(text.contains("[100, ...)             1 |"))
    let counts = BpftracePrinter.valueMap(name: "@syscall", entries: [("0", 5), ("1", 50), ("3", 7)], top: 2)
    #expect(counts == "@syscall[3]: 7\n@syscall[1]: 50\n")
    var a = BpftraceHistogram(); a.add(1); a.add(1)
    var b = BpftraceHistogram(); b.add(1)
    let map = BpftracePrinter.histMap(name: "@", entries: [("x", BpftracePrinter.hist(a), a.total), ("y", BpftracePrinter.hist(b), b.total)])
    #expect(map == "@[y]: \n[1]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n@[x]: \n[1]                    2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n")
}
