import Testing
import TraceTestSupport
@testable import TraceFlameGraph

func stack(_ folded: String, _ value: UInt64, base: UInt64 = 0, kind: FrameKind = .user) -> FlameStack {
    FlameStack(frames: folded.split(separator: ";").map { FlameFrame(String($0), kind) }, value: value, base: base)
}

@Test func treeMergesPathsAndLaysChildrenOutInNameOrder() {
    let tree = FlameTree([stack("a;c", 2), stack("a;b", 3), stack("x", 4), stack("a;b;d", 1), stack("a;c", 5)])
    #expect(tree.total == 15)
    func node(_ path: String) -> FlameTree.Node? {
        var at = 0
        for name in path.split(separator: ";") {
            guard let c = tree.nodes[at].children.first(where: { tree.nodes[$0].frame.name == name }) else { return nil }
            at = c
        }
        return tree.nodes[at]
    }
    #expect(node("a")!.value == 11 && node("a")!.offset == 0)
    #expect(node("a;b")!.value == 4 && node("a;b")!.offset == 0)
    #expect(node("a;c")!.value == 7 && node("a;c")!.offset == 4)
    #expect(node("a;b;d")!.value == 1 && node("a;b;d")!.depth == 3)
    #expect(node("x")!.value == 4 && node("x")!.offset == 11)
    // A parent holds its children: their values sum to at most its own, laid side by side.
    for n in tree.nodes {
        let kids = n.children.map { tree.nodes[$0] }
        #expect(kids.reduce(0) { $0 + $1.value } <= n.value)
        var x = n.offset
        for k in kids { #expect(k.offset == x); x += k.value }
    }
}

@Test func sameNameOfAnotherKindIsAnotherFrame() {
    let tree = FlameTree([FlameStack(frames: [FlameFrame("read", .user)], value: 1),
                          FlameStack(frames: [FlameFrame("read", .kernel)], value: 2)])
    #expect(tree.nodes[0].children.count == 2)
}

@Test func svgIsWellFormedAndItsFramesAreTheTree() throws {
    let stacks = [stack("main;work;compute", 60), stack("main;work;io", 30), stack("main;idle", 10)]
    let svg = FlameGraph.svg(stacks, FlameGraphOptions(title: "T", countName: "samples"))
    let doc = try SVGDocument(svg)
    #expect(doc.frames.count == 6)   // all, main, work, compute, io, idle
    #expect(doc.framesGroup["fg:total"] == "100")
    let all = doc.frames.first { $0.name == "all" }!
    #expect(all.w == 100 && all.x == 0)
    #expect(all.title == "all (100 samples, 100.00%)")
    let io = doc.frames.first { $0.name == "io" }!
    #expect(io.title == "io (30 samples, 30.00%)")
    // Widths: each row of frames sums to what the rows below hand up, never more.
    let rows = Dictionary(grouping: doc.frames, by: \.y)
    let ys = rows.keys.sorted(by: >)
    for (below, above) in zip(ys, ys.dropFirst()) {
        #expect(rows[above]!.reduce(0) { $0 + $1.w } <= rows[below]!.reduce(0) { $0 + $1.w })
    }
    #expect(rows[ys[1]]!.reduce(0) { $0 + $1.w } == 100)
    // Pixels follow the units: 1180 px for 100 samples.
    #expect(io.rect["width"] == "354.00")
    // main's children in name order: idle (10), then work (90), whose compute (60) comes first.
    #expect(io.x == 70)
    #expect(Double(io.rect["x"]!)! == 10 + 70 * 11.8)
    #expect(doc.texts["title"] == "T")
    #expect(doc.root["onload"] == "init(evt)")
}

@Test func markupInSymbolNamesIsEscaped() throws {
    let names = ["std::vector<int, std::allocator<int> >::push_back(int&&)", "operator\"\" _x", "a&b", "it's", "tab\there", "bell\u{07}"]
    let stacks = names.enumerated().map { FlameStack(frames: [FlameFrame($0.element, .user)], value: UInt64(100 + $0.offset)) }
    var o = FlameGraphOptions(title: "<title> & \"quotes\"")
    o.subtitle = "run.trc <1>"
    let svg = FlameGraph.svg(stacks, o)
    let doc = try SVGDocument(svg)
    #expect(doc.texts["title"] == "<title> & \"quotes\"")
    #expect(doc.texts["subtitle"] == "run.trc <1>")
    let parsed = Set(doc.frames.map(\.name))
    for n in names.prefix(4) { #expect(parsed.contains(n), "\(n)") }
    // Characters XML cannot hold are replaced, whitespace controls become spaces.
    #expect(parsed.contains("tab here"))
    #expect(parsed.contains("bell\u{FFFD}"))
    #expect(!svg.contains("<int"))
}

@Test func sameInputSameBytesWhateverTheOrder() {
    let stacks = [stack("a;b", 3), stack("a;c", 2), stack("d", 7), stack("a;b", 1)]
    let o = FlameGraphOptions(title: "x")
    let one = FlameGraph.svg(stacks, o)
    #expect(one == FlameGraph.svg(stacks.reversed(), o))
    #expect(one == FlameGraph.svg([stack("d", 7), stack("a;c", 2), stack("a;b", 4)], o))
}

@Test func coloursFollowTheFrameKind() throws {
    let stacks = [FlameStack(frames: [FlameFrame("bash", .process), FlameFrame("main", .user), FlameFrame("jitted", .jit),
                                      FlameFrame("-", .delimiter), FlameFrame("do_syscall_64", .kernel)], value: 5)]
    let doc = try SVGDocument(FlameGraph.svg(stacks, FlameGraphOptions(title: "x")))
    func rgb(_ name: String) -> [Int] {
        let fill = doc.frames.first { $0.name == name }!.fill
        return fill.dropFirst(4).dropLast().split(separator: ",").map { Int($0)! }
    }
    let kernel = rgb("do_syscall_64"), user = rgb("main"), jit = rgb("jitted"), task = rgb("bash")
    #expect(kernel[2] == 0 && kernel[0] >= 190 && kernel[1] >= 90)     // orange
    #expect(user[0] >= 200 && user[1] < 50 && user[1] == user[2])      // red
    #expect(jit[1] >= 200 && jit[0] < 50 && jit[0] == jit[2])          // green
    #expect(task[0] == task[1] && task[0] >= 175 && task[2] < 50)      // yellow
    #expect(rgb("-") == [160, 160, 160])
    #expect(doc.frames.first { $0.name == "main" }!.rect["fg:k"] == "user")
}

@Test func differentialColoursGrowthRedAndFallsBlueAfterScalingTheBase() throws {
    // New total 100, base total 200: scaled by 1/2, the changes are grew +20, half +10,
    // fell -30, same 0.
    let stacks = [stack("main;grew", 40, base: 40), stack("main;half", 15, base: 10),
                  stack("main;fell", 5, base: 70), stack("main;same", 40, base: 80)]
    var o = FlameGraphOptions(title: "diff")
    o.differential = true
    let doc = try SVGDocument(FlameGraph.svg(stacks, o))
    func frame(_ n: String) -> SVGDocument.Frame { doc.frames.first { $0.name == n }! }
    // The largest change (fell) is full blue; the others fade by their share of it:
    // 210 * (30 - 20) / 30 = 70, 210 * (30 - 10) / 30 = 140.
    #expect(frame("fell").fill == "rgb(0,0,255)")
    #expect(frame("grew").fill == "rgb(255,70,70)")
    #expect(frame("half").fill == "rgb(255,140,140)")
    #expect(frame("same").fill == "rgb(255,255,255)")
    #expect(frame("main").fill == "rgb(255,255,255)")
    #expect(frame("grew").rect["fg:b"] == "40")
    #expect(frame("grew").title == "grew (40 samples, 40.00%; base 40; +20.00%)")
    #expect(frame("fell").title == "fell (5 samples, 5.00%; base 70; -30.00%)")
    // A stack only in the base, deeper than any other, adds no empty rows.
    let deeper = stacks + [stack("main;gone;a;b;c;d", 0, base: 10)]
    #expect(try SVGDocument(FlameGraph.svg(deeper, o)).root["height"] == doc.root["height"])
    // Unscaled, changes are raw counts: grew is unchanged (white), same fell.
    o.normalizeBase = false
    let raw = try SVGDocument(FlameGraph.svg(stacks, o))
    #expect(raw.frames.first { $0.name == "grew" }!.fill == "rgb(255,255,255)")
    #expect(raw.frames.first { $0.name == "same" }!.fill.hasPrefix("rgb(") && raw.frames.first { $0.name == "same" }!.fill.hasSuffix(",255)"))
}

@Test func framesTooNarrowToSeeAreLeftOutAndLabelsFit() throws {
    let stacks = [stack("big;a_rather_long_function_name_indeed", 100_000), stack("tiny", 1)]
    let doc = try SVGDocument(FlameGraph.svg(stacks, FlameGraphOptions(title: "x")))
    #expect(!doc.frames.contains { $0.name == "tiny" })    // 0.0118 px
    #expect(doc.framesGroup["fg:total"] == "100001")
    let label = FlameGraphSVG.label("abcdefghij", width: 50, FlameGraphOptions(title: ""))
    #expect(label == "abcde..")                              // 50 / 7.08 → 7 characters
    #expect(FlameGraphSVG.label("abcdef", width: 20, FlameGraphOptions(title: "")) == "")
    #expect(FlameGraphSVG.label("abc", width: 22, FlameGraphOptions(title: "")) == "abc")
}

@Test func emptyInputSaysSo() throws {
    let doc = try SVGDocument(FlameGraph.svg([], FlameGraphOptions(title: "x")))
    #expect(doc.frames.isEmpty)
    #expect(doc.texts["empty"] == "No stack counts found")
}

@Test func fixedPointFormatting() {
    #expect(SVGText.fixed(1.25, 1) == "1.3")     // exactly half: away from zero
    #expect(SVGText.fixed(-0.001) == "0.00")
    #expect(SVGText.fixed(354) == "354.00")
    #expect(SVGText.fixed(2.5, 0) == "3")
    #expect(SVGText.grouped(1234567) == "1,234,567")
    #expect(SVGText.grouped(999) == "999")
}
