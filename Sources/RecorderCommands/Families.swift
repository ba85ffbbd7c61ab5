import ArgumentParser
import TraceRecorder

struct Families: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the event families, their tracepoints, and whether they load on this kernel.")

    func run() throws {
        for (family, result) in Recorder.probeFamilies() {
            let status: String
            switch result {
            case .success(let mode): status = "loads (\(mode))"
            case .failure(let e): status = "does not load: \(e.message)"
            }
            print("\(family.name): \(status)\(Family.optIn.contains(family) ? "; recorded only when --families names it" : "")")
            for tp in family.tracepoints { print("    \(tp)") }
        }
        for p in Family.presets {
            print("\(p.name): preset of \(p.family.name) (--families \(p.name) records these as -e would)")
            for e in p.events { print("    \(e)") }
        }
    }
}
