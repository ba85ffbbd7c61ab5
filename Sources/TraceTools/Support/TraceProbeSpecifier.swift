import Foundation

/// A bcc trace probe, split as bcc 0.26's trace.py splits it:
/// `[{p,r}]:[library]:function [(predicate)] ["format string"[, arguments]]`, of which a
/// recording serves `t:category:event`. The format's conversions and their C types are bcc's.
struct TraceProbeSpecifier: Sendable {
    let raw: String
    let category: String
    let event: String
    /// The predicate's text with its parentheses, or nil (then every event prints).
    let filter: String?
    /// The format as the live tool prints it (quotes stripped, no escapes processed: bcc's
    /// `python_format`), with each conversion's bcc type letter.
    let format: String
    let types: [String]
    let arguments: [String]

    struct Failure: Error, CustomStringConvertible {
        let raw: String, reason: String
        var description: String { "error in probe '\(raw)': \(reason)" }
    }

    var tracepoint: String { "\(category):\(event)" }
    var isDefaultAction: Bool { format.isEmpty }

    init(_ raw: String) throws(Failure) {
        self.raw = raw
        func bail(_ reason: String) -> Failure { Failure(raw: raw, reason: reason) }
        // ([^ \t\(]+)(\([^\(]*\))?(.*): the probe, an optional signature, the rest.
        let chars = Array(raw)
        var i = 0
        while i < chars.count, chars[i] != " ", chars[i] != "\t", chars[i] != "(" { i += 1 }
        let spec = String(chars[0..<i])
        if i < chars.count, chars[i] == "(", let close = chars[i...].firstIndex(of: ")"), !chars[(i + 1)..<close].contains("(") {
            let parts = spec.split(separator: ":", omittingEmptySubsequences: false)
            if parts.first == "t" || parts.first == "u" {
                throw bail("USDT and tracepoint probes can't have a function signature; use arg1, arg2, ... instead")
            }
            i = close + 1
        }
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let kind = parts.count < 3 ? "p" : parts[0].isEmpty ? "p" : parts[0]
        switch kind {
        case "t":
            guard parts.count == 3, !parts[1].isEmpty, !parts[2].isEmpty else { throw bail("a tracepoint probe is t:CATEGORY:EVENT") }
        case "p", "r":
            throw bail("kernel and user functions need kprobes or uprobes, which recordings do not hold; trace a tracepoint instead (t:CATEGORY:EVENT), e.g. t:syscalls:sys_enter_NAME for a syscall")
        case "u":
            throw bail("USDT probes are not in recordings; trace a tracepoint instead (t:CATEGORY:EVENT)")
        default:
            throw bail("probe type must be '', 'p', 't', 'r', or 'u', but got '\(parts[0])'")
        }
        category = parts[1]
        event = parts[2]
        var rest = String(chars[i...]).drop { $0 == " " || $0 == "\t" }
        var filter: String?
        if rest.first == "(" {
            var balance = 0
            for (n, c) in rest.enumerated() {
                if c == "(" { balance += 1 }
                if c == ")" { balance -= 1 }
                if balance == 0 {
                    filter = String(rest.prefix(n + 1))
                    rest = rest.dropFirst(n + 1)
                    break
                }
            }
            if filter == nil { throw bail("unmatched end of predicate") }
        }
        self.filter = filter
        let action = String(rest).trimmingBlanks()
        guard !action.isEmpty else { format = ""; types = []; arguments = []; return }
        // (\".*?\"),?(.*): the first quoted string, then the arguments split on commas not
        // after a quote (bcc's re.split('(?<!"),', ...)).
        guard let q1 = action.firstIndex(of: "\""), let q2 = action[action.index(after: q1)...].firstIndex(of: "\"") else {
            throw bail("expected format string in \"s")
        }
        let quoted = String(action[q1...q2])
        var after = action[action.index(after: q2)...]
        if after.first == "," { after = after.dropFirst() }
        var args: [String] = []
        var current = ""
        var previous: Character?
        for c in after {
            if c == ",", previous != "\"" { args.append(current); current = "" } else { current.append(c) }
            previous = c
        }
        args.append(current)
        arguments = args.map { $0.trimmingBlanks() }.filter { !$0.isEmpty }
        (format, types) = Self.convert(quoted)
        if types.count != arguments.count {
            throw bail("the format has \(types.count) conversion(s) but \(arguments.count) argument(s) follow it")
        }
    }

    static let conversion = try! NSRegularExpression(pattern: "[^%]%(s|u|d|lu|llu|ld|lld|hu|hd|x|lx|llx|c|K|U)")

    /// bcc's `_parse_types`: the conversions it knows, then the format Python prints with:
    /// the integer ones as `%d` / `%x` (here `%ld` / `%lx`: the values are already of their C
    /// type, and C's printf needs the width), `%K`/`%U` as `%s`, the quotes stripped.
    static func convert(_ quoted: String) -> (String, [String]) {
        let ns = quoted as NSString
        var types: [String] = []
        var out = ""
        var last = 0
        for m in conversion.matches(in: quoted, range: NSRange(location: 0, length: ns.length)) {
            let letterRange = m.range(at: 1)
            let letters = ns.substring(with: letterRange)
            types.append(letters)
            out += ns.substring(with: NSRange(location: last, length: letterRange.location - last))
            switch letters {
            case "u", "d", "lu", "llu", "ld", "lld", "hu", "hd": out += "ld"
            case "x", "lx", "llx": out += "lx"
            case "K", "U": out += "s"
            default: out += letters
            }
            last = letterRange.location + letterRange.length
        }
        out += ns.substring(from: last)
        // Python's str.strip('"'): every quote at either end.
        while out.hasPrefix("\"") { out.removeFirst() }
        while out.hasSuffix("\"") { out.removeLast() }
        return (out, types)
    }

    /// The C type bcc stores each conversion's value in (`c_type` in trace.py).
    static func cType(_ letters: String) -> String {
        switch letters {
        case "u", "x": return "unsigned int"
        case "d": return "int"
        case "lu", "lx": return "unsigned long"
        case "ld": return "long"
        case "llu", "llx", "K", "U": return "unsigned long long"
        case "lld": return "long long"
        case "hu": return "unsigned short"
        case "hd": return "short"
        case "c": return "char"
        default: return "char *"
        }
    }
}
