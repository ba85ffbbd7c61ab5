/// A failed SQL step, with SQLite's own message and, for a statement that did not compile, the
/// byte offset in the SQL text where SQLite stopped (`sqlite3_error_offset`).
public struct SQLError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case syntax, runtime, memory }
    public var kind: Kind
    public var message: String
    public var offset: Int?

    public init(_ kind: Kind, _ message: String, offset: Int? = nil) {
        self.kind = kind
        self.message = message
        self.offset = offset
    }

    public var description: String { message }
}
