/// One test case of a JUnit XML report (`--format junit`): a CI system shows each as a test,
/// failed (`failure`), skipped (`skipped`) or passed, grouped by `suite`.
public struct TestCase: Sendable, Equatable {
    public var suite: String
    public var classname: String
    public var name: String
    /// Why it failed; nil when it did not.
    public var failure: String?
    /// Why it could not be decided; nil when it could.
    public var skipped: String?
    /// What it measured, shown beside the result.
    public var output: String

    public init(suite: String, classname: String, name: String, failure: String? = nil, skipped: String? = nil, output: String = "") {
        self.suite = suite
        self.classname = classname
        self.name = name
        self.failure = failure
        self.skipped = skipped
        self.output = output
    }
}

/// The JUnit XML of test cases: `<testsuites>`, one `<testsuite>` per suite in the order
/// first seen, with their counts.
enum JUnitReport {
    static func render(name: String, _ cases: [TestCase]) -> String {
        var suites: [String] = []
        var bySuite: [String: [TestCase]] = [:]
        for c in cases {
            if bySuite[c.suite] == nil { suites.append(c.suite) }
            bySuite[c.suite, default: []].append(c)
        }
        func counts(_ cs: [TestCase]) -> String {
            "tests=\"\(cs.count)\" failures=\"\(cs.filter { $0.failure != nil }.count)\" skipped=\"\(cs.filter { $0.skipped != nil }.count)\""
        }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"\(escape(name))\" \(counts(cases))>\n"
        for s in suites {
            let cs = bySuite[s]!
            out += "  <testsuite name=\"\(escape(s))\" \(counts(cs))>\n"
            for c in cs {
                out += "    <testcase classname=\"\(escape(c.classname))\" name=\"\(escape(c.name))\">"
                if let f = c.failure { out += "<failure message=\"\(escape(f))\"/>" }
                if let k = c.skipped { out += "<skipped message=\"\(escape(k))\"/>" }
                if !c.output.isEmpty { out += "<system-out>\(escape(c.output))</system-out>" }
                out += "</testcase>\n"
            }
            out += "  </testsuite>\n"
        }
        return out + "</testsuites>\n"
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // XML 1.0 has no place for other control characters.
                if u.value < 0x20 && u != "\n" && u != "\t" { out += "?" } else { out.unicodeScalars.append(u) }
            }
        }
        return out
    }
}
