import Testing
import TraceFormat
import TraceTestSupport

@Test(.enabled(if: builtBinary("bpfan") != nil, "needs the built bpfan"))
func bpfanVersion() throws {
    let bin = try #require(builtBinary("bpfan"))
    for flag in ["--version", "-V"] {
        let r = try runBinary(bin, [flag])
        #expect(r.status == 0 && r.stderr.isEmpty)
        #expect(r.stdout == ToolkitVersion.line(program: "bpfan") + "\n")
    }
    #expect(ToolkitVersion.line(program: "bpfan").hasPrefix("bpfan \(ToolkitVersion.number) (trace format \(FileLayout.majorVersion)."))
}
