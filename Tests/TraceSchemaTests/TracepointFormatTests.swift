import Foundation
import Testing
import TraceFormat
@testable import TraceSchema

private let irqHandlerEntry = """
name: irq_handler_entry
ID: 225
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:int irq;\toffset:8;\tsize:4;\tsigned:1;
\tfield:__data_loc char[] name;\toffset:12;\tsize:4;\tsigned:0;

print fmt: "irq=%d name=%s", REC->irq, __get_str(name)
"""

@Test func formatFieldsBecomeColumns() throws {
    let f = try TracepointFormat.parse(irqHandlerEntry, system: "irq")
    #expect(f.event == "irq:irq_handler_entry" && f.id == 225 && f.fixedSize == 16)
    #expect(f.commonFields.map(\.name) == ["common_type", "common_flags", "common_preempt_count", "common_pid"])
    #expect(f.fields == [
        .init(name: "irq", type: "int", offset: 8, size: 4, kind: .integer(signed: true)),
        .init(name: "name", type: "__data_loc char[]", offset: 12, size: 4, kind: .dynamic(text: true, relative: false)),
    ])
    let t = f.tableSchema(family: "tracepoints")
    #expect(t.name == "irq:irq_handler_entry")
    #expect(t.columns.map(\.name) == ["ts", "cpu", "pid", "tid", "irq", "name", "entry_cut"])
    #expect(t.columns.map(\.type) == [.u64, .u32, .u32, .u32, .i32, .str, .u8])
}

/// --stack-events: the stack columns of schemas/tracepoints.json, only those asked for, with the
/// current comm whenever a stack is taken; a field named like one is renamed.
@Test func stackEventsAddTheSchemaStackColumns() throws {
    let f = try TracepointFormat.parse(irqHandlerEntry, system: "irq")
    let both = f.tableSchema(family: "tracepoints", stacks: [.kernel, .user])
    #expect(both.columns.map(\.name) == ["ts", "cpu", "pid", "tid", "irq", "name", "kstack", "ustack", "task_comm", "entry_cut"])
    #expect(both.columns.first { $0.name == "kstack" } == EventTables.genericStackColumns[0])
    #expect(f.tableSchema(family: "tracepoints", stacks: [.user]).columns.map(\.name).suffix(3) == ["ustack", "task_comm", "entry_cut"])
    #expect(f.tableSchema(family: "tracepoints", stacks: [.kernel]).columns.map(\.name).suffix(3) == ["kstack", "task_comm", "entry_cut"])
    #expect(TracepointFormat.columnName(of: "kstack") == "arg_kstack" && TracepointFormat.columnName(of: "task_comm") == "arg_task_comm")
}

@Test func everyFieldShapeIsRead() throws {
    func field(_ decl: String, size: Int, signed: Int = 0) throws -> TracepointFormat.Field {
        try TracepointFormat.parseField("field:\(decl);\toffset:8;\tsize:\(size);\tsigned:\(signed);")
    }
    #expect(try field("char comm[16]", size: 16).kind == .chars)
    #expect(try field("__u8 saddr[4]", size: 4).kind == .bytes)
    #expect(try field("const char * filename", size: 8).kind == .integer(signed: false))
    #expect(try field("void *skbaddr", size: 8).kind == .integer(signed: false))
    #expect(try field("bool preempt", size: 1).kind == .integer(signed: false))
    #expect(try field("long ret", size: 8, signed: 1).kind == .integer(signed: true))
    #expect(try field("unsigned long args[6]", size: 48).kind == .bytes)
    #expect(try field("__data_loc u32[] cpus", size: 4).kind == .dynamic(text: false, relative: false))
    #expect(try field("__rel_loc char[] msg", size: 4).kind == .dynamic(text: true, relative: true))
    #expect(try field("pid_t pid", size: 4, signed: 1).name == "pid")
    // A field named like a header column keeps its name in the format, not in the table.
    #expect(TracepointFormat.columnName(of: "pid") == "arg_pid" && TracepointFormat.columnName(of: "sig") == "sig")
    #expect(TracepointFormat.columnName(of: "entry_cut") == "arg_entry_cut" && TracepointFormat.columnName(of: "arg_pid") == "arg_arg_pid")
    #expect(throws: TracepointFormat.ParseError.self) { _ = try field("int", size: 4) }
    #expect(throws: TracepointFormat.ParseError.self) { _ = try TracepointFormat.parseField("field:int x;\toffset:8;") }
}

/// Where the kernel's event formats can be read (root, tracefs mounted: the test mounts it when
/// it may, as a fresh machine boots without it).
private let eventsDirectory: String? = {
    let dir = "/sys/kernel/tracing/events"
    if getuid() == 0 && access(dir + "/header_page", R_OK) != 0 {
        _ = mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nil)
    }
    return access(dir + "/header_page", R_OK) == 0 ? dir : nil
}()

/// Every format file of the running kernel parses, and each table it makes is valid: unique
/// column names, sizes within the format's limits.
@Test(.enabled(if: eventsDirectory != nil, "needs root and tracefs to read the kernel's event formats"))
func everyFormatOnThisKernelParses() throws {
    let dir = eventsDirectory!
    var parsed = 0
    var failures: [String] = []
    for system in try FileManager.default.contentsOfDirectory(atPath: dir).sorted() {
        let sysDir = dir + "/" + system
        guard let events = try? FileManager.default.contentsOfDirectory(atPath: sysDir) else { continue }
        for event in events.sorted() {
            guard let text = try? String(contentsOfFile: sysDir + "/" + event + "/format", encoding: .utf8) else { continue }
            do {
                let f = try TracepointFormat.parse(text, system: system)
                let t = f.tableSchema(family: "tracepoints")
                if Set(t.columns.map(\.name)).count != t.columns.count { failures.append("\(f.event): a column name twice") }
                parsed += 1
            } catch {
                failures.append("\(error)")
            }
        }
    }
    print("tracepoint formats: \(parsed) parsed, \(failures.count) failed")
    #expect(parsed > 1000)
    #expect(failures == [])
}
