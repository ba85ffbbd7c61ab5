import TraceFormat

/// A derived view of `bpfan sql` (schemas/views.json): a table computed from recorded tables by
/// the engine's derivations, not stored in recordings.
public struct ViewSchema: Sendable, Equatable {
    public var name: String
    public var doc: String
    /// Recorded tables the view needs (a recording without them has no rows of it).
    public var tables: [String]
    public var columns: [ColumnSchema]

    public init(name: String, doc: String, tables: [String], columns: [ColumnSchema]) {
        self.name = name
        self.doc = doc
        self.tables = tables
        self.columns = columns
    }
}

/// Every derived view of schemas/views.json, compiled in (GeneratedViews.swift).
public enum ViewSchemas {}
