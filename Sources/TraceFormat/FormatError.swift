/// Damage or misuse found while reading or writing a recording. `description` is the one line a
/// user sees: `file: offset N: what is wrong`.
public struct FormatError: Error, CustomStringConvertible, Sendable, Equatable {
    public var path: String
    public var offset: Int?
    public var message: String

    public init(path: String, offset: Int?, _ message: String) {
        self.path = path
        self.offset = offset
        self.message = message
    }

    public var description: String {
        if let offset { return "\(path): offset \(offset): \(message)" }
        return "\(path): \(message)"
    }
}

/// A bounds failure while decoding bytes; the reader turns it into a `FormatError` with the
/// file and the absolute offset.
struct DecodeError: Error {
    var relativeOffset: Int
    var message: String
}

/// A block the writer refused because the file would grow past its `sizeLimit`.
public struct SizeLimitReached: Error, CustomStringConvertible, Sendable {
    public var limit: Int
    public var description: String { "the size limit of \(limit) bytes is reached" }
}
