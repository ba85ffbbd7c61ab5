/// A problem an analysis cannot get past: a missing table, a bad time, a damaged chunk. The
/// message is one line meant for the user, naming what is wrong.
public struct AnalysisError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
