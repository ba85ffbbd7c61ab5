/// The version of bpfrec and bpfan: one number for both (they are released together and share
/// the file format). `--version`/`-V` print it, and every recording names it in its
/// `recording` metadata.
public enum ToolkitVersion {
    public static let number = "0.1.0"

    /// The `--version` line: `bpfan 0.1.0 (trace format 1.0, rings 2.0)`: what it writes and reads.
    public static func line(program: String) -> String {
        "\(program) \(number) (trace format \(FileLayout.majorVersion).\(FileLayout.minorVersion), rings \(FileLayout.ringMajorVersion).\(FileLayout.minorVersion))"
    }
}
