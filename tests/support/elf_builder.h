// Builds small AArch64 ELF executables in memory for tests: a header, one PT_LOAD segment
// holding the given instruction words at kGuestLoad, and no symbols.
#pragma once

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace trapeze::test {

inline constexpr std::uint64_t kGuestLoad = 0x4008'0000;

inline std::vector<std::uint8_t> tiny_elf(const std::vector<std::uint32_t>& words, std::uint64_t load = kGuestLoad) {
    Elf64_Ehdr header{};
    std::memcpy(header.e_ident, ELFMAG, SELFMAG);
    header.e_ident[EI_CLASS] = ELFCLASS64;
    header.e_ident[EI_DATA] = ELFDATA2LSB;
    header.e_ident[EI_VERSION] = EV_CURRENT;
    header.e_type = ET_EXEC;
    header.e_machine = EM_AARCH64;
    header.e_version = EV_CURRENT;
    header.e_entry = load;
    header.e_phoff = sizeof(Elf64_Ehdr);
    header.e_ehsize = sizeof(Elf64_Ehdr);
    header.e_phentsize = sizeof(Elf64_Phdr);
    header.e_phnum = 1;
    Elf64_Phdr segment{};
    segment.p_type = PT_LOAD;
    segment.p_flags = PF_R | PF_X;
    segment.p_offset = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
    segment.p_vaddr = segment.p_paddr = load;
    segment.p_filesz = segment.p_memsz = words.size() * 4;
    segment.p_align = 4;
    std::vector<std::uint8_t> out(segment.p_offset + words.size() * 4);
    std::memcpy(out.data(), &header, sizeof header);
    std::memcpy(out.data() + sizeof header, &segment, sizeof segment);
    std::memcpy(out.data() + segment.p_offset, words.data(), words.size() * 4);
    return out;
}

}  // namespace trapeze::test
