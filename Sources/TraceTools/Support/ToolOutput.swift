import Glibc

/// What a tool produces: stdout text, stderr lines, and whether it failed. Captured whole for
/// tests (`execute()`); streamed for the command line (`run()`), so a snoop over a long
/// recording prints as it goes and holds at most a 64 KiB buffer.
public struct ToolOutput: Sendable {
    public private(set) var stdout = ""
    public private(set) var stderr: [String] = []
    public var failed = false
    let streaming: Bool

    public init() { streaming = false }
    init(streaming: Bool) { self.streaming = streaming }

    public mutating func write(_ s: String) {
        stdout += s
        if streaming && stdout.utf8.count >= 1 << 16 { flush() }
    }
    public mutating func line(_ s: String = "") { write(s + "\n") }

    /// A stderr line; written at once when streaming so warnings precede the output they qualify.
    public mutating func warn(_ s: String) {
        if streaming { StandardError.write(s) } else { stderr.append(s) }
    }

    mutating func flush() {
        guard streaming, !stdout.isEmpty else { return }
        StandardOutput.write(stdout)
        stdout = ""
    }
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
