/// What a frame is, which decides its colour: the live flame graphs' mixed-mode palette
/// (flamegraph.pl --color=java: kernel orange, user red, JIT green).
public enum FrameKind: String, Sendable, CaseIterable {
    /// The graph's base ("all").
    case root
    /// The task's name the folded form puts first.
    case process
    case kernel
    case user
    /// Code a runtime generated (named from a perf-PID.map).
    case jit
    /// The `-` a delimited stack (`-d`) puts between user and kernel frames.
    case delimiter
}

public struct FlameFrame: Sendable, Hashable {
    public var name: String
    public var kind: FrameKind
    public init(_ name: String, _ kind: FrameKind) {
        self.name = name
        self.kind = kind
    }
}

/// One stack as the folded form has it: frames outermost first, and its value (samples, us).
/// A differential graph's stacks carry the base recording's value too: the width is `value`
/// (the new recording), the colour the change from `base`.
public struct FlameStack: Sendable, Equatable {
    public var frames: [FlameFrame]
    public var value: UInt64
    public var base: UInt64
    public init(frames: [FlameFrame], value: UInt64, base: UInt64 = 0) {
        self.frames = frames
        self.value = value
        self.base = base
    }
}
