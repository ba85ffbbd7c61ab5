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

    /// The families recorded by default: every one with fixed tables (the generic capture
    /// records only what -e names).
    public static var fixed: [Family] { allCases.filter { !generic.contains($0) } }

    /// Parses a comma-separated list (`--families proc,sched`); "all" means every fixed family,
    /// "none" none (with -e: only those events).
    public static func parseList(_ text: String) throws(RecorderError) -> [Family] {
        var out: [Family] = []
        if text.trimmingCharacters(in: .whitespaces) == "none" { return [] }
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            if part == "all" { return fixed }
            guard let f = Family(name: part) else {
                throw RecorderError("--families: unknown family '\(part)' (known: \(allCases.map(\.name).joined(separator: ", ")))")
            }
            if !out.contains(f) { out.append(f) }
        }
        guard !out.isEmpty else { throw RecorderError("--families: empty list") }
        if let g = out.first(where: { generic.contains($0) }) {
            throw RecorderError("--families: \(g) records the tracepoints named by -e SUBSYS:EVENT; name them there")
        }
        return out
    }
}

/// A recorder failure with a message meant for the user, naming the flag or file involved.
public struct RecorderError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

