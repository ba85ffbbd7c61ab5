import ArgumentParser
import TraceFormat

/// Debugging aid (hidden): row counts per table and the loss windows of a recording.
/// `bpfan info` is the user-facing reader.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print tables and loss windows of a recording.", shouldDisplay: false)

    @Argument(help: "Recording file.")
    var file: String

    func run() throws {
        let f = try TraceFile(path: file)
        print("footer: \(f.hasFooter), damage: \(f.damage.count), chunks: \(f.chunks.count)")
        for t in f.tables.values.sorted(by: { $0.name < $1.name }) {
            let bytes = f.chunks(ofTable: t.name).reduce(0) { $0 + $1.length }
            print("\(t.name): \(f.rowCount(ofTable: t.name)) rows, \(bytes) bytes")
        }
        for chunk in f.chunks(ofTable: "lost_events") {
            let c = try f.read(chunk)
            guard case .ints(let ts)? = c["ts"], case .ints(let lost)? = c["lost"], case .ints(let cpu)? = c["cpu"],
                  case .blobs(let fam)? = c["family"], case .blobs(let why)? = c["reason"] else { continue }
            for i in ts.indices { print("lost ts=\(ts[i]) cpu=\(cpu[i]) \(fam.string(i)) \(why.string(i)) \(lost[i])") }
        }
    }
}
