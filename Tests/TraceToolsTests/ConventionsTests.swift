import Foundation
import Testing
import TraceTestSupport
@testable import TraceTools

/// Habits users bring from the live tools and the argument parser's conventions (issue 16).

/// argp habit: a short option's value attached to it (`-p100`), as the live tools take it.
@Test func attachedShortOptionValues() throws {
    let path = try cpuRecording()
    let spaced = try runTool(Cpudist.self, ["-p", "100", "-P", "-L", path])
    let attached = try runTool(Cpudist.self, ["-p100", "-P", "-L", path])
    #expect(!spaced.failed && !spaced.stdout.isEmpty)
    #expect(attached.stdout == spaced.stdout && attached.stderr == spaced.stderr)
    let other = try runTool(Cpudist.self, ["-p999", "-P", "-L", path])
    #expect(other.stdout != spaced.stdout)
}

/// The argument parser prints "(default: N)" after an option's help: the help's own text must
/// not say it again.
@Test func helpSaysEachDefaultOnce() {
    for command in ToolRegistry.commands {
        let help = command.helpMessage(columns: 400)
        for line in help.split(separator: "\n") where line.contains("(default: ") {
            let text = line.components(separatedBy: "(default: ")[0]
            #expect(!text.contains("(default"), "\(command.configuration.commandName ?? "?"): \(line)")
        }
    }
}
