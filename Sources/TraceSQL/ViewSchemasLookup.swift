import TraceSchema

/// The documented facts of a view (schemas/views.json), by name.
enum ViewSchemasLookup {
    static func tables(of view: String) -> [String] { ViewSchemas.all.first { $0.name == view }?.tables ?? [] }
}
