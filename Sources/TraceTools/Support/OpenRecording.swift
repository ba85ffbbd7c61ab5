import TraceReport
import ArgumentParser
import TraceFormat

/// Opens the recording a command was given (one file, or the numbered files of a rotated
/// set), or prints the one-line reason and exits 1.
public func openRecording(_ path: String) throws -> TraceFile { try openRecording([path]) }

public func openRecording(_ paths: [String]) throws -> TraceFile {
    do {
        return try TraceFile(paths: paths)
    } catch let error as FormatError {
        StandardError.write("bpfan: \(error)")
        throw ExitCode.failure
    }
}

/// Writes a command's output to stdout; when it cannot be written (a full disk, `> /dev/full`)
/// prints the one-line reason and exits 1, rather than exiting 0 with nothing written.
public func writeOutput(_ text: String) throws {
    StandardOutput.write(text)
    if let why = StandardOutput.failureMessage {
        StandardError.write("bpfan: \(why)")
        throw ExitCode.failure
    }
}
