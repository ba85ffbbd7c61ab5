import Glibc

/// Writes to file descriptor 2 (Swift 6 refuses the C `stderr` global).
public enum StandardError {
    public static func write(_ line: String) {
        var text = line
        if !text.hasSuffix("\n") { text += "\n" }
        text.withCString { p in _ = Glibc.write(2, p, strlen(p)) }
    }
}
