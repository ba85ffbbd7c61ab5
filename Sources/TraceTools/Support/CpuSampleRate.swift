import TraceAnalysis
import TraceReport

extension Recording {
    /// The per-CPU rate of the cpu_sample rows, after the checks of the tools that sample every
    /// CPU at the live tools' 99 Hz (runqlen, cpuunclaimed): a `-p` recording (no idle CPUs, no
    /// other processes) is refused, `-f` must be the recorded rate, and another rate is noted.
    /// `cannot` says what a `-p` recording prevents; `consequence` what another rate changes.
    func cpuSampleRate(tool: String, requested frequency: Int? = nil, cannot: String, consequence: String = "",
                       into out: inout ToolOutput) throws -> Int {
        if recordedForSomePIDs { throw AnalysisError("\(path) was recorded with -p: its cpu samples leave out other processes and idle CPUs, so \(cannot)") }
        let rate = info?.sampleFrequency ?? 49
        if let frequency {
            guard frequency > 0 else { throw AnalysisError("Invalid freq (in hz): \(frequency)") }
            guard frequency == rate else { throw AnalysisError("-f \(frequency): \(path) was sampled at \(rate) Hz per CPU; a recording's rate cannot be changed (record with `bpfrec record --stack-freq \(frequency)`)") }
        } else if rate != 99 {
            out.warn("bpfan \(tool): note: \(path) was sampled at \(rate) Hz per CPU, the live tool at 99 Hz" + (consequence.isEmpty ? "" : ": " + consequence))
        }
        return rate
    }

    /// The recording host's CPU count, which reports per CPU, or over every CPU, need: an error
    /// when the host metadata is missing (a guess would print plausible wrong numbers).
    func hostCPUCount() throws -> Int {
        guard let n = host?.cpuCount, n > 0 else { throw AnalysisError("\(path) has no host metadata giving the number of CPUs, which this report needs") }
        return n
    }
}
