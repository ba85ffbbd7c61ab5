import TraceAnalysis
import TraceReport

/// A derived view of `bpfan sql`: rows computed per recording by the engine's derivations.
/// Its columns are documented in schemas/views.json (`columnNames` must match them: checked
/// when a session opens, and by a test).
public protocol DerivedView: Sendable {
    var name: String { get }
    var columnNames: [String] { get }
    /// Recorded tables without which the view has no rows (views.json `tables`).
    var requiredTables: [String] { get }
    /// Whether the recording has what the view needs (default: every `requiredTables`).
    func isAvailable(in recording: SQLRecording) -> Bool
    /// Writes the recording's rows, cells in `columnNames` order.
    func produce(_ recording: SQLRecording, into sink: RowSink) throws
}

public enum DerivedViews {
    public static let all: [any DerivedView] = [SyscallsView(), ProcessesView(), BlockRequestsView(), SchedSlicesView(), ThreadStatesView(), TcpConnectionsView(), StacksView()]
}

extension DerivedView {
    public var requiredTables: [String] { ViewSchemasLookup.tables(of: name) }
    public func isAvailable(in r: SQLRecording) -> Bool { requiredTables.allSatisfy { r.recording.hasTable($0) } }
}
