import ArgumentParser

/// Flags every analysis tool takes besides the live tool's own.
public struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("from"), help: ArgumentHelp("Start of the analysed span: seconds from the recording's start (1.5), wall-clock HH:MM:SS[.fff], or an ISO date-time.", valueName: "TIME"))
    public var from: String?

    @Option(name: .customLong("to"), help: ArgumentHelp("End of the analysed span (same forms as --from).", valueName: "TIME"))
    public var to: String?

    @Flag(name: .customLong("json"), help: "Print the same numbers as JSON instead of the live tool's text.")
    public var json = false

    public init() {}
}
