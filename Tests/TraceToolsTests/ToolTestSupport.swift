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
