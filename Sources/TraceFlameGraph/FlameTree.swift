/// The stacks merged into one tree, as a flame graph lays them out: a frame per distinct path
/// from the root, its value the sum of the stacks through it, children in name order (the
/// order flamegraph.pl gets by sorting the folded lines), each child starting where its
/// previous sibling ends. Positions and widths are in the value's own unit (samples, us), so
/// the layout is exact and the pixels are derived from it.
public struct FlameTree: Sendable {
    public struct Node: Sendable {
        public var frame: FlameFrame
        public var value: UInt64
        /// The base recording's value through this frame (differential graphs; else 0).
        public var base: UInt64
        /// Where the frame starts, in value units from the left edge.
        public var offset: UInt64 = 0
        public var depth: Int
        /// Indexes into `nodes`, in layout order.
        public var children: [Int] = []
    }

    /// `nodes[0]` is the root ("all"); every other node comes after its parent.
    public private(set) var nodes: [Node]
    public var total: UInt64 { nodes[0].value }
    public var baseTotal: UInt64 { nodes[0].base }
    /// The deepest frame with a width (a differential graph's base-only frames have none).
    public var maxDepth: Int { nodes.filter { $0.value > 0 }.map(\.depth).max() ?? 0 }

    public init(_ stacks: [FlameStack]) {
        nodes = [Node(frame: FlameFrame("all", .root), value: 0, base: 0, depth: 0)]
        var lookup: [Int: [FlameFrame: Int]] = [:]
        for s in stacks where s.value > 0 || s.base > 0 {
            var at = 0
            nodes[0].value &+= s.value
            nodes[0].base &+= s.base
            for f in s.frames {
                if let next = lookup[at]?[f] {
                    at = next
                } else {
                    nodes.append(Node(frame: f, value: 0, base: 0, depth: nodes[at].depth + 1))
                    let n = nodes.count - 1
                    lookup[at, default: [:]][f] = n
                    nodes[at].children.append(n)
                    at = n
                }
                nodes[at].value &+= s.value
                nodes[at].base &+= s.base
            }
        }
        // Name order (then kind) at every level, and offsets from it.
        var todo = [0]
        while let n = todo.popLast() {
            let sorted = nodes[n].children.sorted { a, b in
                let fa = nodes[a].frame, fb = nodes[b].frame
                if fa.name != fb.name { return fa.name.utf8.lexicographicallyPrecedes(fb.name.utf8) }
                return fa.kind.rawValue < fb.kind.rawValue
            }
            nodes[n].children = sorted
            var x = nodes[n].offset
            for c in sorted {
                nodes[c].offset = x
                x &+= nodes[c].value
                todo.append(c)
            }
        }
    }

    /// Nodes in drawing order: depth first, children left to right (deterministic).
    public var drawingOrder: [Int] {
        var out: [Int] = [], todo = [0]
        while let n = todo.popLast() {
            out.append(n)
            todo += nodes[n].children.reversed()
        }
        return out
    }
}
