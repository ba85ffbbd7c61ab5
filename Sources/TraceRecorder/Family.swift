import Foundation
import CBPFPrograms

/// The family list itself (cases, names, tracepoints) is GeneratedFamilies.swift, from schemas/.
extension Family: CustomStringConvertible {
    public var description: String { name }

    /// Size of an array indexed by family id (the loss counters' BPF map is this long).
    static let idLimit = Int(BPFREC_FAMILY_SLOTS)

    public init?(name: String) {
        guard let f = Family.allCases.first(where: { $0.name == name }) else { return nil }
        self = f
    }

    /// The families with fixed tables (the generic capture records only what -e names).
    public static var fixed: [Family] { allCases.filter { !generic.contains($0) } }

    /// The families recorded without --families: the fixed ones but those recorded only when
    /// named (optIn).
    public static var defaults: [Family] { fixed.filter { !optIn.contains($0) } }

    /// Parses a comma-separated list (`--families proc,sched,irq`): families, and the events of
    /// the presets named (as -e would give them). "all" means every fixed family, the opt-in
    /// ones included, "none" none
    /// (with -e: only those events).
    public static func parseList(_ text: String) throws(RecorderError) -> (families: [Family], events: [String]) {
        var out: [Family] = []
        var events: [String] = []
        if text.trimmingCharacters(in: .whitespaces) == "none" { return ([], []) }
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            if part == "all" {
                for f in fixed where !out.contains(f) { out.append(f) }
                continue
            }
            if let p = presets.first(where: { $0.name == part }) {
                events += p.events.filter { !events.contains($0) }
                continue
            }
            guard let f = Family(name: part) else {
                let known = (fixed.map(\.name) + presets.map(\.name)).joined(separator: ", ")
                throw RecorderError("--families: unknown family '\(part)' (known: \(known))")
            }
            if !out.contains(f) { out.append(f) }
        }
        guard !out.isEmpty || !events.isEmpty else { throw RecorderError("--families: empty list") }
        if let g = out.first(where: { generic.contains($0) }) {
            throw RecorderError("--families: \(g) records the tracepoints named by -e SUBSYS:EVENT; name them there")
        }
        return (out, events)
    }
}

/// A recorder failure with a message meant for the user, naming the flag or file involved.
public struct RecorderError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

