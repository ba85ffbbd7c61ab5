import CLibBPF
import Glibc

/// Build-id and function symbols of an ELF file (libelf), so that user stack addresses from a
/// recording symbolize on another machine. Written as metadata `elf_symbols/<build-id hex>`
/// in this text form (one record per line):
///
///     # bpfrec elf_symbols 1
///     path <path as mapped>
///     build_id <hex>
///     load <p_offset hex> <p_vaddr hex> <p_filesz hex>      (each executable PT_LOAD)
///     debug_file <path>                                      (when the symbols came from one)
///     sym <st_value hex> <st_size hex> <name>                (STT_FUNC, .symtab else .dynsym)
///
/// A user address `a` in a process_maps row (start, offset) is at file offset
/// `a - start + offset`; the `load` line containing it gives `vaddr = fileoff - p_offset + p_vaddr`,
/// which is what `sym` values are.
///
/// A stripped file's `.symtab` is looked for in its separate debug file, as gdb and perf do
/// (`DebugFile`). A debug file's code sections are NOBITS, but its symbol values are the same
/// vaddrs, so the `load` lines stay the mapped file's. Readers skip lines they do not know, so
/// `debug_file` needs no new version.
struct ElfSymbols {
    var path: String
    var buildID: [UInt8]
    var text: [UInt8]

    static let initialized: Bool = elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE)

    /// Reads only the build-id (cheap); nil when the file has none or is not ELF.
    static func buildID(path: String) -> [UInt8]? {
        withElf(path) { elf in findBuildID(elf) } ?? nil
    }

    /// `path` is where the file is read: `root` (the process's /proc/<pid>/root) and the path
    /// as mapped. Debug files are looked for under the same root.
    static func read(path: String, root: String = "") -> ElfSymbols? {
        withElf(path) { elf -> ElfSymbols? in
            guard let id = findBuildID(elf) else { return nil }
            let mapped = String(path.dropFirst(root.count))
            var out = "# bpfrec elf_symbols 1\npath \(mapped)\nbuild_id \(hex(id))\n"
            var phnum = 0
            if elf_getphdrnum(elf, &phnum) == 0 {
                for i in 0..<phnum {
                    var ph = GElf_Phdr()
                    guard gelf_getphdr(elf, Int32(i), &ph) != nil, ph.p_type == PT_LOAD, ph.p_flags & UInt32(PF_X) != 0 else { continue }
                    out += "load \(String(ph.p_offset, radix: 16)) \(String(ph.p_vaddr, radix: 16)) \(String(ph.p_filesz, radix: 16))\n"
                }
            }
            // Built as bytes: large binaries have 100k+ symbols.
            var text = Array(out.utf8)
            appendSymbols(elf, mapped: mapped, root: root, buildID: id, to: &text)
            return ElfSymbols(path: path, buildID: id, text: text)
        } ?? nil
    }

    /// The full symbol table when the file has one, else its debug file's and then the dynamic
    /// one, else the dynamic one alone (all that a stripped file keeps). With a debug file, the
    /// dynamic symbols go last so that at an address both name, the exported name is the one
    /// used, as before (readers take the last of equal addresses); the debug file adds what
    /// the dynamic table lacks (static functions), and its duplicates are left out.
    private static func appendSymbols(_ elf: OpaquePointer, mapped: String, root: String, buildID: [UInt8], to text: inout [UInt8]) {
        let found = sections(elf)
        if let symtab = found.symtab { return appendFunctions(elf, symtab, to: &text) }
        var exported: Set<UInt64> = []
        if let dynsym = found.dynsym { forEachFunction(elf, dynsym) { sym, _ in exported.insert(sym.st_value) } }
        for candidate in DebugFile.candidates(mapped: mapped, buildID: buildID, link: found.link) {
            let file = root + candidate.path
            let used = withElf(file) { debug -> Bool in
                // A debug file keeps its binary's build-id note: one found by name with another
                // build-id (or, by debuglink, another CRC) belongs to another build.
                if let other = findBuildID(debug), other != buildID { return false }
                guard let symtab = sections(debug).symtab else { return false }
                if let crc = candidate.crc, DebugFile.crc32(path: file) != crc { return false }
                text += Array("debug_file \(candidate.path)\n".utf8)
                appendFunctions(debug, symtab, skipping: exported, to: &text)
                return true
            }
            if used == true { break }
        }
        if let dynsym = found.dynsym { appendFunctions(elf, dynsym, to: &text) }
    }

    private static func sections(_ elf: OpaquePointer) -> (symtab: OpaquePointer?, dynsym: OpaquePointer?, link: DebugFile.Link?) {
        var symtab: OpaquePointer?, dynsym: OpaquePointer?
        var link: DebugFile.Link?
        var names = 0
        let haveNames = elf_getshdrstrndx(elf, &names) == 0
        var scn = elf_nextscn(elf, nil)
        while let s = scn {
            defer { scn = elf_nextscn(elf, s) }
            var sh = GElf_Shdr()
            guard gelf_getshdr(s, &sh) != nil else { continue }
            if sh.sh_type == SHT_SYMTAB { symtab = s }
            if sh.sh_type == SHT_DYNSYM { dynsym = s }
            if haveNames, sh.sh_type == SHT_PROGBITS, let n = elf_strptr(elf, names, Int(sh.sh_name)), strcmp(n, ".gnu_debuglink") == 0,
               let data = elf_getdata(s, nil), let buf = data.pointee.d_buf {
                link = DebugFile.Link(UnsafeRawBufferPointer(start: buf, count: Int(data.pointee.d_size)))
            }
        }
        return (symtab, dynsym, link)
    }

    private static func appendFunctions(_ elf: OpaquePointer, _ scn: OpaquePointer, skipping: Set<UInt64> = [], to text: inout [UInt8]) {
        forEachFunction(elf, scn) { sym, name in
            guard !skipping.contains(sym.st_value) else { return }
            text.append(contentsOf: [0x73, 0x79, 0x6d, 0x20]) // "sym "
            appendHex(sym.st_value, to: &text)
            text.append(0x20)
            appendHex(sym.st_size, to: &text)
            text.append(0x20)
            text.append(contentsOf: UnsafeRawBufferPointer(start: name, count: strlen(name)))
            text.append(0x0a)
        }
    }

    /// Each STT_FUNC symbol with an address, and its name.
    private static func forEachFunction(_ elf: OpaquePointer, _ scn: OpaquePointer, _ body: (GElf_Sym, UnsafeMutablePointer<CChar>) -> Void) {
        var sh = GElf_Shdr()
        guard gelf_getshdr(scn, &sh) != nil, let data = elf_getdata(scn, nil), sh.sh_entsize > 0 else { return }
        for i in 0..<Int(sh.sh_size / sh.sh_entsize) {
            var sym = GElf_Sym()
            guard gelf_getsym(data, Int32(i), &sym) != nil else { continue }
            guard sym.st_info & 0xf == UInt8(STT_FUNC), sym.st_value != 0,
                  let name = elf_strptr(elf, Int(sh.sh_link), Int(sym.st_name)) else { continue }
            body(sym, name)
        }
    }

    private static func withElf<T>(_ path: String, _ body: (OpaquePointer) -> T) -> T? {
        guard initialized else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard let elf = elf_begin(fd, ELF_C_READ, nil) else { return nil }
        defer { elf_end(elf) }
        guard elf_kind(elf) == ELF_K_ELF else { return nil }
        return body(elf)
    }

    /// The NT_GNU_BUILD_ID note's descriptor.
    private static func findBuildID(_ elf: OpaquePointer) -> [UInt8]? {
        var scn = elf_nextscn(elf, nil)
        while let s = scn {
            defer { scn = elf_nextscn(elf, s) }
            var sh = GElf_Shdr()
            guard gelf_getshdr(s, &sh) != nil, sh.sh_type == SHT_NOTE, let data = elf_getdata(s, nil), let buf = data.pointee.d_buf else { continue }
            var offset = 0
            while true {
                var note = GElf_Nhdr()
                var nameOff = 0, descOff = 0
                let next = gelf_getnote(data, offset, &note, &nameOff, &descOff)
                if next == 0 { break }
                if note.n_type == UInt32(NT_GNU_BUILD_ID), note.n_namesz == 4,
                   memcmp(buf + nameOff, "GNU", 4) == 0 {
                    let p = (buf + descOff).assumingMemoryBound(to: UInt8.self)
                    return Array(UnsafeBufferPointer(start: p, count: Int(note.n_descsz)))
                }
                offset = next
            }
        }
        return nil
    }
}

func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 0xf)])
    }
    return String(decoding: out, as: UTF8.self)
}

private func appendHex(_ v: UInt64, to out: inout [UInt8]) {
    if v == 0 { out.append(0x30); return }
    var shift = (64 - v.leadingZeroBitCount + 3) / 4 * 4
    while shift > 0 {
        shift -= 4
        let d = UInt8((v >> UInt64(shift)) & 0xf)
        out.append(d < 10 ? 0x30 + d : 0x57 + d)
    }
}
