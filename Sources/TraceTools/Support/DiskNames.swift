import TraceAnalysis

extension Recording {
    /// The device number of a disk named on the command line (`-d vda`), or the live tool's error.
    func device(named disk: String) throws -> UInt32 {
        guard let dev = blockDevices.first(where: { $0.value == disk })?.key else {
            let known = blockDevices.values.sorted().joined(separator: ", ")
            throw AnalysisError("-d \(disk): no such disk in this recording (it has: \(known.isEmpty ? "no block_devices metadata" : known))")
        }
        return dev
    }

    func diskName(_ dev: UInt32) -> String? { blockDevices[dev] }
}
