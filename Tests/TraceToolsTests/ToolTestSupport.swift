import TraceReport
import TraceTestSupport
import Testing
import TraceFormat
@testable import TraceTools

/// Parses a tool's arguments as the command line would and runs it, capturing its output.
func runTool<T: RecordingTool>(_ type: T.Type, _ args: [String]) throws -> ToolOutput {
    let command = try T.parse(args)
    return command.execute()
}

let vda: UInt32 = 253 << 20
let vdb: UInt32 = 253 << 20 | 16

func ns(_ seconds: Double) -> ColumnValue { .int(SyntheticRecording.at(seconds)) }

/// The tracefs format of sched:sched_wakeup and sched:sched_waking (one layout), as a
/// recording made with --stack-events stores it.
func schedWakeupFormat(_ event: String, id: Int) -> String {
    """
    name: \(event)
    ID: \(id)
    format:
    \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
    \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

    \tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:0;
    \tfield:pid_t pid;\toffset:24;\tsize:4;\tsigned:1;
    \tfield:int prio;\toffset:28;\tsize:4;\tsigned:1;
    \tfield:int target_cpu;\toffset:32;\tsize:4;\tsigned:1;

    print fmt: ""

    """
}
