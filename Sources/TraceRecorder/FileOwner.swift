import Foundation
import Glibc

/// Who the recording file is given to. Recordings stay 0600 (they hold paths, argv and
/// addresses), but one made with sudo would be root's and the unprivileged analyzer could not
/// open it: it goes to the user who ran sudo (SUDO_UID/SUDO_GID), or to `--owner USER[:GROUP]`.
public struct FileOwner: Sendable, Equatable {
    public var uid: uid_t
    public var gid: gid_t
    /// How it was chosen, for the end line: "--owner", "the sudo user".
    public var why: String
    /// Whether failing to give the file away is an error (--owner) or a warning (sudo).
    public var required: Bool

    public init(uid: uid_t, gid: gid_t, why: String, required: Bool) {
        self.uid = uid
        self.gid = gid
        self.why = why
        self.required = required
    }

    /// The owner to give the file to: `--owner` when given, else the sudo user when running as
    /// root under sudo, else nil (the file stays the creating user's).
    public static func choose(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                              euid: uid_t = geteuid()) throws(RecorderError) -> FileOwner? {
        if let option { return try parse(option) }
        guard euid == 0, let u = environment["SUDO_UID"].flatMap({ UInt32($0) }), u != 0 else { return nil }
        let g = environment["SUDO_GID"].flatMap { UInt32($0) } ?? primaryGroup(of: u) ?? 0
        return FileOwner(uid: u, gid: g, why: "the sudo user", required: false)
    }

    /// `USER`, `UID`, `USER:GROUP` or `UID:GID`; the group defaults to the user's primary one.
    public static func parse(_ text: String) throws(RecorderError) -> FileOwner {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let user = parts.first, !user.isEmpty else { throw RecorderError("--owner '\(text)': expected USER or USER:GROUP") }
        let uid: uid_t
        if let n = UInt32(user) {
            uid = n
        } else if let pw = getpwnam(user) {
            uid = pw.pointee.pw_uid
        } else {
            throw RecorderError("--owner \(text): no user '\(user)' on this host")
        }
        var gid: gid_t
        if parts.count == 2 {
            guard !parts[1].isEmpty else { throw RecorderError("--owner '\(text)': empty group after ':'") }
            if let n = UInt32(parts[1]) {
                gid = n
            } else if let gr = getgrnam(parts[1]) {
                gid = gr.pointee.gr_gid
            } else {
                throw RecorderError("--owner \(text): no group '\(parts[1])' on this host")
            }
        } else {
            guard let g = primaryGroup(of: uid) else {
                throw RecorderError("--owner \(text): uid \(uid) has no passwd entry to take a group from; name one (--owner \(uid):GID)")
            }
            gid = g
        }
        return FileOwner(uid: uid, gid: gid, why: "--owner", required: true)
    }

    static func primaryGroup(of uid: uid_t) -> gid_t? { getpwuid(uid).map { $0.pointee.pw_gid } }

    /// `alice`, or the number when the host has no name for it.
    public static func userName(_ uid: uid_t) -> String {
        guard let pw = getpwuid(uid), let name = pw.pointee.pw_name else { return "uid \(uid)" }
        return String(cString: name)
    }

    /// Gives `path` to this owner, keeping its mode. Returns why not, or nil.
    func apply(to path: String) -> String? {
        chown(path, uid, gid) == 0 ? nil : "cannot give \(path) to \(Self.userName(uid)) (uid \(uid), gid \(gid)): \(String(cString: strerror(errno)))"
    }
}
