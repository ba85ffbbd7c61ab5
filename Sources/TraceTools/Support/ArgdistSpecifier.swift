import TraceAnalysis
import TraceExpressions

/// An argdist probe specifier, split as bcc 0.26's argdist.py splits it:
/// `{p,r,t,u}:{[library],category}:function(signature)[:type[,type...]:expr[,expr...][:filter]][#label]`.
/// Splitting is on every ':' and ',' (no ternaries or commas inside expressions, as in bcc).
struct ArgdistSpecifier: Sendable {
    enum Kind: Sendable { case frequency, histogram }

    let raw: String
    let kind: Kind
    let label: String?
    let category: String
    let event: String
    /// No type and expression given: count calls ("total calls").
    let isDefault: Bool
    let types: [String]
    /// The expressions as written (shown in the output: `args->irq = 5`).
    let expressions: [String]
    let filter: String

    struct Failure: Error, CustomStringConvertible {
        let raw: String, reason: String
        var description: String { "error parsing probe '\(raw)': \(reason)" }
    }

    init(_ raw: String, kind: Kind) throws(Failure) {
        self.raw = raw
        self.kind = kind
        func bail(_ reason: String) -> Failure { Failure(raw: raw, reason: reason) }
        let halves = raw.split(separator: "#", omittingEmptySubsequences: false).map(String.init)
        label = halves.count == 2 ? halves[1] : nil
        let parts = halves[0].trimmingBlanks().split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if parts.count < 3 { throw bail("at least the probe type, library, and function signature must be specified") }
        if parts.count > 6 { throw bail("extraneous ':'-separated parts detected") }
        guard ["r", "p", "t", "u"].contains(parts[0]) else { throw bail("probe type must be 'p', 'r', 't', or 'u' but got '\(parts[0])'") }
        guard let open = parts[2].firstIndex(of: "("), open != parts[2].startIndex, parts[2].hasSuffix(")"),
              !parts[2][..<open].contains(where: { $0 == " " || $0 == "\t" }) else {
            throw bail("function signature '\(parts[2])' has an invalid format")
        }
        switch parts[0] {
        case "p", "r":
            throw bail("\(parts[0] == "p" ? "kernel and user function entries (p:)" : "function returns (r:)") need kprobes or uprobes, which recordings do not hold; use a tracepoint (t:CATEGORY:EVENT()), e.g. t:syscalls:sys_exit_NAME() for a syscall's return")
        case "u":
            throw bail("USDT probes (u:) are not in recordings; use a tracepoint (t:CATEGORY:EVENT())")
        default: break
        }
        category = parts[1]
        event = String(parts[2][..<open]).trimmingBlanks()
        let signature = String(parts[2][parts[2].index(after: open)..<parts[2].index(before: parts[2].endIndex)])
        if !signature.trimmingBlanks().isEmpty { throw bail("tracepoints take no signature: their fields are args->FIELD") }
        isDefault = parts.count < 5
        if !isDefault {
            if parts[3].isEmpty { throw bail("no expr types specified") }
            if parts[4].isEmpty { throw bail("no exprs specified") }
            types = parts[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            expressions = parts[4].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if types.count != expressions.count { throw bail("mismatched # of exprs and types") }
            if kind == .histogram && types.count > 1 { throw bail("histograms can only have 1 expr") }
        } else {
            if kind == .histogram { throw bail("histograms must have expr") }
            types = ["u64"]
            expressions = ["1"]
        }
        filter = parts.count == 6 ? parts[5] : ""
    }

    var tracepoint: String { "\(category):\(event)" }
    var title: String { label ?? raw }
}

extension String {
    func trimmingBlanks() -> String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return "" }
        return String(self[first...last])
    }
}
