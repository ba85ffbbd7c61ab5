import TraceReport
import Foundation
import Testing
import TraceTools

/// Every tool's --json output, on every golden invocation: JSON Lines, a header record first,
/// and each record valid against schemas/output.schema.json.
struct JSONOutputSchemaTests {
    static let schema: JSONSchemaCheck? = {
        let url = GoldenOutputTests.samples.deletingLastPathComponent().appendingPathComponent("schemas/output.schema.json")
        return (try? String(contentsOf: url, encoding: .utf8)).flatMap { try? JSONSchemaCheck(schema: $0) }
    }()

    @Test(arguments: GoldenOutputTests.invocations)
    func jsonOutputValidates(_ inv: GoldenOutputTests.Invocation) throws {
        let schema = try #require(Self.schema, "schemas/output.schema.json does not parse")
        let path = GoldenOutputTests.samples.appendingPathComponent(inv.sample + ".trc").path
        guard let tool = try BpfanCommand.parseAsRoot(inv.arguments + ["--json", path]) as? any RecordingTool else {
            Issue.record("\(inv): not a recording tool")
            return
        }
        let out = tool.execute(arguments: inv.arguments + ["--json", path])
        let lines = out.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.last == "", "\(inv): output does not end with a newline")
        let records = lines.dropLast()
        guard let first = records.first else {
            Issue.record("\(inv): no header record (stderr: \(out.stderr))")
            return
        }
        let header = try JSONValue.parse(String(first))
        guard case .object(let h) = header else { Issue.record("\(inv): header is not an object"); return }
        #expect(h["type"] == .string("header"))
        #expect(h["tool"] == .string(inv.arguments[0]))
        for (n, line) in records.enumerated() {
            let value: JSONValue
            do { value = try JSONValue.parse(String(line)) } catch {
                Issue.record("\(inv): line \(n + 1) is not JSON: \(line.prefix(200))")
                return
            }
            if let v = schema.violation(of: value) {
                Issue.record("\(inv): line \(n + 1): \(v)\n  \(line.prefix(300))")
                return
            }
            let keys = jsonTopLevelKeys(String(line))
            if Set(keys).count != keys.count {
                Issue.record("\(inv): line \(n + 1) has a key twice (a column named like a record field?): \(keys)")
                return
            }
        }
    }
}

/// The keys of a JSON object's top level, in order, as written (duplicates kept: a parser keeps
/// only one of them).
func jsonTopLevelKeys(_ json: String) -> [String] {
    var keys: [String] = [], depth = 0, inString = false, escaped = false, current = "", last = ""
    for ch in json {
        if inString {
            if escaped { escaped = false; current.append(ch) } else if ch == "\\" { escaped = true } else if ch == "\"" { inString = false; last = current } else { current.append(ch) }
            continue
        }
        switch ch {
        case "\"": inString = true; current = ""
        case "{", "[": depth += 1
        case "}", "]": depth -= 1
        case ":": if depth == 1 { keys.append(last) }
        default: break
        }
    }
    return keys
}
