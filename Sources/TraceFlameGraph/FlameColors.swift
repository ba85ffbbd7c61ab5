/// Frame colours: a palette per frame kind, the shade within it from a hash of the name, so a
/// function has the same colour in every graph and the output is the same bytes every time
/// (flamegraph.pl's --hash; Swift's Hasher is seeded per process and would not be).
enum FlameColors {
    /// Three values in [0, 1) from the name (FNV-1a, 64 bits).
    static func shades(_ name: String) -> (Double, Double, Double) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in name.utf8 {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01b3
        }
        func part(_ shift: UInt64) -> Double { Double((h >> shift) & 0xFFFF) / 65536.0 }
        return (part(0), part(16), part(32))
    }

    static func rgb(_ r: Int, _ g: Int, _ b: Int) -> String { "rgb(\(r),\(g),\(b))" }

    /// flamegraph.pl's palettes, by kind: kernel "orange", user "red", JIT "green", the task
    /// "yellow", the delimiter grey.
    static func fill(_ f: FlameFrame) -> String {
        let (v1, _, _) = shades(f.name)
        switch f.kind {
        case .kernel: return rgb(190 + Int(65 * v1), 90 + Int(65 * v1), 0)
        case .user: return rgb(200 + Int(55 * v1), Int(50 * v1), Int(50 * v1))
        case .jit: return rgb(Int(50 * v1), 200 + Int(55 * v1), Int(50 * v1))
        case .process, .root: return rgb(175 + Int(55 * v1), 175 + Int(55 * v1), Int(50 * v1))
        case .delimiter: return rgb(160, 160, 160)
        }
    }

    /// The differential palette: red for growth, blue for a fall, saturated by the change over
    /// the largest change of any frame (flamegraph.pl's color_scale), white for none.
    static func differential(delta: Double, maxDelta: Double) -> String {
        guard maxDelta > 0, delta != 0 else { return rgb(255, 255, 255) }
        let fade = Int(210 * (maxDelta - abs(delta)) / maxDelta)
        return delta > 0 ? rgb(255, fade, fade) : rgb(fade, fade, 255)
    }
}
