import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A rendered flame graph read back with an XML parser: proof it is well-formed, and its
/// frames as the browser would see them (title text, rect attributes, label). Frames are in
/// document order; `kind` is the renderer's fg:k.
public struct SVGDocument {
    public struct Frame {
        public var title: String
        public var label: String
        public var rect: [String: String]
        public var x: UInt64 { UInt64(rect["fg:x"]!)! }
        public var w: UInt64 { UInt64(rect["fg:w"]!)! }
        public var y: Double { Double(rect["y"]!)! }
        public var fill: String { rect["fill"]! }
        public var kind: String? { rect["fg:k"] }
        /// The title's name part (the script's nameOf).
        public var name: String {
            guard let open = title.range(of: " (", options: .backwards) else { return title }
            return String(title[..<open.lowerBound])
        }
    }
    public var frames: [Frame] = []
    public var texts: [String: String] = [:]
    public var framesGroup: [String: String] = [:]
    public var root: [String: String] = [:]

    public init(_ svg: String) throws {
        let d = Delegate()
        let p = XMLParser(data: Data(svg.utf8))
        p.shouldProcessNamespaces = false
        p.delegate = d
        guard p.parse() else { throw ParseFailure(message: "\(p.parserError.map { "\($0)" } ?? "?") at line \(p.lineNumber)") }
        frames = d.frames
        texts = d.texts
        framesGroup = d.framesGroup
        root = d.root
    }

    public struct ParseFailure: Error { public var message: String }

    final class Delegate: NSObject, XMLParserDelegate {
        var frames: [Frame] = []
        var texts: [String: String] = [:]
        var framesGroup: [String: String] = [:]
        var root: [String: String] = [:]
        var stack: [(name: String, attrs: [String: String])] = []
        var chars = ""
        var current: Frame?

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            if name == "svg" { root = attributes }
            if name == "g" && attributes["id"] == "frames" { framesGroup = attributes }
            if name == "g" && stack.last?.attrs["id"] == "frames" { current = Frame(title: "", label: "", rect: [:]) }
            if name == "rect" && current != nil { current!.rect = attributes }
            stack.append((name, attributes))
            chars = ""
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { chars += string }
        func parser(_ parser: XMLParser, foundCDATA block: Data) {}
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            let (_, attrs) = stack.removeLast()
            if name == "title", current != nil { current!.title = chars }
            if name == "text" {
                if current != nil { current!.label = chars } else if let id = attrs["id"] { texts[id] = chars }
            }
            if name == "g", let f = current, stack.last?.attrs["id"] == "frames" {
                frames.append(f)
                current = nil
            }
            chars = ""
        }
    }
}
