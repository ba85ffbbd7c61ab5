/// How a flame graph is drawn and labelled (flamegraph.pl's --title, --subtitle, --countname,
/// --width, --height, --fontsize, --minwidth).
public struct FlameGraphOptions: Sendable {
    public var title: String
    public var subtitle: String?
    /// What a value counts, in tooltips ("samples", "us").
    public var countName: String
    /// Image width, and each frame's height, in pixels.
    public var width: Int = 1200
    public var frameHeight: Int = 16
    public var fontSize: Double = 12
    /// Average glyph width per font size unit, for fitting names into frames.
    public var fontWidth: Double = 0.59
    /// Frames narrower than this (pixels, at the full view) are left out, as flamegraph.pl
    /// leaves them out: they could not be seen or clicked.
    public var minWidth: Double = 0.1
    /// Red and blue by each frame's change from the base (`FlameStack.base`) instead of the
    /// kind palettes.
    public var differential = false
    /// In a differential graph, scale the base to the new total before taking changes
    /// (difffolded.pl -n): a longer or busier recording does not read as growth everywhere.
    public var normalizeBase = true

    public init(title: String, subtitle: String? = nil, countName: String = "samples") {
        self.title = title
        self.subtitle = subtitle
        self.countName = countName
    }
}
