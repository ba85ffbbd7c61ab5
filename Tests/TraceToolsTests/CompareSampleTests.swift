import Foundation
import Testing
import TraceTestSupport
@testable import TraceTools

/// The bundled compare pair (samples/compare-base.trc and compare-new.trc, recorded by
/// samples/make-samples.sh compare): two 2 s runs of the paced compare-workload's syscall mix,
/// the second making 20% more getppid calls. What make demo shows, without root.
struct CompareSampleTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples").path
    static let base = samples + "/compare-base.trc", new = samples + "/compare-new.trc"

    @Test func theInjectedGetppidIsTheRegressedRate() throws {
        let r = runCompare([Self.base, Self.new, "syscount", "--format", "json"])
        #expect(r.status == 1, "\(r.stderr)")
        let getppid = try CompareTests.row(r.stdout, "rate", "getppid")
        #expect(getppid["verdict"] == .string("regressed"), "\(getppid)")
        // The workload's accumulator makes exactly 1.2 calls per request: 4000 -> 4800.
        #expect(getppid["base_count"] == .int(4000) && getppid["new_count"] == .int(4800), "\(getppid)")
        if case .number(let rel)? = getppid["relative"] { #expect(rel > 0.15 && rel < 0.25, "relative \(rel)") } else { Issue.record("\(getppid)") }
        // The rest of the request is unchanged.
        for other in ["read", "write", "openat", "close", "clock_nanosleep"] {
            #expect(try CompareTests.row(r.stdout, "rate", other)["verdict"] == .string("~"), "\(other)")
        }
        #expect(r.stderr.last == "bpfan compare: regression: any regressed crossed by getppid: rate +20.3%", "\(r.stderr)")
        // A gate on another syscall passes; the pair against itself is quiet.
        #expect(runCompare([Self.base, Self.new, "syscount", "--fail-if", "rate(read)>+10%"]).status == 0)
        #expect(runCompare([Self.base, Self.base, "syscount"]).status == 0)
    }
}
