import ArgumentParser

/// One tool of the seed list and what tool-map.md found for it on our kernel.
public struct SeedTool: Sendable {
    public enum Origin: String, Sendable { case bcc, bpftrace }
    public let name: String
    public let origin: Origin
    /// S (supported), W0 (today's recordings serve it), W1-W9 (the capture that brings its
    /// data), X (impossible on this kernel).
    public let wave: String
    /// The recorder family it reads ("(new)" when that family does not exist yet).
    public let family: String
    public let fidelity: String
    public let route: String

    init(_ name: String, _ origin: Origin, wave: String, family: String, fidelity: String, route: String) {
        self.name = name
        self.origin = origin
        self.wave = wave
        self.family = family
        self.fidelity = fidelity
        self.route = route
    }
}

/// Every `bpfan` subcommand, and every tool a user may ask for: the seed's 147 and the
/// libbpf-tools ones beyond it. A new tool is its file plus its line in `tools`.
public enum ToolRegistry {
    /// The analysis tools, by the name the user types.
    public static let tools: [any RecordingTool.Type] = [
        Biolatency.self, Biosnoop.self, Biotop.self, Bitesize.self, Biopattern.self,
        Syscount.self, Opensnoop.self, Statsnoop.self,
        Execsnoop.self, Exitsnoop.self, Killsnoop.self, Sigsnoop.self,
        Runqlat.self, Runqslower.self, Cpudist.self, Offcputime.self,
        Tcplife.self, Tcpstates.self, Tcpconnect.self, Tcpaccept.self, Tcpretrans.self, Tcpdrop.self, Mountsnoop.self,
        Pidpersec.self, Runqlen.self, Cpuunclaimed.self, Shmsnoop.self, Syncsnoop.self, Tcpconnlat.self, Tcptracer.self,
        Solisten.self, Vfsstat.self, Tplist.self, Funccount.self, Argdist.self, Trace.self, Bt.self, Softirqs.self, Hardirqs.self,
        Stackcount.self, Profile.self, Wakeuptime.self, Offwaketime.self, Oomkill.self, Slabratetop.self, Tcptop.self, Tcpsubnet.self, Capable.self, Bpflist.self,
    ] + scripts

    /// The recording commands, then the tools.
    public static var commands: [ParsableCommand.Type] { [InfoCommand.self, CheckCommand.self, ToolsCommand.self, CompareCommand.self, FlamegraphCommand.self, SqlCommand.self, ExportCommand.self] + tools.map { $0 } }

    public enum Status: String, Sendable { case supported, notYet = "not yet", impossible }

    /// A row of `bpfan tools`.
    public struct Entry: Sendable {
        public let name: String
        public let status: Status
        public let command: (any RecordingTool.Type)?
        public let seed: SeedTool?
    }

    /// Every known tool, in the seed's order (bcc, then bpftrace), then the registered tools the
    /// seed does not name.
    public static let entries: [Entry] = {
        let byName = Dictionary(uniqueKeysWithValues: tools.map { ($0.toolName, $0) })
        var out = seed.map { s in
            Entry(name: s.name, status: byName[s.name] != nil ? .supported : s.wave == "X" ? .impossible : .notYet, command: byName[s.name], seed: s)
        }
        let named = Set(seed.map(\.name))
        out += tools.filter { !named.contains($0.toolName) }.map { Entry(name: $0.toolName, status: .supported, command: $0, seed: nil) }
        return out
    }()

    public static func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// What `bpfan NAME` says for a tool that is known but not here yet, or impossible.
    public static func unavailable(_ e: Entry) -> String {
        guard let s = e.seed else { return "bpfan: \(e.name) is not available" }
        switch e.status {
        case .impossible:
            return "bpfan: \(e.name) cannot be reproduced from a recording on this kernel: \(s.fidelity)"
        default:
            let needs = s.wave == "W0" ? "today's recordings hold what it needs (\(s.family)); the tool is not written yet"
                : "it needs \(s.family) capture, which bpfrec does not record yet (\(s.route))"
            return "bpfan: \(e.name) is not supported yet: \(needs)"
        }
    }

    /// Known names closest to `word` (edit distance at most 2, or a shared prefix of 4).
    public static func suggestions(for word: String) -> [String] {
        let names = entries.map(\.name) + ["info", "check", "tools", "compare", "help"]
        let scored = names.map { ($0, editDistance(word.lowercased(), $0)) }.filter { $0.1 <= 2 || (word.count >= 4 && $0.0.hasPrefix(word.lowercased())) }
        return scored.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(3).map(\.0)
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        if x.isEmpty || y.isEmpty { return max(x.count, y.count) }
        var row = Array(0...y.count)
        for i in 1...x.count {
            var diagonal = row[0]
            row[0] = i
            for j in 1...y.count {
                let above = row[j]
                row[j] = min(above + 1, row[j - 1] + 1, diagonal + (x[i - 1] == y[j - 1] ? 0 : 1))
                diagonal = above
            }
        }
        return row[y.count]
    }
}
