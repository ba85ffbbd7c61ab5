import TraceReport
import Foundation

/// A JSON value, as decoded for checking against a schema (booleans, integers and other
/// numbers told apart).
indirect enum JSONValue: Decodable, Equatable {
    case null, bool(Bool), int(Int64), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let u = try? c.decode(UInt64.self) { self = .number(Double(u)) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    static func parse(_ text: String) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// The part of JSON Schema (2020-12) that schemas/output.schema.json uses: type, const, enum,
/// required, properties, additionalProperties, items, oneOf and local $ref. Returns the first
/// violation as "path: what", or nil.
struct JSONSchemaCheck {
    let root: JSONValue

    init(schema text: String) throws { root = try JSONValue.parse(text) }

    func violation(of value: JSONValue) -> String? { check(value, root, "$") }

    private func resolve(_ schema: JSONValue) -> JSONValue {
        guard case .object(let s) = schema, case .string(let ref)? = s["$ref"], ref.hasPrefix("#/") else { return schema }
        var node = root
        for part in ref.dropFirst(2).split(separator: "/") {
            guard case .object(let o) = node, let next = o[String(part)] else { return .object([:]) }
            node = next
        }
        return resolve(node)
    }

    private func check(_ v: JSONValue, _ schemaIn: JSONValue, _ path: String) -> String? {
        let schema = resolve(schemaIn)
        guard case .object(let s) = schema else { return nil }
        if let t = s["type"] {
            let allowed: [String]
            switch t {
            case .string(let one): allowed = [one]
            case .array(let many): allowed = many.compactMap { if case .string(let x) = $0 { return x }; return nil }
            default: allowed = []
            }
            let name = v.typeName
            if !allowed.contains(name) && !(name == "integer" && allowed.contains("number")) {
                return "\(path): \(name), expected \(allowed.joined(separator: " or "))"
            }
        }
        if let c = s["const"], c != v { return "\(path): expected \(c)" }
        if case .array(let options)? = s["enum"], !options.contains(v) { return "\(path): \(v) is not one of \(options)" }
        if case .array(let alternatives)? = s["oneOf"] {
            let failures = alternatives.map { check(v, $0, path) }
            let passed = failures.filter { $0 == nil }.count
            if passed != 1 { return passed == 0 ? "\(path): matches no alternative (\(failures.compactMap { $0 }.joined(separator: "; ")))" : "\(path): matches \(passed) alternatives" }
        }
        if case .object(let o) = v {
            if case .array(let req)? = s["required"] {
                for case .string(let k) in req where o[k] == nil { return "\(path): missing \"\(k)\"" }
            }
            let props: [String: JSONValue] = { if case .object(let p)? = s["properties"] { return p }; return [:] }()
            for (k, sub) in o.sorted(by: { $0.key < $1.key }) {
                if let p = props[k] {
                    if let e = check(sub, p, "\(path).\(k)") { return e }
                } else if let extra = s["additionalProperties"] {
                    if case .bool(false) = extra { return "\(path): unexpected \"\(k)\"" }
                    if case .object = extra, let e = check(sub, extra, "\(path).\(k)") { return e }
                }
            }
        }
        if case .array(let items) = v, let itemSchema = s["items"] {
            for (i, item) in items.enumerated() { if let e = check(item, itemSchema, "\(path)[\(i)]") { return e } }
        }
        return nil
    }
}
