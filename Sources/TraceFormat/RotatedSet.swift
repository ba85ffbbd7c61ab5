/// The numbered files of `bpfrec record --rotate`: `-o run.trc` writes `run.0001.trc`,
/// `run.0002.trc` …, the number before the last extension (appended when there is none), four
/// digits and more past 9999. Each file is a whole recording; read together they are one.
public enum RotatedSet {
    /// The metadata blob each numbered file carries: which set it belongs to and its number.
    public static let metadataName = "rotation"

    public struct Part: Codable, Sendable, Equatable {
        /// Random id shared by the files of one set (hex).
        public var set: String
        /// 1, 2, 3 … in the order written.
        public var part: Int
        /// The -o path the numbers were put in.
        public var pattern: String
        /// The first this many chunks of the file restate the retained tables' chunks of the
        /// files before it (the process snapshot, memory maps), so that it reads on its own; a
        /// reader of the set skips them.
        public var restated: Int = 0
        /// The newest event time in the files before this one (0 in the first): every event
        /// after it is in this file or a later one, so read from here on the recording is
        /// complete after it (this file's first chunks may also hold older rows).
        public var completeAfter: Int64 = 0

        public init(set: String, part: Int, pattern: String, restated: Int = 0, completeAfter: Int64 = 0) {
            self.set = set
            self.part = part
            self.pattern = pattern
            self.restated = restated
            self.completeAfter = completeAfter
        }

        // Fields added later read as their defaults when absent.
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            set = try c.decode(String.self, forKey: .set)
            part = try c.decode(Int.self, forKey: .part)
            pattern = try c.decode(String.self, forKey: .pattern)
            restated = try c.decodeIfPresent(Int.self, forKey: .restated) ?? 0
            completeAfter = try c.decodeIfPresent(Int64.self, forKey: .completeAfter) ?? 0
        }
    }

    /// The name of file `part` of the set written to `path`.
    public static func path(_ path: String, part: Int) -> String {
        let number = part < 10000 ? String(repeating: "0", count: 4 - String(part).count) + String(part) : String(part)
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let base = path[slash...]
        if let dot = base.lastIndex(of: "."), dot != base.startIndex {
            return String(path[..<dot]) + "." + number + String(path[dot...])
        }
        return path + "." + number
    }

    /// The -o path a numbered file's name was made from (`run.0002.trc` → `run.trc`), or nil
    /// when the name carries no part number (at least four digits before the last extension,
    /// or at the end): the inverse of `path(_:part:)`, read from the name alone.
    public static func pattern(ofNumbered path: String) -> String? {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let name = path[slash...]
        var stem = name, ext = name[name.endIndex...]
        if let dot = name.lastIndex(of: "."), dot != name.startIndex, !name[name.index(after: dot)...].allSatisfy(\.isNumber) {
            stem = name[..<dot]
            ext = name[dot...]
        }
        guard let dot = stem.lastIndex(of: "."), dot != stem.startIndex else { return nil }
        let digits = stem[stem.index(after: dot)...]
        guard digits.count >= 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return String(path[..<slash]) + String(stem[..<dot]) + String(ext)
    }
}
