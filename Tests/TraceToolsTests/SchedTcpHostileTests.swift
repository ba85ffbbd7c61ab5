import TraceReport
import TraceTestSupport
import Testing
import TraceFormat
@testable import TraceTools

/// Random flag soup against the scheduler and TCP tools: each run either fails to parse or runs
/// to an answer or a one-line error; a trap would end the test process.
@Test func schedAndTcpToolsSurviveFuzzedFlags() throws {
    let recordings = [try schedRecording(), try cpuRecording(), try tcpRecording(), try retransRecording(), try offcpuRecording(), try acceptRecording()]
    let tokens = ["-T", "-m", "-M", "-P", "-L", "-D", "-p", "-t", "-O", "-u", "-k", "-U", "-K", "-f", "-d", "-c", "-l", "-4", "-6", "-w",
                  "--pidnss", "--state", "--json", "--from", "--to", "0", "1", "2", "-1", "80,81", "0,80", "70000", "x", "99999999999999999999",
                  "0.5", "22:06:42", "", "-", "--", "-PT", "-mL", "-Of", "-s", "-Tt", "-U", "1000"]
    let tools: [any RecordingTool.Type] = [Runqlat.self, RunqlatBt.self, Cpudist.self, Runqslower.self, Tcplife.self, TcplifeBt.self,
                                           Tcpstates.self, Offcputime.self, Tcpretrans.self, Tcpconnect.self, Tcpaccept.self]
    var generator = SplitMix(seed: 7)
    var ran = 0, rejected = 0
    for _ in 0..<300 {
        let tool = tools[Int(generator.next() % UInt64(tools.count))]
        var args = (0..<Int(generator.next() % 6)).map { _ in tokens[Int(generator.next() % UInt64(tokens.count))] }
        args.insert(recordings[Int(generator.next() % UInt64(recordings.count))], at: Int(generator.next() % UInt64(args.count + 1)))
        do {
            let command = try tool.parseAsRoot(args)
            guard let t = command as? any RecordingTool else { continue }
            let out = t.execute()
            if out.failed { #expect(out.stderr.count >= 1 && out.stderr.allSatisfy { $0.hasPrefix("bpfan ") }) }
            ran += 1
        } catch {
            #expect(!tool.fullMessage(for: error).isEmpty)
            rejected += 1
        }
    }
    #expect(ran > 50 && rejected > 50)
}

/// Timestamps at the ends of the Int64 range: spans wrap instead of trapping.
@Test func extremeTimestampsDoNotTrap() throws {
    let s = SyntheticRecording()
    s.add("sched_wakeup", ["ts": .int(Int64.min + 5), "target_pid": 1, "target_tid": 1])
    s.add("sched_wakeup_new", ["ts": .int(Int64.min + 6), "target_pid": 2, "target_tid": 2])
    s.add("sched_switch", ["ts": .int(Int64.max - 1), "pid": 1, "tid": 1, "next_pid": 2, "next_tid": 2])
    s.add("sched_switch", ["ts": .int(Int64.max), "pid": 2, "tid": 2, "next_pid": 1, "next_tid": 1])
    s.add("tcp_state", ["ts": .int(Int64.min + 1), "skaddr": 9, "old_state": 7, "new_state": 2])
    s.add("tcp_state", ["ts": .int(Int64.max), "skaddr": 9, "old_state": 2, "new_state": 7])
    let path = try s.write()
    for tool in [Runqlat.self, RunqlatBt.self, Cpudist.self, Runqslower.self] as [any RecordingTool.Type] {
        let out = (try tool.parseAsRoot([path]) as! any RecordingTool).execute()
        #expect(!out.failed)
    }
    for args in [["-O", path], ["-T", path, "1"]] { #expect(!(try runTool(Cpudist.self, args)).failed) }
    #expect(!(try runTool(Tcplife.self, [path])).failed)
    #expect(!(try runTool(TcplifeBt.self, [path])).failed)
    #expect(!(try runTool(Tcpstates.self, [path])).failed)
}
