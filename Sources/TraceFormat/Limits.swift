/// Bounds the reader enforces on every length and count it takes from a file, so that a corrupt
/// or hostile recording can neither crash the analyzer nor make it allocate without limit.
public enum FormatLimits {
    public static let maxRowsPerChunk = 1 << 22
    public static let maxColumnsPerTable = 1024
    /// Decompressed bytes of one column of one chunk.
    public static let maxColumnBytes = 512 << 20
    /// Bytes of one block as stored (a chunk's compressed payload, a metadata blob).
    public static let maxBlockBytes = 1 << 30
    /// Decompressed bytes of one metadata blob.
    public static let maxMetadataBytes = 1 << 30
    public static let maxTables = 4096
    public static let maxNameBytes = 4096
}
