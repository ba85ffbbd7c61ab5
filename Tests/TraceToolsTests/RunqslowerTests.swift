import Testing
@testable import TraceTools

@Test func runqslowerDefaultThresholdPrintsOnlyTheHeader() throws {
    let out = try runTool(Runqslower.self, [try schedRecording()])
    #expect(out.stdout == """
    Tracing run queue latency higher than 10000 us
    TIME     COMM             TID           LAT(us)

    """)
}

@Test func runqslowerRowsAboveTheThresholdWithPreviousTask() throws {
    let path = try schedRecording()
    let out = try runTool(Runqslower.self, ["-P", path, "4"])
    // Waits 37, 5, 2 and 1500 us; strictly more than 4 us prints.
    #expect(out.stdout == """
    Tracing run queue latency higher than 4 us
    TIME     COMM             TID           LAT(us) PREV COMM        PREV TID
    22:06:40 app              101                37 swapper/0        0     
    22:06:40 child            201                 5 app              101   
    22:06:41 child            201              1500 app              101   

    """)
    let five = try runTool(Runqslower.self, ["5", path])
    #expect(five.stdout.components(separatedBy: "\n").count == 5)  // header ×2, 37 and 1500, final ""
    let tid = try runTool(Runqslower.self, ["-t", "101", path, "1"])
    #expect(tid.stdout.hasSuffix("""
    TIME     COMM             TID           LAT(us)
    22:06:40 app              101                37
    22:06:41 app              101                 2

    """))
    let pid = try runTool(Runqslower.self, ["-p", "200", path, "1"])
    #expect(pid.stdout.components(separatedBy: "\n").filter { $0.contains("child") }.count == 2)
}

@Test func runqslowerJSONAndErrors() throws {
    let path = try schedRecording()
    let json = try runTool(Runqslower.self, ["--json", "-P", path, "1000"])
    #expect(json.stdout == #"{"kind":"event","tool":"runqslower","time":"22:06:41","comm":"child","tid":201,"lat_us":1500,"prev_comm":"app","prev_tid":101}"# + "\n")
    let bad = try runTool(Runqslower.self, ["-p", "0", path])
    #expect(bad.failed && bad.stderr == ["bpfan runqslower: Invalid PID: 0"])
    let zero = try runTool(Runqslower.self, [path, "0"])
    #expect(zero.failed && zero.stderr == ["bpfan runqslower: invalid min_us '0': must be a positive integer"])
    let two = try runTool(Runqslower.self, [path, "1", "2"])
    #expect(two.failed)
}
