import CBPFPrograms
import CLibBPF
import Glibc

/// One family's BPF object, loaded and attached. Loading tries the typed `tp_btf` entry points
/// first and falls back to their `raw_tp` twins (DUAL_TP in common.bpf.h) when the kernel
/// refuses them; classic `tracepoint/` and `perf_event` programs have no twin.
final class LoadedFamily {
    let family: Family
    let attachMode: String
    private var skeleton: UnsafeMutableRawPointer?
    private let object: OpaquePointer
    private var links: [OpaquePointer] = []
    private var perfFDs: [Int32] = []

    private init(family: Family, skeleton: UnsafeMutableRawPointer?, object: OpaquePointer, attachMode: String) {
        self.family = family
        self.skeleton = skeleton
        self.object = object
        self.attachMode = attachMode
    }

    deinit {
        detach()
        bpfrec_destroy_family(family.rawValue, skeleton)
    }

    /// Opens and loads the family with `config` in its rodata and the shared maps.
    /// Programs whose name starts with one of `skipping` are not loaded (switched-off parts).
    static func load(_ family: Family, config: bpfrec_config, maps: SharedMaps, skipping: [String] = []) throws(RecorderError) -> LoadedFamily {
        var firstError = ""
        for typed in [true, false] {
            var cfg = config
            var skel: UnsafeMutableRawPointer?
            guard let obj = bpfrec_open_family(family.rawValue, &cfg, &skel) else {
                throw RecorderError("\(family): cannot open BPF object: \(String(cString: strerror(errno)))")
            }
            var hasTwins = false
            var firstSection = ""
            var prog = bpf_object__next_program(obj, nil)
            while let p = prog {
                let section = String(cString: bpf_program__section_name(p))
                if firstSection.isEmpty { firstSection = String(section.prefix { $0 != "/" }) }
                if section.hasPrefix("raw_tp/") {
                    hasTwins = true
                    bpf_program__set_autoload(p, !typed)
                } else if section.hasPrefix("tp_btf/") {
                    bpf_program__set_autoload(p, typed)
                }
                let name = String(cString: bpf_program__name(p))
                if skipping.contains(where: { name.hasPrefix($0) }) { bpf_program__set_autoload(p, false) }
                prog = bpf_object__next_program(obj, p)
            }
            do throws(RecorderError) {
                try maps.share(with: obj)
            } catch {
                bpfrec_destroy_family(family.rawValue, skel)
                throw error
            }
            let rc = bpf_object__load(obj)
            if rc == 0 {
                return LoadedFamily(family: family, skeleton: skel, object: obj, attachMode: hasTwins ? (typed ? "tp_btf" : "raw_tp") : firstSection)
            }
            let why = String(cString: bpfrec_last_libbpf_warning())
            if firstError.isEmpty { firstError = "\(String(cString: strerror(-rc)))\(why.isEmpty ? "" : " (\(why))")" }
            bpfrec_destroy_family(family.rawValue, skel)
            if !hasTwins { break }
        }
        throw RecorderError("\(family): BPF programs do not load on this kernel: \(firstError)")
    }

    /// Attaches every loaded program. `perf_event` programs are attached to a cpu-clock sampler
    /// on each CPU at `sampleFrequency` Hz.
    func attach(cpus: Int, sampleFrequency: Int) throws(RecorderError) {
        var prog = bpf_object__next_program(object, nil)
        while let p = prog {
            defer { prog = bpf_object__next_program(object, p) }
            guard bpf_program__autoload(p) else { continue }
            let section = String(cString: bpf_program__section_name(p))
            let name = String(cString: bpf_program__name(p))
            // The generic program has no target of its own: attachGeneric gives it its events.
            if section == "tracepoint" { continue }
            if section.hasPrefix("perf_event") {
                for cpu in 0..<cpus {
                    let fd = bpfrec_open_cpu_clock(Int32(cpu), UInt64(sampleFrequency))
                    if fd < 0 {
                        if fd == -ENODEV { continue } // offline CPU
                        throw RecorderError("\(family): perf_event_open cpu-clock on CPU \(cpu): \(String(cString: strerror(-fd)))")
                    }
                    perfFDs.append(fd)
                    guard let link = bpf_program__attach_perf_event(p, fd) else {
                        throw RecorderError("\(family): cannot attach \(name) to CPU \(cpu): \(String(cString: strerror(errno)))")
                    }
                    links.append(link)
                }
                continue
            }
            guard let link = bpf_program__attach(p) else {
                throw RecorderError("\(family): cannot attach \(name) (\(section)): \(String(cString: strerror(errno)))")
            }
            links.append(link)
        }
    }

    /// The generic capture: tells the program where each event's entry ends, then attaches it
    /// to every event with the event's index and stack kinds as its cookie.
    func attachGeneric(_ events: [GenericEvent]) throws(RecorderError) {
        guard let map = bpf_object__find_map_by_name(object, "generic_events"),
              let prog = bpf_object__find_program_by_name(object, "generic_tracepoint") else {
            throw RecorderError("\(family): the BPF object lacks its generic program or map")
        }
        for e in events {
            var key = UInt32(e.index)
            var value = e.config
            guard bpf_map__update_elem(map, &key, 4, &value, MemoryLayout<bpfrec_generic_event>.size, 0) == 0 else {
                throw RecorderError("-e \(e.format.event): cannot configure the generic program: \(errnoText())")
            }
            var opts = bpf_tracepoint_opts()
            opts.sz = MemoryLayout<bpf_tracepoint_opts>.size
            opts.bpf_cookie = e.cookie
            // The fast program when one fits the event; the general one otherwise, and also when
            // the kernel refuses the fast one (its entry shorter than the format says: -EACCES).
            if let name = e.fastProgram, let fast = bpf_object__find_program_by_name(object, name),
               let link = bpf_program__attach_tracepoint_opts(fast, e.format.system, e.format.name, &opts) {
                links.append(link)
                continue
            }
            guard let link = bpf_program__attach_tracepoint_opts(prog, e.format.system, e.format.name, &opts) else {
                throw RecorderError("-e \(e.format.event): cannot attach: \(errnoText())")
            }
            links.append(link)
        }
    }

    /// Failed ring writes of each generic event so far, by event index.
    func genericLost(count: Int) -> [UInt64] {
        guard let map = bpf_object__find_map_by_name(object, "generic_lost") else { return [] }
        return (0..<count).map { i in
            var key = UInt32(i)
            var value: UInt64 = 0
            return bpf_map__lookup_elem(map, &key, 4, &value, 8, 0) == 0 ? value : 0
        }
    }

    func detach() {
        // Last attached first: an end event (softirq_exit) stops before its start, so no end is
        // recorded whose start was not.
        for l in links.reversed() { bpf_link__destroy(l) }
        links.removeAll()
        for fd in perfFDs { close(fd) }
        perfFDs.removeAll()
    }

    /// Sum over the family's programs of runs the kernel skipped because the program was already
    /// running on that CPU (raw_tp/tp_btf nesting): lost events the ring never saw.
    func recursionMisses() -> UInt64 {
        var total: UInt64 = 0
        var prog = bpf_object__next_program(object, nil)
        while let p = prog {
            prog = bpf_object__next_program(object, p)
            let fd = bpf_program__fd(p)
            guard fd >= 0 else { continue }
            var info = bpf_prog_info()
            var len = UInt32(MemoryLayout<bpf_prog_info>.size)
            if bpf_obj_get_info_by_fd(fd, &info, &len) == 0 { total &+= info.recursion_misses }
        }
        return total
    }
}
