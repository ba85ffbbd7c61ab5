import TraceAnalysis

/// Why two recordings cannot be compared with confidence, whatever their samples say: events
/// lost in the compared window, damage, or different hosts or kernels (unless allowed). Each
/// reason makes the comparison inconclusive (exit 3).
enum RecordingCompatibility {
    static func problems(base: [Recording], new: [Recording], lossFamilies: Set<String>, allowDifferentHosts: Bool) -> [String] {
        var out: [String] = []
        let roles = base.map { ("BASE", $0) } + new.map { ("NEW", $0) }
        for (role, rec) in roles {
            if let lost = rec.lossSummary(families: lossFamilies) { out.append("\(role) \(rec.path): \(lost)") }
            if !rec.file.damage.isEmpty {
                out.append("\(role) \(rec.path) is damaged (\(rec.file.damage.count) problem(s); first: \(rec.file.damage[0]))")
            }
        }
        // Every run against the first base run: one host and kernel for all of them.
        if !allowDifferentHosts, let first = base.first {
            let several = roles.count > 2
            for (role, rec) in roles.dropFirst() {
                if let why = hostDifference(base: first, new: rec, role: several ? "\(role) \(rec.path)" : role) {
                    out.append(why + "; give --allow-different-hosts to compare them anyway")
                }
            }
        }
        return out
    }

    /// How the two recordings' hosts differ (name or kernel release), or nil when they match;
    /// `role` names the second (NEW, or a run with its path).
    static func hostDifference(base: Recording, new: Recording, role: String = "NEW") -> String? {
        guard let b = base.host, let n = new.host else {
            let which = base.host == nil ? "BASE \(base.path)" : role.contains(" ") ? role : "\(role) \(new.path)"
            return "cannot tell whether the recordings come from one host: \(which) has no host metadata"
        }
        if b.hostname == n.hostname && b.kernelRelease == n.kernelRelease { return nil }
        return "BASE was recorded on \(b.hostname) (Linux \(b.kernelRelease)), \(role) on \(n.hostname) (Linux \(n.kernelRelease))"
    }
}
