import TraceAnalysis

/// A recording opened for SQL, with the two columns every table gains so that queries over
/// several recordings (a fleet, locally) can tell their rows apart.
public struct SQLRecording: @unchecked Sendable {
    // @unchecked: Recording is an immutable, thread-safe class.
    public let recording: Recording
    /// The recording host's name (`host` metadata), "" when the recording lacks it.
    public let host: String
    /// The path the recording was given as.
    public let label: String

    public init(_ recording: Recording, label: String? = nil) {
        self.recording = recording
        host = recording.host?.hostname ?? ""
        self.label = label ?? recording.path
    }
}

/// What scans of one table did during the statements run so far (`--stats`).
public struct ScanCounters: Sendable, Equatable {
    public var scans = 0
    /// Chunks decompressed and decoded.
    public var chunksRead = 0
    /// Chunks left compressed because their statistics excluded every row the query wants.
    public var chunksSkipped = 0
    /// Rows of the chunks read.
    public var rowsScanned = 0
    /// Rows handed to SQLite after the pushed-down checks.
    public var rowsReturned = 0
    /// Columns decoded per chunk in the last scan (of the table's columns).
    public var columnsDecoded = 0
    public var columnsTotal = 0
}

/// The counters of every table of a session, shared by its cursors (one thread).
final class CounterBoard {
    var tables: [String: ScanCounters] = [:]
}
