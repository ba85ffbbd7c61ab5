import Foundation
import Testing
import TraceTestSupport
@testable import TraceTools

let chromiumPath = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// The flame graph in a real browser: headless Chromium (Debian's, `make test-deps`) opens
/// offcputime's SVG of the bundled recording, and Tests/Validation/flamegraph-browser.py
/// drives it over the DevTools protocol as a user would: hover a frame, click it, search
/// through the Search button's prompt, click Reset Zoom, with screenshots of each step left in
/// .build/flamegraph-browser/ to look at (before, zoomed, searched, reset .png). This test checks what the page showed.
@Suite(.enabled(if: chromiumPath != nil, "needs Debian's chromium (make test-deps installs it)"))
struct FlameGraphBrowserTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Frame: Decodable {
        var name: String, fx: Double, fw: Double, x: Double, width: Double, y: Double
        var fill: String, label: String, hidden: Bool, parent: Bool, box: [Double]
    }
    struct Control: Decodable { var text: String, hidden: Bool }
    struct State: Decodable {
        var frames: [Frame], details: String, unzoom: Control, search: Control, matched: Control, total: Double
    }
    struct Clicked: Decodable { var fx: Double, fw: Double, y: Double }
    struct Pixel: Decodable { var rgb: [Int], fill: String }
    struct Report: Decodable {
        var before: State, zoomed: State, searched: State, reset: State, opened_with_search: State
        var hover_details: String, prompt: String?, clicked: Clicked, screenshot_pixel: Pixel
    }

    /// Screenshots go to .build/flamegraph-browser/NAME/ (one directory per test: they run
    /// in parallel).
    /// "Matched: P%": the share of `whole` the matches cover, a match inside another counted once.
    static func matched(_ matches: [Frame], of whole: Double) -> String {
        var covered = 0.0, end = -1.0
        for m in matches.sorted(by: { ($0.fx, -$0.fw) < ($1.fx, -$1.fw) }) {
            if m.fx >= end { covered += m.fw; end = m.fx + m.fw } else if m.fx + m.fw > end { covered += m.fx + m.fw - end; end = m.fx + m.fw }
        }
        return "Matched: " + String(format: "%.1f", 100 * covered / whole) + "%"
    }

    func drive(_ svg: String, frame: String, search: String, name: String) throws -> Report {
        let out = Self.root.appendingPathComponent(".build/flamegraph-browser/\(name)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [Self.root.appendingPathComponent("Tests/Validation/flamegraph-browser.py").path, svg, frame, search, out.path,
                       "--chromium", chromiumPath!]
        let stdout = Pipe(), stderr = Pipe()
        p.standardOutput = stdout
        p.standardError = stderr
        try p.run()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "flamegraph-browser.py: \(err)")
        return try JSONDecoder().decode(Report.self, from: data)
    }

    @Test func clickZoomsSearchHighlightsResetRestores() throws {
        let svg = Self.root.appendingPathComponent(".build/flamegraph-browser-offcputime.svg").path
        try FileManager.default.createDirectory(atPath: Self.root.appendingPathComponent(".build").path, withIntermediateDirectories: true)
        let run = try runTool(Offcputime.self, ["--svg", svg, OffcpuSampleTests.sample])
        #expect(!run.failed, "\(run.stderr)")
        // python3's frame: several children (its syscalls), so the zoom has something to spread.
        let r = try drive(svg, frame: "python3", search: "nanosleep", name: "offcputime")
        let inner = 1180.0, xpad = 10.0
        func near(_ a: Double, _ b: Double, _ tol: Double = 0.011) -> Bool { abs(a - b) <= tol }

        // Opened: everything shown at its share of the width.
        #expect(r.before.frames.count > 50)
        #expect(r.before.frames.allSatisfy { !$0.hidden && !$0.parent })
        #expect(r.before.frames.allSatisfy { near($0.width, $0.fw * inner / r.before.total) })
        #expect(r.before.unzoom.hidden)
        // Hover names the frame at the bottom, with its count and share.
        #expect(r.hover_details.hasPrefix("Function: python3 (") && r.hover_details.hasSuffix("%)"))

        // Clicked: the frame fills the width (as drawn, not only as an attribute), the frames
        // above it spread over it in proportion, those below it that lead to it are dimmed,
        // all else is hidden.
        let c = r.clicked, ratio = inner / c.fw
        let zoomed = try #require(r.zoomed.frames.first { $0.fx == c.fx && $0.y == c.y && $0.name == "python3" })
        #expect(near(zoomed.x, xpad) && near(zoomed.width, inner))
        #expect(near(zoomed.box[2], inner, 0.5))
        #expect(!r.zoomed.unzoom.hidden)
        var above = 0
        for f in r.zoomed.frames {
            let inside = f.fx >= c.fx && f.fx + f.fw <= c.fx + c.fw
            if f.y < c.y && inside {
                above += 1
                #expect(!f.hidden && !f.parent, "\(f.name)")
                #expect(near(f.x, xpad + (f.fx - c.fx) * ratio) && near(f.width, f.fw * ratio), "\(f.name) at \(f.x) width \(f.width)")
            } else if f.y > c.y && f.fx <= c.fx && f.fx + f.fw >= c.fx + c.fw {
                #expect(f.parent && !f.hidden && near(f.width, inner), "\(f.name)")
            } else if !(f.y == c.y && f.fx == c.fx) {
                #expect(f.hidden, "\(f.name) should be hidden")
            }
        }
        #expect(above >= 10)
        #expect(Set(r.zoomed.frames.filter { $0.y < c.y && !$0.hidden }.map(\.y)).count >= 5)
        // The screenshot shows the zoomed frame's colour where the page says it is.
        let fill = r.screenshot_pixel.fill.dropFirst(4).dropLast().split(separator: ",").map { Int($0)! }
        #expect(zip(fill, r.screenshot_pixel.rgb).allSatisfy { abs($0 - $1) <= 2 }, "\(r.screenshot_pixel)")

        // Search, typed into the button's prompt: matches in the view turn magenta, and the
        // share they cover of the zoomed frame is shown (nested matches counted once).
        #expect(r.prompt?.hasPrefix("Enter a search term") == true)
        let view = r.searched.frames.filter { !$0.hidden && !$0.parent }
        let matches = view.filter { $0.name.contains("nanosleep") }
        #expect(!matches.isEmpty)
        #expect(view.allSatisfy { ($0.fill == "rgb(230,0,230)") == $0.name.contains("nanosleep") })
        #expect(r.searched.matched.text == Self.matched(matches, of: c.fw))
        #expect(!r.searched.matched.hidden && r.searched.search.text == "Reset Search")

        // Reset Zoom: everything back where it was opened.
        #expect(r.reset.unzoom.hidden)
        #expect(r.reset.frames.allSatisfy { !$0.hidden && !$0.parent })
        for (a, b) in zip(r.before.frames, r.reset.frames) {
            #expect(a.name == b.name && near(a.x, b.x) && near(a.width, b.width), "\(a.name)")
        }

        // ?s=nanosleep in the URL: searched on open, over the whole graph.
        let opened = r.opened_with_search
        let all = opened.frames.filter { $0.name.contains("nanosleep") }
        #expect(!all.isEmpty && all.allSatisfy { $0.fill == "rgb(230,0,230)" })
        #expect(opened.matched.text == Self.matched(all, of: opened.total) && !opened.matched.hidden)
        #expect(opened.matched.text != r.searched.matched.text)   // a share of all, not of python3
    }

    @Test func differentialGraphDrawsItsColoursAndZooms() throws {
        // FlamegraphCommandTests' pair: spin's share fell (blue), other is new (full red).
        let base = try cpuSampleRecording([("spin", 100, 4, 2), ("gone", 300, 2, 0)])
        let new = try cpuSampleRecording([("spin", 100, 2, 6), ("other", 200, 0, 8)])
        let svg = Self.root.appendingPathComponent(".build/flamegraph-browser-diff.svg").path
        let r = FlamegraphCommand.entry(["--svg", svg, "--diff", base, new, "profile", "-K"], streaming: false)
        #expect(r.status == 0, "\(r.output.stderr)")
        let report = try drive(svg, frame: "spin", search: "getpid", name: "differential")
        #expect(report.screenshot_pixel.fill == "rgb(105,105,255)")
        let fill = report.screenshot_pixel.fill.dropFirst(4).dropLast().split(separator: ",").map { Int($0)! }
        #expect(zip(fill, report.screenshot_pixel.rgb).allSatisfy { abs($0 - $1) <= 2 }, "\(report.screenshot_pixel)")
        let other = try #require(report.before.frames.first { $0.name == "other" })
        #expect(other.fill == "rgb(255,0,0)")
        #expect(report.zoomed.frames.first { $0.name == "other" }?.hidden == true)
        #expect(report.hover_details.hasPrefix("Function: spin (8 samples, 50.00%; base 6; -25.00%)"))
    }
}
