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

/// argp habit: a negative number is an option's value (`-T -5`): the answer is the real
/// reason ("invalid TOP: -5"), not "Missing value for '-T'".
@Test func negativeOptionValuesGetTheRealReason() throws {
    let path = try syscallRecording()
    #expect(BpfanCommand.arguments(["syscount", "-T", "-5", path]) == ["syscount", "-T-5", path])
    #expect(BpfanCommand.arguments(["syscount", "--top", "-5", path]) == ["syscount", "--top=-5", path])
    for args in [["syscount", "-T", "-5", path], ["syscount", "--top", "-5", path]] {
        #expect(throws: (any Error).self) { try BpfanCommand.parseAsRoot(BpfanCommand.arguments(args)) }
        do { _ = try BpfanCommand.parseAsRoot(BpfanCommand.arguments(args)) } catch {
            #expect(BpfanCommand.message(for: error) == "invalid TOP: -5")
        }
    }
    // After a flag the number stays an unknown option, as before; after `--`, nothing moves.
    #expect(BpfanCommand.arguments(["biolatency", "-m", "-5", path]) == ["biolatency", "-m", "-5", path])
    #expect(BpfanCommand.joiningNegativeValues(["bt", "--", "-e", "-5"]) == ["bt", "--", "-e", "-5"])
    // A positive value is left alone.
    #expect(BpfanCommand.arguments(["syscount", "-T", "5", path]) == ["syscount", "-T", "5", path])
}

/// Help examples are indented lines; one longer than the terminal would wrap to column 0, under
/// the next example's command. At 80 columns (the width of a pipe) every indented line of the
/// discussion prints as it does on a wide terminal (prose paragraphs wrap, at column 0).
@Test func helpExamplesDoNotWrapToColumnZero() {
    func discussion(_ help: String) -> [Substring] {
        help.components(separatedBy: "\nUSAGE:")[0].split(separator: "\n", omittingEmptySubsequences: false)
    }
    for command in ToolRegistry.commands {
        let narrow = Set(discussion(command.helpMessage(columns: 80)))
        for line in discussion(command.helpMessage(columns: 1000)) where line.hasPrefix("    ") && !narrow.contains(line) {
            Issue.record("\(command.configuration.commandName ?? "?"): an example line wraps at 80 columns: \(line)")
        }
    }
}
