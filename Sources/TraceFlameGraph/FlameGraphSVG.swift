/// Renders a `FlameTree` as an interactive SVG, behaving as users know from flamegraph.pl:
/// frames with tooltips (count and share of the total), click to zoom (ancestors dimmed,
/// everything outside hidden), Reset Zoom, Search (regular expression, matches in magenta,
/// the share they cover shown bottom right; Ctrl-F / F3, Ctrl-I for case), and the frame under
/// the mouse named at the bottom. `?s=REGEX` (or `#s=`) searches on open, `?x=&y=` zooms to
/// the frame at that offset and pixel row.
///
/// Every frame's `rect` carries its exact position and width in value units (`fg:x`, `fg:w`;
/// `fg:b` the base value of a differential graph): the script zooms from them, and tests
/// check the layout from them, not from rounded pixels.
public enum FlameGraphSVG {
    static let namespace = "urn:bpfan:flamegraph"

    public static func render(_ tree: FlameTree, _ o: FlameGraphOptions) -> String {
        let xpad = 10.0
        let inner = Double(o.width) - 2 * xpad
        let ypad1 = o.fontSize * 3, ypad2 = o.fontSize * 2 + 10
        let ypad3 = o.subtitle == nil ? 0 : o.fontSize * 2
        let total = tree.total
        let depthMax = total == 0 ? 0 : tree.maxDepth
        let height = Double((depthMax + 1) * o.frameHeight) + ypad1 + ypad2 + ypad3
        let f = { (v: Double) in SVGText.fixed(v) }
        let w = o.width, h = f(height)

        var s = "<?xml version=\"1.0\" standalone=\"no\"?>\n"
        s += "<svg version=\"1.1\" width=\"\(w)\" height=\"\(h)\" onload=\"init(evt)\" viewBox=\"0 0 \(w) \(h)\" xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" xmlns:fg=\"\(namespace)\">\n"
        s += "<!-- bpfan flame graph: click a frame to zoom, Ctrl-F to search. -->\n"
        let (top, bottom) = o.differential ? ("#f8f8f8", "#e8e8e8") : ("#eeeeee", "#eeeeb0")
        s += "<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\"><stop stop-color=\"\(top)\" offset=\"5%\"/><stop stop-color=\"\(bottom)\" offset=\"95%\"/></linearGradient></defs>\n"
        s += "<style type=\"text/css\">\n\(style(o))</style>\n"
        s += "<script type=\"text/ecmascript\"><![CDATA[\n\(FlameGraphScript.source)]]></script>\n"
        s += "<rect x=\"0\" y=\"0\" width=\"\(w)\" height=\"\(h)\" fill=\"url(#background)\"/>\n"
        s += "<text id=\"title\" x=\"\(f(Double(w) / 2))\" y=\"\(f(o.fontSize * 2))\">\(SVGText.escape(o.title))</text>\n"
        if let sub = o.subtitle {
            s += "<text id=\"subtitle\" x=\"\(f(Double(w) / 2))\" y=\"\(f(o.fontSize * 4))\">\(SVGText.escape(sub))</text>\n"
        }
        s += "<text id=\"details\" x=\"\(f(xpad))\" y=\"\(f(height - ypad2 / 2))\"> </text>\n"
        s += "<text id=\"unzoom\" class=\"hide\" x=\"\(f(xpad))\" y=\"\(f(o.fontSize * 2))\">Reset Zoom</text>\n"
        s += "<text id=\"search\" x=\"\(f(Double(w) - xpad - 120))\" y=\"\(f(o.fontSize * 2))\">Search</text>\n"
        s += "<text id=\"ignorecase\" x=\"\(f(Double(w) - xpad - 16))\" y=\"\(f(o.fontSize * 2))\">ic</text>\n"
        s += "<text id=\"matched\" class=\"hide\" x=\"\(f(Double(w) - xpad))\" y=\"\(f(height - ypad2 / 2))\"> </text>\n"
        s += "<g id=\"frames\" fg:total=\"\(total)\" fg:xpad=\"\(f(xpad))\" fg:width=\"\(f(inner))\" fg:fontsize=\"\(f(o.fontSize))\" fg:fontwidth=\"\(f(o.fontWidth))\">\n"
        if total == 0 {
            s += "</g>\n<text id=\"empty\" x=\"\(f(Double(w) / 2))\" y=\"\(f(height / 2))\">No stack counts found</text>\n</svg>\n"
            return s
        }

        // Differential: each frame's change, new minus the (scaled) base, in value units.
        let scale = o.differential && o.normalizeBase && tree.baseTotal > 0 ? Double(total) / Double(tree.baseTotal) : 1
        func delta(_ n: FlameTree.Node) -> Double { Double(n.value) - Double(n.base) * scale }
        let maxDelta = o.differential ? tree.nodes.map { abs(delta($0)) }.max() ?? 0 : 0

        let perUnit = inner / Double(total)
        let bottomY = height - ypad2
        for i in tree.drawingOrder {
            let n = tree.nodes[i]
            let width = Double(n.value) * perUnit
            if width < o.minWidth && i != 0 { continue }
            let x = xpad + Double(n.offset) * perUnit
            let y1 = bottomY - Double((n.depth + 1) * o.frameHeight) + 1
            let pct = SVGText.fixed(100 * Double(n.value) / Double(total))
            var info = "\(n.frame.name) (\(SVGText.grouped(n.value)) \(o.countName), \(pct)%"
            let fill: String
            if o.differential {
                let d = delta(n)
                let dp = SVGText.fixed(100 * d / Double(total))
                info += "; base \(SVGText.grouped(n.base)); \(d > 0 ? "+" : "")\(dp)%)"
                fill = FlameColors.differential(delta: d, maxDelta: maxDelta)
            } else {
                info += ")"
                fill = FlameColors.fill(n.frame)
            }
            s += "<g><title>\(SVGText.escape(info))</title>"
            s += "<rect x=\"\(f(x))\" y=\"\(f(y1))\" width=\"\(f(width))\" height=\"\(o.frameHeight - 1)\" fill=\"\(fill)\" rx=\"2\" ry=\"2\" fg:x=\"\(n.offset)\" fg:w=\"\(n.value)\""
            if o.differential { s += " fg:b=\"\(n.base)\"" }
            s += " fg:k=\"\(n.frame.kind.rawValue)\"/>"
            s += "<text x=\"\(f(x + 3))\" y=\"\(f(y1 + Double(o.frameHeight) / 2 + 3))\">\(SVGText.escape(label(n.frame.name, width: width, o)))</text></g>\n"
        }
        s += "</g>\n</svg>\n"
        return s
    }

    /// The name as far as it fits the frame, `..` marking a cut; nothing under 3 characters
    /// (the script's `fit`, the same arithmetic).
    static func label(_ name: String, width: Double, _ o: FlameGraphOptions) -> String {
        let chars = Int((width / (o.fontSize * o.fontWidth)).rounded(.down))
        if chars < 3 { return "" }
        let units = Array(name.utf16)
        if units.count <= chars { return name }
        // JavaScript's slice counts UTF-16 units; a cut inside a pair drops its first half (the
        // script's slice keeps it, and the browser draws it as nothing).
        var kept = Array(units.prefix(chars - 2))
        if let last = kept.last, UTF16.isLeadSurrogate(last) { kept.removeLast() }
        return String(decoding: kept, as: UTF16.self) + ".."
    }

    static func style(_ o: FlameGraphOptions) -> String {
        let fs = SVGText.fixed(o.fontSize, 0)
        return """
        text { font-family: Verdana, "DejaVu Sans", sans-serif; font-size: \(fs)px; fill: rgb(0,0,0); }
        #title { text-anchor: middle; font-size: \(SVGText.fixed(o.fontSize + 5, 0))px; }
        #subtitle { text-anchor: middle; fill: rgb(110,110,110); }
        #search, #ignorecase { opacity: 0.1; cursor: pointer; }
        #search:hover, #search.show, #ignorecase:hover, #ignorecase.show { opacity: 1; }
        #matched { text-anchor: end; }
        #unzoom { cursor: pointer; }
        #frames > *:hover { stroke: black; stroke-width: 0.5; cursor: pointer; }
        .hide { display: none; }
        .parent { opacity: 0.5; }

        """
    }
}
