import Glibc

/// What a tool produced: its stdout text, its stderr lines, and whether it failed. Tools build
/// this instead of printing so that tests can compare it byte for byte.
public struct ToolOutput: Sendable {
    public var stdout = ""
    public var stderr: [String] = []
    public var failed = false

    public init() {}

    public mutating func write(_ s: String) { stdout += s }
    public mutating func line(_ s: String = "") { stdout += s + "\n" }
    public mutating func warn(_ s: String) { stderr.append(s) }
}

enum StandardOutput {
    static func write(_ text: String) {
        var s = text
        s.withUTF8 { buf in
            var done = 0
            while done < buf.count {
                let n = Glibc.write(1, buf.baseAddress! + done, buf.count - done)
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    return
                }
                done += n
            }
        }
    }
}
