#if canImport(Glibc)
import Glibc
#endif
import TraceReport
import TraceTools

#if canImport(Glibc)
// Decoded columns are allocated and freed chunk after chunk, a few hundred KiB to a few MiB each:
// above glibc's default mmap threshold every one would be a fresh mapping, zero-filled page by
// page by the kernel. Serve them from the heap, and keep what is freed for the next chunk.
// (mallopt is in <malloc.h>, which the Glibc module does not export.)
if let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    let mallopt = unsafeBitCast(sym, to: Mallopt.self)
    _ = mallopt(-3, 32 << 20)   // M_MMAP_THRESHOLD
    _ = mallopt(-1, 32 << 20)   // M_TRIM_THRESHOLD
}
#endif

// compare maps its usage errors to exit 2 and its verdicts to 0 / 1 / 3 itself.
if CommandLine.arguments.dropFirst().first == "compare" {
    exit(CompareCommand.entry(Array(CommandLine.arguments.dropFirst(2))).status)
}
// So does flamegraph, whose words after TOOL are the tool's flags.
if CommandLine.arguments.dropFirst().first == "flamegraph" {
    exit(FlamegraphCommand.entry(Array(CommandLine.arguments.dropFirst(2))).status)
}
if let (message, status) = BpfanCommand.refusal(Array(CommandLine.arguments.dropFirst())) {
    if status == 0 {
        StandardOutput.write(message + "\n")
    } else {
        StandardError.write(message)
    }
    exit(StandardOutput.failure == nil ? status : 1)
}
BpfanCommand.main(BpfanCommand.arguments(Array(CommandLine.arguments.dropFirst())))
// What went through stdio (the argument parser's help and version text) must have reached
// stdout too: a full disk is an error, not a silent exit 0.
if fflush(nil) != 0 {
    StandardError.write("bpfan: cannot write the output: \(String(cString: strerror(errno)))")
    exit(1)
}
