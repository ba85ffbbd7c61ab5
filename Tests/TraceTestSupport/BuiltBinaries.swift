import Foundation

/// A product of this package built next to the test bundle (bpfrec, bpfan), or nil.
public func builtBinary(_ name: String) -> String? {
    var dirs = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
    dirs.append(URL(fileURLWithPath: Bundle.main.bundlePath).deletingLastPathComponent())
    dirs.append(URL(fileURLWithPath: Bundle.main.bundlePath))
    for d in dirs {
        var dir = d
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
    }
    return nil
}

/// Runs a program to its end: its exit status, stdout and stderr (stderr must stay under a
/// pipe's 64 KiB while stdout is read).
/// `environment`: variables set for the child on top of this process's.
public func runBinary(_ path: String, _ args: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}
