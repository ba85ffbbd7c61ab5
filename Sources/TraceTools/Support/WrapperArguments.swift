/// The command line of a command that wraps a tool (compare, flamegraph): its own options,
/// wherever they stand (long names only, so the wrapped tool's flags never collide with them),
/// and the rest in order (recordings, the tool and the tool's flags).
enum WrapperArguments {
    /// `missingValue`: an option of `valued` given last, without its value.
    static func split(_ args: [String], valued: Set<String>, flags: Set<String>) -> (own: [String], words: [String], missingValue: String?) {
        var own: [String] = [], words: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            let name = a.split(separator: "=", maxSplits: 1).first.map(String.init) ?? a
            if valued.contains(name) {
                if a.contains("=") { own.append(a) } else {
                    guard i + 1 < args.count else { return (own, words, a) }
                    own += [a, args[i + 1]]
                    i += 1
                }
            } else if flags.contains(a) {
                own.append(a)
            } else {
                words.append(a)
            }
            i += 1
        }
        return (own, words, nil)
    }
}
