/// The flame graph of some stacks: merged, laid out and rendered (see `FlameGraphSVG`).
public enum FlameGraph {
    public static func svg(_ stacks: [FlameStack], _ options: FlameGraphOptions) -> String {
        FlameGraphSVG.render(FlameTree(stacks), options)
    }
}
