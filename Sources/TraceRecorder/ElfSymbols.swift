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
///     sym <st_value hex> <st_size hex> <name>                (STT_FUNC, .symtab else .dynsym)
///
/// A user address `a` in a process_maps row (start, offset) is at file offset
/// `a - start + offset`; the `load` line containing it gives `vaddr = fileoff - p_offset + p_vaddr`,
/// which is what `sym` values are.
struct ElfSymbols {
    var path: String
    var buildID: [UInt8]
    var text: [UInt8]

    static let initialized: Bool = elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE)

    /// Reads only the build-id (cheap); nil when the file has none or is not ELF.
    static func buildID(path: String) -> [UInt8]? {
        withElf(path) { elf in findBuildID(elf) } ?? nil
    }

    static func read(path: String) -> ElfSymbols? {
        withElf(path) { elf -> ElfSymbols? in
            guard let id = findBuildID(elf) else { return nil }
            var out = "# bpfrec elf_symbols 1\npath \(path)\nbuild_id \(hex(id))\n"
            var phnum = 0
            if elf_getphdrnum(elf, &phnum) == 0 {
                for i in 0..<phnum {
                    var ph = GElf_Phdr()
                    guard gelf_getphdr(elf, Int32(i), &ph) != nil, ph.p_type == PT_LOAD, ph.p_flags & UInt32(PF_X) != 0 else { continue }
                    out += "load \(String(ph.p_offset, radix: 16)) \(String(ph.p_vaddr, radix: 16)) \(String(ph.p_filesz, radix: 16))\n"
                }
            }
            // Prefer the full symbol table; stripped binaries only have the dynamic one.
            var symtab: OpaquePointer?, dynsym: OpaquePointer?
            var scn = elf_nextscn(elf, nil)
            while let s = scn {
                var sh = GElf_Shdr()
                if gelf_getshdr(s, &sh) != nil {
                    if sh.sh_type == SHT_SYMTAB { symtab = s }
                    if sh.sh_type == SHT_DYNSYM { dynsym = s }
                }
                scn = elf_nextscn(elf, s)
            }
            // Built as bytes: large binaries have 100k+ symbols.
            var text = Array(out.utf8)
            if let s = symtab ?? dynsym {
                var sh = GElf_Shdr()
                gelf_getshdr(s, &sh)
                if let data = elf_getdata(s, nil), sh.sh_entsize > 0 {
                    let count = Int(sh.sh_size / sh.sh_entsize)
                    text.reserveCapacity(text.count + count * 40)
                    for i in 0..<count {
                        var sym = GElf_Sym()
                        guard gelf_getsym(data, Int32(i), &sym) != nil else { continue }
                        guard sym.st_info & 0xf == UInt8(STT_FUNC), sym.st_value != 0,
                              let name = elf_strptr(elf, Int(sh.sh_link), Int(sym.st_name)) else { continue }
                        text.append(contentsOf: [0x73, 0x79, 0x6d, 0x20]) // "sym "
                        appendHex(sym.st_value, to: &text)
                        text.append(0x20)
                        appendHex(sym.st_size, to: &text)
                        text.append(0x20)
                        text.append(contentsOf: UnsafeRawBufferPointer(start: name, count: strlen(name)))
                        text.append(0x0a)
                    }
                }
            }
            return ElfSymbols(path: path, buildID: id, text: text)
        } ?? nil
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
