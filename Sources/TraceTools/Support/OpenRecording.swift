import TraceReport
import ArgumentParser
import TraceFormat

/// Opens the recording a command was given, or prints the one-line reason and exits 1.
public func openRecording(_ path: String) throws -> TraceFile {
    do {
        return try TraceFile(path: path)
    } catch let error as FormatError {
        StandardError.write("bpfan: \(error)")
        throw ExitCode.failure
    }
}
