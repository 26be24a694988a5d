// The ELF loader: a good image loads; every malformed or foreign one is an ElfError naming the problem.
#include <doctest/doctest.h>
#include <elf.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "emulator/elf_loader.h"
#include "support/elf_builder.h"

using namespace trapeze;
using namespace trapeze::test;

namespace {

std::string parse_error(std::vector<std::uint8_t> bytes) {
    try {
        ElfImage::parse(bytes, "guest.elf");
    } catch (const ElfError& e) {
        return e.what();
    }
    return "(no error)";
}

std::string parse_error(ElfBuilder& b) { return parse_error(b.bytes()); }

}  // namespace

TEST_CASE("a good executable loads its segment, zeroes the .bss tail and keeps its symbols") {
    ElfBuilder b;
    const ElfImage image = ElfImage::parse(b.bytes(), "guest.elf");
    CHECK(image.entry() == kLoad);
    REQUIRE(image.segments().size() == 1);
    CHECK(image.segments()[0].address == kLoad);
    CHECK(image.segments()[0].file_size == 8);
    CHECK(image.segments()[0].memory_size == 0x20);

    GuestMemory memory(kRam, 1 << 20);
    std::vector<std::uint8_t> junk(0x40, 0xaa);  // what a previous image left behind
    memory.write(kLoad, junk.data(), junk.size());
    image.load(memory);
    std::uint8_t loaded[0x40];
    memory.read(kLoad, loaded, sizeof loaded);
    CHECK(std::memcmp(loaded, b.code.data(), 8) == 0);
    for (int i = 8; i < 0x20; ++i) CHECK(loaded[i] == 0);     // .bss zeroed
    for (int i = 0x20; i < 0x40; ++i) CHECK(loaded[i] == 0xaa);  // past memsz: untouched

    REQUIRE(image.symbols().size() == 3);  // the STT_NOTYPE label is not kept
    CHECK(image.symbols()[0].name == "_start");
    CHECK(image.symbols()[0].function);
    CHECK_FALSE(image.symbols()[2].function);
    CHECK(image.symbol_at(kLoad)->name == "_start");
    CHECK(image.symbol_at(kLoad + 4)->name == "inner");  // the innermost symbol wins
    CHECK(image.symbol_at(kLoad + 0x17)->name == "counter");
    CHECK(image.symbol_at(kLoad + 0x18) == nullptr);
    CHECK(image.symbol_at(kLoad - 1) == nullptr);
    CHECK(image.describe(kLoad) == "_start");
    CHECK(image.describe(kLoad + 6) == "inner+0x2");
    CHECK(image.describe(kLoad + 0x14) == "counter+0x4");
    CHECK(image.describe(0) == "");
}

TEST_CASE("a stripped executable loads with no symbols") {
    ElfBuilder b;
    b.with_sections = false;
    const ElfImage image = ElfImage::parse(b.bytes());
    CHECK(image.symbols().empty());
    CHECK(image.describe(kLoad) == "");
}

TEST_CASE("foreign files are named for what they are") {
    SUBCASE("not an ELF") {
        const std::string text = "#!/bin/sh\necho hello\n";
        CHECK(parse_error(std::vector<std::uint8_t>(text.begin(), text.end())) ==
              "guest.elf: not an ELF file (it does not start with \\x7fELF)");
        CHECK(parse_error(std::vector<std::uint8_t>{}).find("not an ELF file") != std::string::npos);
    }
    SUBCASE("truncated header") {
        ElfBuilder b;
        auto bytes = b.bytes();
        bytes.resize(40);
        CHECK(parse_error(bytes) == "guest.elf: truncated ELF header (40 bytes, an ELF64 header is 64)");
        bytes.resize(6);
        CHECK(parse_error(bytes).find("truncated ELF header") != std::string::npos);
    }
    SUBCASE("32-bit") {
        ElfBuilder b;
        b.header.e_ident[EI_CLASS] = ELFCLASS32;
        CHECK(parse_error(b) == "guest.elf: 32-bit ELF (ELFCLASS32), not ELF64");
    }
    SUBCASE("big-endian") {
        ElfBuilder b;
        b.header.e_ident[EI_DATA] = ELFDATA2MSB;
        CHECK(parse_error(b) == "guest.elf: big-endian ELF (ELFDATA2MSB), not little-endian");
    }
    SUBCASE("another machine") {
        ElfBuilder b;
        b.header.e_machine = EM_X86_64;
        CHECK(parse_error(b) == "guest.elf: ELF is for x86-64, not AArch64");
        b.header.e_machine = EM_RISCV;
        CHECK(parse_error(b) == "guest.elf: ELF is for RISC-V, not AArch64");
        b.header.e_machine = 0x1234;
        CHECK(parse_error(b) == "guest.elf: ELF is for machine 4660 (e_machine), not AArch64");
    }
    SUBCASE("not an executable") {
        ElfBuilder b;
        b.header.e_type = ET_DYN;
        CHECK(parse_error(b).find("position-independent executable (ET_DYN)") != std::string::npos);
        b.header.e_type = ET_REL;
        CHECK(parse_error(b).find("relocatable object file (ET_REL)") != std::string::npos);
    }
}

TEST_CASE("program headers and segments must lie inside the file") {
    SUBCASE("program headers past the end") {
        ElfBuilder b;
        b.header.e_phoff = 0x10000;
        CHECK(parse_error(b).find("program headers (1 at offset 0x10000) are out of the file's bounds") !=
              std::string::npos);
    }
    SUBCASE("program header offset that overflows") {
        ElfBuilder b;
        b.header.e_phoff = ~0ull - 8;
        CHECK(parse_error(b).find("out of the file's bounds") != std::string::npos);
    }
    SUBCASE("wrong program header entry size") {
        ElfBuilder b;
        b.header.e_phentsize = 32;
        CHECK(parse_error(b) == "guest.elf: program header entries are 32 bytes, ELF64 says 56");
    }
    SUBCASE("segment bytes past the end") {
        ElfBuilder b;
        b.segments[0].p_filesz = 0x100000;
        b.segments[0].p_memsz = 0x100000;
        CHECK(parse_error(b).find("segment 0 (offset 0x100, 0x100000 bytes) is out of the file's bounds") !=
              std::string::npos);
    }
    SUBCASE("segment offset + size that overflows") {
        ElfBuilder b;
        b.segments[0].p_offset = ~0ull - 2;
        CHECK(parse_error(b).find("is out of the file's bounds") != std::string::npos);
    }
    SUBCASE("file size above memory size") {
        ElfBuilder b;
        b.segments[0].p_memsz = 4;
        CHECK(parse_error(b) == "guest.elf: segment 0 has more bytes in the file (0x8) than in memory (0x4)");
    }
    SUBCASE("segment wrapping around the address space") {
        ElfBuilder b;
        b.segments[0].p_paddr = b.segments[0].p_vaddr = ~0ull - 0xf;
        CHECK(parse_error(b).find("wraps around the address space") != std::string::npos);
    }
    SUBCASE("no PT_LOAD") {
        ElfBuilder b;
        b.segments[0].p_type = PT_NOTE;
        CHECK(parse_error(b) == "guest.elf: no PT_LOAD segment: nothing to load");
    }
    SUBCASE("no program headers at all") {
        ElfBuilder b;
        b.segments.clear();
        CHECK(parse_error(b) == "guest.elf: no program headers: nothing to load");
    }
    SUBCASE("entry point outside every segment") {
        ElfBuilder b;
        b.header.e_entry = 0x1000;
        CHECK(parse_error(b) == "guest.elf: the entry point 0x1000 is not inside any PT_LOAD segment");
    }
}

TEST_CASE("a segment that does not fit in guest RAM is refused before anything is written") {
    ElfBuilder b;
    Elf64_Phdr second = b.segments[0];
    second.p_paddr = second.p_vaddr = kRam + (2 << 20);  // past 1 MiB of RAM
    b.segments.push_back(second);
    const ElfImage image = ElfImage::parse(b.bytes(), "guest.elf");
    GuestMemory memory(kRam, 1 << 20);
    try {
        image.load(memory);
        FAIL("load should have thrown");
    } catch (const ElfError& e) {
        CHECK(std::string(e.what()) == "guest.elf: segment 1 (0x40200000..0x40200020) does not fit in guest RAM "
                                       "0x40000000..0x40100000 (1 MiB)");
    }
    std::uint8_t first[8];
    memory.read(kLoad, first, sizeof first);
    for (std::uint8_t byte : first) CHECK(byte == 0);  // segment 0 was not written either
}

TEST_CASE("a broken symbol table is an error, not an out-of-bounds read") {
    SUBCASE("section headers past the end") {
        ElfBuilder b;
        b.header.e_shoff = 0x100000;
        CHECK(parse_error(b).find("section headers (4 at offset 0x100000) are out of the file's bounds") !=
              std::string::npos);
    }
    SUBCASE("section count that overflows the table size") {
        ElfBuilder b;
        b.header.e_shnum = 0xffff;
        CHECK(parse_error(b).find("section headers (65535 at offset") != std::string::npos);
    }
    SUBCASE(".symtab past the end") {
        ElfBuilder b;
        b.symtab = {};
        b.symtab.sh_type = SHT_SYMTAB;
        b.symtab.sh_offset = 0x200;
        b.symtab.sh_size = ~0ull;
        b.symtab.sh_link = 3;
        b.symtab.sh_entsize = sizeof(Elf64_Sym);
        CHECK(parse_error(b).find(".symtab (offset 0x200, 0xffffffffffffffff bytes) is out of the file's bounds") !=
              std::string::npos);
    }
    SUBCASE(".symtab linked to a section that does not exist") {
        ElfBuilder b;
        b.bytes();  // fills in symtab
        b.symtab.sh_link = 9;
        CHECK(parse_error(b) == "guest.elf: .symtab links to string table section 9, which does not exist");
    }
    SUBCASE(".strtab past the end") {
        ElfBuilder b;
        b.bytes();
        b.strtab.sh_size = 0x10000;
        CHECK(parse_error(b).find(".strtab (offset") != std::string::npos);
    }
    SUBCASE("symbol name offset past .strtab") {
        ElfBuilder b;
        b.symbols[0].st_name = 0x1000;
        CHECK(parse_error(b).find("symbol 1 has its name at 0x1000, past the end of .strtab") != std::string::npos);
    }
    SUBCASE("symbol name without its terminating NUL") {
        ElfBuilder b;
        b.bytes();
        b.strtab.sh_size = b.strings.find("inner") + 5;  // .strtab ends right after "inner", before its NUL
        CHECK(parse_error(b).find("name runs past the end of .strtab") != std::string::npos);
    }
}

TEST_CASE("every truncation and random corruption of a good image is either loadable or an ElfError") {
    ElfBuilder b;
    const std::vector<std::uint8_t> good = b.bytes();
    for (std::size_t length = 0; length < good.size(); ++length) {
        std::vector<std::uint8_t> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(length));
        try {
            ElfImage::parse(cut);
        } catch (const ElfError&) {
        }
    }
    std::mt19937_64 rng(2);
    GuestMemory memory(kRam, 1 << 20);
    int loaded = 0;
    for (int round = 0; round < 20000; ++round) {
        std::vector<std::uint8_t> bad = good;
        for (int flips = 1 + static_cast<int>(rng() % 4); flips > 0; --flips)
            bad[rng() % bad.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        try {
            const ElfImage image = ElfImage::parse(bad);
            image.load(memory);
            for (std::uint64_t a = kLoad; a < kLoad + 0x20; ++a) image.describe(a);
            ++loaded;
        } catch (const ElfError&) {
        }
    }
    CHECK(loaded > 0);  // flips in padding or code leave a loadable image
}

TEST_CASE("read_file names a missing or unreadable path") {
    CHECK_THROWS_WITH_AS(ElfImage::read_file("/nonexistent/guest.elf"), "/nonexistent/guest.elf: no such file",
                         ElfError);
    CHECK_THROWS_WITH_AS(ElfImage::read_file("/"), "/: not a regular file", ElfError);
}
