// Builds small AArch64 ELF executables in memory for tests: a header, program headers, one
// code segment with a .bss tail, and a symbol table. Tests change fields before bytes().
#pragma once

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace trapeze::test {

inline constexpr std::uint64_t kRam = 0x4000'0000;
inline constexpr std::uint64_t kLoad = kRam + 0x8'0000;

struct ElfBuilder {
    Elf64_Ehdr header{};
    std::vector<Elf64_Phdr> segments;
    std::vector<std::uint8_t> code{0x1f, 0x20, 0x03, 0xd5, 0x00, 0x00, 0x00, 0x14};  // nop; b .
    std::vector<Elf64_Sym> symbols;
    std::string strings{'\0'};
    bool with_sections = true;
    Elf64_Shdr symtab{};
    Elf64_Shdr strtab{};

    static constexpr std::uint64_t kCodeOffset = 0x100;

    ElfBuilder() {
        std::memcpy(header.e_ident, ELFMAG, SELFMAG);
        header.e_ident[EI_CLASS] = ELFCLASS64;
        header.e_ident[EI_DATA] = ELFDATA2LSB;
        header.e_ident[EI_VERSION] = EV_CURRENT;
        header.e_type = ET_EXEC;
        header.e_machine = EM_AARCH64;
        header.e_version = EV_CURRENT;
        header.e_entry = kLoad;
        header.e_phoff = sizeof(Elf64_Ehdr);
        header.e_ehsize = sizeof(Elf64_Ehdr);
        header.e_phentsize = sizeof(Elf64_Phdr);
        header.e_shentsize = sizeof(Elf64_Shdr);
        Elf64_Phdr load{};
        load.p_type = PT_LOAD;
        load.p_flags = PF_R | PF_X;
        load.p_offset = kCodeOffset;
        load.p_vaddr = load.p_paddr = kLoad;
        load.p_filesz = code.size();
        load.p_memsz = 0x20;  // 8 bytes of code, 24 of .bss
        load.p_align = 0x10;
        segments.push_back(load);
        add_symbol("_start", kLoad, 8, STT_FUNC);
        add_symbol("counter", kLoad + 0x10, 8, STT_OBJECT);
        add_symbol("inner", kLoad + 4, 4, STT_FUNC);
        add_symbol("label", kLoad + 4, 0, STT_NOTYPE);  // not a function or object: ignored
    }

    void add_symbol(const std::string& name, std::uint64_t value, std::uint64_t size, unsigned type) {
        Elf64_Sym s{};
        s.st_name = static_cast<std::uint32_t>(strings.size());
        s.st_info = ELF64_ST_INFO(STB_GLOBAL, type);
        s.st_shndx = 1;
        s.st_value = value;
        s.st_size = size;
        symbols.push_back(s);
        strings += name;
        strings += '\0';
    }

    template <typename T>
    static void put(std::vector<std::uint8_t>& out, std::uint64_t offset, const T& value) {
        if (out.size() < offset + sizeof(T)) out.resize(offset + sizeof(T));
        std::memcpy(out.data() + offset, &value, sizeof(T));
    }

    std::vector<std::uint8_t> bytes() {
        std::vector<std::uint8_t> out(kCodeOffset);
        header.e_phnum = static_cast<std::uint16_t>(segments.size());
        for (std::size_t i = 0; i < segments.size(); ++i)
            put(out, sizeof(Elf64_Ehdr) + i * sizeof(Elf64_Phdr), segments[i]);
        out.resize(kCodeOffset);
        out.insert(out.end(), code.begin(), code.end());
        if (with_sections) {
            // [0] null, [1] .text, [2] .symtab, [3] .strtab
            const std::uint64_t symtab_offset = (out.size() + 7) & ~7ull;
            std::vector<Elf64_Sym> all(1);  // the reserved null symbol
            all.insert(all.end(), symbols.begin(), symbols.end());
            for (std::size_t i = 0; i < all.size(); ++i) put(out, symtab_offset + i * sizeof(Elf64_Sym), all[i]);
            const std::uint64_t strtab_offset = out.size();
            out.insert(out.end(), strings.begin(), strings.end());
            const std::uint64_t shoff = (out.size() + 7) & ~7ull;
            Elf64_Shdr text{};
            text.sh_type = SHT_PROGBITS;
            text.sh_addr = kLoad;
            text.sh_offset = kCodeOffset;
            text.sh_size = code.size();
            if (symtab.sh_type == 0) {
                symtab.sh_type = SHT_SYMTAB;
                symtab.sh_offset = symtab_offset;
                symtab.sh_size = all.size() * sizeof(Elf64_Sym);
                symtab.sh_link = 3;
                symtab.sh_entsize = sizeof(Elf64_Sym);
            }
            if (strtab.sh_type == 0) {
                strtab.sh_type = SHT_STRTAB;
                strtab.sh_offset = strtab_offset;
                strtab.sh_size = strings.size();
            }
            put(out, shoff, Elf64_Shdr{});
            put(out, shoff + sizeof(Elf64_Shdr), text);
            put(out, shoff + 2 * sizeof(Elf64_Shdr), symtab);
            put(out, shoff + 3 * sizeof(Elf64_Shdr), strtab);
            if (header.e_shoff == 0) header.e_shoff = shoff;
            if (header.e_shnum == 0) header.e_shnum = 4;
        }
        put(out, 0, header);
        return out;
    }
};

// An executable of just these instruction words at kLoad, with `_start` covering them.
inline std::vector<std::uint8_t> tiny_elf(const std::vector<std::uint32_t>& words) {
    ElfBuilder b;
    b.code.resize(words.size() * 4);
    std::memcpy(b.code.data(), words.data(), b.code.size());
    b.segments[0].p_filesz = b.segments[0].p_memsz = b.code.size();
    b.symbols.clear();
    b.strings = std::string(1, '\0');
    b.add_symbol("_start", kLoad, b.code.size(), STT_FUNC);
    return b.bytes();
}

}  // namespace trapeze::test
