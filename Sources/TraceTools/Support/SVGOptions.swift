import ArgumentParser

/// `--svg FILE` and `--title`: the stack tools' flame graph of what they print.
public struct SVGOptions: ParsableArguments {
    @Option(name: .customLong("svg"), help: ArgumentHelp("Also write an interactive flame graph of the stacks printed (click to zoom, Ctrl-F to search) to FILE ('-': stdout, instead of the text).", valueName: "FILE"))
    public var svg: String?
    @Option(name: .customLong("title"), help: ArgumentHelp("The flame graph's title (with --svg).", valueName: "TEXT"))
    public var title: String?

    public init() {}

    /// The request, when --svg was given; `title` is the tool's default.
    func request(title defaultTitle: String, countName: String) -> FlameGraphRequest? {
        svg.map { FlameGraphRequest(path: $0, title: title ?? defaultTitle, countName: countName) }
    }
}

/// A tool's flame graph, as asked for.
public struct FlameGraphRequest: Sendable {
    public var path: String
    public var title: String
    /// What a stack's value counts ("samples", "us").
    public var countName: String
}
