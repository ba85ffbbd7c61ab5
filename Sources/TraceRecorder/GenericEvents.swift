import CBPFPrograms
import CLibBPF
import Foundation
import Glibc
import TraceFormat
import TraceSchema

/// One tracepoint chosen with `-e`, ready to record generically: its index (the attach cookie),
/// its parsed format, the format text (kept in the recording) and its table.
struct GenericEvent: Sendable {
    var index: Int
    var format: TracepointFormat
    var formatText: String
    var schema: TableSchema
    /// Pointer fields read as strings at capture, in slot order.
    var strings: [String] = []
    /// Stacks taken at each hit (--stack-events): they follow the entry in the record.
    var stacks: TracepointStacks = []

    /// Where the raw entry starts in a record: after the header and the string slots.
    var entryOffset: Int { MemoryLayout<bpfrec_generic_record>.size + strings.count * TracepointFormat.stringMax }

    var kind: UInt32 { UInt32(BPFREC_GENERIC_KIND_BASE) + UInt32(index) }

    /// The attach cookie: the index, and which stacks the program takes.
    var cookie: UInt64 {
        UInt64(index) | (stacks.contains(.kernel) ? UInt64(BPFREC_GENERIC_COOKIE_KSTACK) : 0)
            | (stacks.contains(.user) ? UInt64(BPFREC_GENERIC_COOKIE_USTACK) : 0)
    }

    /// The fast program that reads this event's entry by direct loads (bpf/tracepoints.bpf.c,
    /// one per entry size), when the event has no dynamic data, strings or stacks and its entry
    /// is a whole number of 4-byte words up to BPFREC_GENERIC_FAST_MAX; nil for the general one.
    var fastProgram: String? {
        let size = format.fixedSize
        guard stacks.isEmpty, strings.isEmpty, size % 4 == 0, size >= 8, size <= Int(BPFREC_GENERIC_FAST_MAX),
              !format.fields.contains(where: { if case .dynamic = $0.kind { true } else { false } }) else { return nil }
        return "generic_tp_fixed_\(size)"
    }

    /// What the BPF side needs to find the entry's end.
    var config: bpfrec_generic_event {
        var c = bpfrec_generic_event()
        c.fixed_size = UInt32(format.fixedSize)
        let dynamic = format.fields.compactMap { f -> (Int, Bool)? in
            if case .dynamic(_, let relative) = f.kind { return (f.offset, relative) }
            return nil
        }
        c.dynamic_count = UInt32(dynamic.count)
        withUnsafeMutableBytes(of: &c.dynamic_offset) { raw in
            let p = raw.bindMemory(to: UInt16.self)
            for (i, d) in dynamic.enumerated() where i < p.count { p[i] = UInt16(d.0) }
        }
        withUnsafeMutableBytes(of: &c.dynamic_relative) { raw in
            for (i, d) in dynamic.enumerated() where i < raw.count { raw[i] = d.1 ? 1 : 0 }
        }
        c.string_count = UInt32(strings.count)
        let offsets = strings.compactMap { name in format.fields.first { $0.name == name }?.offset }
        withUnsafeMutableBytes(of: &c.string_offset) { raw in
            let p = raw.bindMemory(to: UInt16.self)
            for (i, o) in offsets.enumerated() where i < p.count { p[i] = UInt16(o) }
        }
        return c
    }
}

/// Turns `-e SUBSYS:EVENT` patterns (globs allowed in both parts) into events, from tracefs.
enum GenericEvents {
    static let family = "tracepoints"

    /// Where the event formats are: libbpf looks under debugfs's tracing first when it exists
    /// (to attach), so the formats are read from the same place.
    static func eventsDirectory() throws(RecorderError) -> String {
        for base in ["/sys/kernel/debug/tracing", "/sys/kernel/tracing"] where access(base + "/events/header_page", R_OK) == 0 {
            return base + "/events"
        }
        throw RecorderError("-e: tracefs is not mounted or not readable (mount it: mount -t tracefs tracefs /sys/kernel/tracing)")
    }

    /// One classic tracepoint program serves every event and tells them apart by its attach
    /// cookie (bpf_get_attach_cookie, Linux 5.15+).
    static func checkCookies() throws(RecorderError) {
        guard libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_get_attach_cookie, nil) > 0 else {
            throw RecorderError("-e: this kernel lacks BPF attach cookies for tracepoint programs (bpf_get_attach_cookie, Linux 5.15+), which the generic capture needs to tell its events apart")
        }
    }

    /// The events of `patterns` (-e) and `stackPatterns` (--stack-events, which records its
    /// events too: naming them with -e as well is not needed), in the order first named; those
    /// of `stackPatterns` take `stacks`.
    static func resolve(_ patterns: [String], stackPatterns: [String] = [], stacks: TracepointStacks = [.kernel, .user],
                        directory: String) throws(RecorderError) -> [GenericEvent] {
        var chosen: [(system: String, event: String)] = []
        var stringsByEvent: [String: [String]] = [:]
        var stacked: Set<String> = []
        for (pattern, isStack) in patterns.map({ ($0, false) }) + stackPatterns.map({ ($0, true) }) {
            let flag = isStack ? "--stack-events" : "-e"
            var parts = pattern.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            // SUBSYS:EVENT[:field=str[,field=str]]: pointer fields to read as strings.
            var strings: [String] = []
            if parts.count == 3 && !isStack {
                for option in parts[2].split(separator: ",", omittingEmptySubsequences: false) {
                    let kv = option.split(separator: "=", omittingEmptySubsequences: false)
                    guard kv.count == 2, kv[1] == "str", !kv[0].isEmpty else {
                        throw RecorderError("-e \(pattern): '\(option)': the only field option is FIELD=str (read the string a pointer field points to)")
                    }
                    if !strings.contains(String(kv[0])) { strings.append(String(kv[0])) }
                }
                parts.removeLast()
            }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                let form = isStack ? "SUBSYS:EVENT (globs allowed, comma-separated; field options go with -e)" : "SUBSYS:EVENT[:FIELD=str,...] (globs allowed, e.g. 'irq:*'"
                throw RecorderError("\(flag) \(pattern): expected \(form)\(isStack ? "" : "; `ls \(directory)` lists them)")")
            }
            guard strings.count <= Int(BPFREC_GENERIC_STRINGS_MAX) else {
                throw RecorderError("-e \(pattern): at most \(BPFREC_GENERIC_STRINGS_MAX) fields can be read as strings per event")
            }
            let systems = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.sorted() ?? []
            var matched = 0
            for system in systems where fnmatch(parts[0], system, 0) == 0 {
                let events = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/" + system))?.sorted() ?? []
                for event in events where fnmatch(parts[1], event, 0) == 0 && access("\(directory)/\(system)/\(event)/format", R_OK) == 0 {
                    matched += 1
                    if !chosen.contains(where: { $0 == (system, event) }) { chosen.append((system, event)) }
                    if isStack { stacked.insert("\(system):\(event)") }
                    for s in strings where !(stringsByEvent["\(system):\(event)"] ?? []).contains(s) { stringsByEvent["\(system):\(event)", default: []].append(s) }
                }
            }
            if matched == 0 {
                let glob = pattern.contains { "*?[".contains($0) }
                throw RecorderError(glob ? "\(flag) \(pattern): matches no tracepoint of this kernel"
                                         : "\(flag) \(pattern): no such tracepoint on this kernel (`ls \(directory)/\(parts[0])` lists its events)")
            }
        }
        let limit = Int(BPFREC_GENERIC_EVENTS_MAX)
        guard chosen.count <= limit else {
            throw RecorderError("-e: \(chosen.count) tracepoints selected; at most \(limit) can be recorded at once")
        }
        var out: [GenericEvent] = []
        for (i, c) in chosen.enumerated() {
            let path = "\(directory)/\(c.system)/\(c.event)/format"
            guard let text = readFileText(path) else { throw RecorderError("-e \(c.system):\(c.event): cannot read \(path): \(errnoText())") }
            let format: TracepointFormat
            do { format = try TracepointFormat.parse(text, system: c.system) } catch {
                throw RecorderError("-e \(c.system):\(c.event): cannot parse its format: \(error.description)")
            }
            let dynamic = format.fields.filter { if case .dynamic = $0.kind { return true }; return false }.count
            guard dynamic <= Int(BPFREC_GENERIC_DYNAMIC_MAX) else {
                throw RecorderError("-e \(format.event): \(dynamic) dynamic fields; the generic capture follows at most \(BPFREC_GENERIC_DYNAMIC_MAX)")
            }
            let strings = stringsByEvent[format.event] ?? []
            for name in strings {
                guard let f = format.fields.first(where: { $0.name == name }) else {
                    throw RecorderError("-e \(format.event): no field '\(name)' (its fields: \(format.fields.map(\.name).joined(separator: ", ")))")
                }
                guard f.type.contains("*"), f.size == 8 else {
                    throw RecorderError("-e \(format.event): '\(name)' is \(f.type), not a pointer: only pointer fields can be read as strings")
                }
                if format.fields.contains(where: { TracepointFormat.columnName(of: $0.name) == TracepointFormat.stringColumnName(of: name) }) {
                    throw RecorderError("-e \(format.event): its field \(TracepointFormat.stringColumnName(of: name)) would clash with the string of '\(name)'")
                }
            }
            guard strings.count <= Int(BPFREC_GENERIC_STRINGS_MAX) else {
                throw RecorderError("-e \(format.event): at most \(BPFREC_GENERIC_STRINGS_MAX) fields can be read as strings per event")
            }
            let eventStacks = stacked.contains(format.event) ? stacks : []
            out.append(GenericEvent(index: i, format: format, formatText: text,
                                    schema: format.tableSchema(family: family, strings: strings, stacks: eventStacks),
                                    strings: strings, stacks: eventStacks))
        }
        return out
    }

    /// Every event's format text, for `bpfan tplist` (about 2 MB of text, 0.1 MB compressed).
    static func catalog(directory: String) -> [String: String] {
        var out: [String: String] = [:]
        for system in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            for event in (try? FileManager.default.contentsOfDirectory(atPath: directory + "/" + system)) ?? [] {
                if let text = readFileText("\(directory)/\(system)/\(event)/format") { out["\(system):\(event)"] = text }
            }
        }
        return out
    }
}

extension Recorder {
    /// The tracepoints that `o`'s -e and --stack-events select from `directory` (a tracefs
    /// events directory, or a copy of one), with every check `record` makes of them, and
    /// nothing loaded: for the flag fuzzer, which must reach the parsers without root.
    public static func selectedTracepoints(_ o: RecorderOptions, directory: String) throws(RecorderError) -> [String] {
        try GenericEvents.resolve(o.events, stackPatterns: o.stackEvents, stacks: o.stacks, directory: directory).map(\.format.event)
    }
}
