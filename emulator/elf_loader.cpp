// The ELF loader: every offset and size read from the file is checked against the file
// before it is used, so a malformed file is an ElfError, never an out-of-bounds read.
#include "emulator/elf_loader.h"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace trapeze {
namespace {

std::string machine_name(std::uint16_t machine) {
    switch (machine) {
    case EM_NONE: return "no machine (EM_NONE)";
    case EM_X86_64: return "x86-64";
    case EM_386: return "x86 (i386)";
    case EM_ARM: return "32-bit Arm (AArch32)";
    case EM_RISCV: return "RISC-V";
    case EM_PPC: return "PowerPC";
    case EM_PPC64: return "64-bit PowerPC";
    case EM_S390: return "IBM S/390";
    case EM_MIPS: return "MIPS";
    case EM_SPARCV9: return "SPARC V9";
    case EM_IA_64: return "Itanium";
    case EM_BPF: return "eBPF";
    default: return fmt::format("machine {} (e_machine)", machine);
    }
}

std::string type_problem(std::uint16_t type) {
    switch (type) {
    case ET_REL: return "a relocatable object file (ET_REL), not a linked executable";
    case ET_DYN: return "a shared object or position-independent executable (ET_DYN); link it with -static -no-pie";
    case ET_CORE: return "a core dump (ET_CORE), not an executable";
    default: return fmt::format("not an executable (e_type {})", type);
    }
}

// Reads structures out of the file image, refusing anything that is not wholly inside it.
class FileView {
public:
    FileView(std::span<const std::uint8_t> bytes, const std::string& name) : bytes_(bytes), name_(name) {}

    std::uint64_t size() const { return bytes_.size(); }
    bool holds(std::uint64_t offset, std::uint64_t length) const {
        return offset <= bytes_.size() && length <= bytes_.size() - offset;  // no overflow possible
    }
    // A table of `count` entries of `entry_size` bytes at `offset`, all inside the file.
    bool holds_table(std::uint64_t offset, std::uint64_t count, std::uint64_t entry_size) const {
        return entry_size != 0 && count <= bytes_.size() / entry_size && holds(offset, count * entry_size);
    }
    template <typename T>
    T read(std::uint64_t offset, const char* what) const {
        if (!holds(offset, sizeof(T))) fail("{} at offset {:#x} is past the end of the file", what, offset);
        T value;
        std::memcpy(&value, bytes_.data() + offset, sizeof(T));
        return value;
    }
    const std::uint8_t* data() const { return bytes_.data(); }

    template <typename... Args>
    [[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) const {
        throw ElfError(name_ + ": " + fmt::format(format, std::forward<Args>(args)...));
    }

private:
    std::span<const std::uint8_t> bytes_;
    const std::string& name_;
};

void check_identification(const FileView& file) {
    if (file.size() < SELFMAG || std::memcmp(file.data(), ELFMAG, SELFMAG) != 0)
        file.fail("not an ELF file (it does not start with \\x7fELF)");
    if (file.size() < EI_NIDENT) file.fail("truncated ELF header ({} bytes, the identification alone is {})",
                                           file.size(), EI_NIDENT);
    const std::uint8_t* ident = file.data();
    if (ident[EI_CLASS] == ELFCLASS32) file.fail("32-bit ELF (ELFCLASS32), not ELF64");
    if (ident[EI_CLASS] != ELFCLASS64) file.fail("unknown ELF class {}", ident[EI_CLASS]);
    if (ident[EI_DATA] == ELFDATA2MSB) file.fail("big-endian ELF (ELFDATA2MSB), not little-endian");
    if (ident[EI_DATA] != ELFDATA2LSB) file.fail("unknown ELF data encoding {}", ident[EI_DATA]);
    if (ident[EI_VERSION] != EV_CURRENT) file.fail("unknown ELF version {}", ident[EI_VERSION]);
    if (file.size() < sizeof(Elf64_Ehdr))
        file.fail("truncated ELF header ({} bytes, an ELF64 header is {})", file.size(), sizeof(Elf64_Ehdr));
}

}  // namespace

ElfImage ElfImage::parse(std::span<const std::uint8_t> bytes, const std::string& name, ElfKinds kinds) {
    ElfImage image;
    image.name_ = name;
    image.bytes_.assign(bytes.begin(), bytes.end());
    const FileView file(image.bytes_, image.name_);

    check_identification(file);
    const auto header = file.read<Elf64_Ehdr>(0, "ELF header");
    if (header.e_machine != EM_AARCH64) file.fail("ELF is for {}, not AArch64", machine_name(header.e_machine));
    image.position_independent_ = header.e_type == ET_DYN && kinds == ElfKinds::ExecutableOrPositionIndependent;
    if (header.e_type != ET_EXEC && !image.position_independent_) file.fail("{}", type_problem(header.e_type));
    image.entry_ = header.e_entry;

    // Program headers: the segments to load.
    if (header.e_phnum == 0) file.fail("no program headers: nothing to load");
    if (header.e_phentsize != sizeof(Elf64_Phdr))
        file.fail("program header entries are {} bytes, ELF64 says {}", header.e_phentsize, sizeof(Elf64_Phdr));
    if (!file.holds_table(header.e_phoff, header.e_phnum, sizeof(Elf64_Phdr)))
        file.fail("program headers ({} at offset {:#x}) are out of the file's bounds ({} bytes)", header.e_phnum,
                  header.e_phoff, file.size());
    for (unsigned i = 0; i < header.e_phnum; ++i) {
        const auto ph = file.read<Elf64_Phdr>(header.e_phoff + std::uint64_t{i} * sizeof(Elf64_Phdr), "program header");
        if (ph.p_type != PT_LOAD) continue;
        if (!file.holds(ph.p_offset, ph.p_filesz))
            file.fail("segment {} (offset {:#x}, {:#x} bytes) is out of the file's bounds ({} bytes)", i, ph.p_offset,
                      ph.p_filesz, file.size());
        if (ph.p_filesz > ph.p_memsz)
            file.fail("segment {} has more bytes in the file ({:#x}) than in memory ({:#x})", i, ph.p_filesz,
                      ph.p_memsz);
        if (ph.p_paddr + ph.p_memsz < ph.p_paddr || ph.p_vaddr + ph.p_memsz < ph.p_vaddr)
            file.fail("segment {} at {:#x} ({:#x} bytes) wraps around the address space", i, ph.p_paddr,
                      ph.p_memsz);
        if (ph.p_memsz == 0) continue;
        image.segments_.push_back({ph.p_paddr, ph.p_vaddr, ph.p_offset, ph.p_filesz, ph.p_memsz, ph.p_flags});
    }
    if (image.segments_.empty()) file.fail("no PT_LOAD segment: nothing to load");
    const bool entry_loaded = std::any_of(image.segments_.begin(), image.segments_.end(), [&](const ElfSegment& s) {
        return image.entry_ - s.virtual_address < s.memory_size;
    });
    if (!entry_loaded) file.fail("the entry point {:#x} is not inside any PT_LOAD segment", header.e_entry);

    // Section headers: only for the symbol table, which a stripped file may lack.
    if (header.e_shoff == 0 || header.e_shnum == 0) return image;
    if (header.e_shentsize != sizeof(Elf64_Shdr))
        file.fail("section header entries are {} bytes, ELF64 says {}", header.e_shentsize, sizeof(Elf64_Shdr));
    if (!file.holds_table(header.e_shoff, header.e_shnum, sizeof(Elf64_Shdr)))
        file.fail("section headers ({} at offset {:#x}) are out of the file's bounds ({} bytes)", header.e_shnum,
                  header.e_shoff, file.size());
    auto section = [&](std::uint64_t index) {
        return file.read<Elf64_Shdr>(header.e_shoff + index * sizeof(Elf64_Shdr), "section header");
    };
    for (unsigned i = 0; i < header.e_shnum; ++i) {
        const Elf64_Shdr symtab = section(i);
        if (symtab.sh_type != SHT_SYMTAB) continue;
        if (symtab.sh_entsize != sizeof(Elf64_Sym))
            file.fail(".symtab entries are {} bytes, ELF64 says {}", symtab.sh_entsize, sizeof(Elf64_Sym));
        if (!file.holds(symtab.sh_offset, symtab.sh_size))
            file.fail(".symtab (offset {:#x}, {:#x} bytes) is out of the file's bounds ({} bytes)", symtab.sh_offset,
                      symtab.sh_size, file.size());
        if (symtab.sh_link == SHN_UNDEF || symtab.sh_link >= header.e_shnum)
            file.fail(".symtab links to string table section {}, which does not exist", symtab.sh_link);
        const Elf64_Shdr strtab = section(symtab.sh_link);
        if (strtab.sh_type != SHT_STRTAB) file.fail(".symtab links to section {}, which is not a string table",
                                                    symtab.sh_link);
        if (!file.holds(strtab.sh_offset, strtab.sh_size))
            file.fail(".strtab (offset {:#x}, {:#x} bytes) is out of the file's bounds ({} bytes)", strtab.sh_offset,
                      strtab.sh_size, file.size());
        const char* strings = reinterpret_cast<const char*>(file.data() + strtab.sh_offset);

        const std::uint64_t count = symtab.sh_size / sizeof(Elf64_Sym);
        for (std::uint64_t k = 1; k < count; ++k) {  // entry 0 is the reserved null symbol
            const auto sym = file.read<Elf64_Sym>(symtab.sh_offset + k * sizeof(Elf64_Sym), "symbol");
            const unsigned type = ELF64_ST_TYPE(sym.st_info);
            if ((type != STT_FUNC && type != STT_OBJECT) || sym.st_shndx == SHN_UNDEF || sym.st_name == 0) continue;
            if (sym.st_name >= strtab.sh_size)
                file.fail("symbol {} has its name at {:#x}, past the end of .strtab ({:#x} bytes)", k, sym.st_name,
                          strtab.sh_size);
            const std::uint64_t room = strtab.sh_size - sym.st_name;
            const void* end = std::memchr(strings + sym.st_name, '\0', room);
            if (!end) file.fail("symbol {}'s name runs past the end of .strtab", k);
            image.symbols_.push_back({sym.st_value, sym.st_size,
                                      std::string(strings + sym.st_name, static_cast<const char*>(end)),
                                      type == STT_FUNC});
        }
        break;  // an executable has one .symtab
    }
    // By address; at one address the largest first, so a backwards search meets the innermost first.
    std::sort(image.symbols_.begin(), image.symbols_.end(), [](const ElfSymbol& a, const ElfSymbol& b) {
        return a.address != b.address ? a.address < b.address : a.size > b.size;
    });
    return image;
}

ElfImage ElfImage::read_file(const std::string& path, ElfKinds kinds) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw ElfError(path + ": no such file");
    if (!std::filesystem::is_regular_file(path, ec)) throw ElfError(path + ": not a regular file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ElfError(path + ": cannot open it for reading");
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw ElfError(path + ": read error");
    return parse(bytes, path, kinds);
}

ElfImage ElfImage::raw(std::span<const std::uint8_t> bytes, std::uint64_t address, std::uint64_t entry,
                       const std::string& name) {
    ElfImage image;
    image.name_ = name;
    image.entry_ = entry;
    image.add_blob(bytes, address, bytes.size());
    return image;
}

void ElfImage::add_blob(std::span<const std::uint8_t> bytes, std::uint64_t address, std::uint64_t memory_size) {
    const std::uint64_t offset = bytes_.size();
    bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
    segments_.push_back({address, address, offset, bytes.size(), std::max<std::uint64_t>(memory_size, bytes.size()),
                         PF_R | PF_W});
}

void ElfImage::relocate(std::uint64_t base) {
    for (ElfSegment& s : segments_) {
        s.address += base;
        s.virtual_address += base;
    }
    for (ElfSymbol& s : symbols_) s.address += base;
    entry_ += base;
}

std::uint64_t ElfImage::low_address() const {
    std::uint64_t low = ~std::uint64_t{0};
    for (const ElfSegment& s : segments_) low = std::min(low, s.address);
    return segments_.empty() ? 0 : low;
}

std::uint64_t ElfImage::high_address() const {
    std::uint64_t high = 0;
    for (const ElfSegment& s : segments_) high = std::max(high, s.address + s.memory_size);
    return high;
}

void ElfImage::load(GuestMemory& memory) const {
    // Check every segment before writing any, so a failed load leaves RAM as it was.
    for (std::size_t i = 0; i < segments_.size(); ++i) {
        const ElfSegment& s = segments_[i];
        if (!memory.in_ram(s.address, s.memory_size))
            throw ElfError(fmt::format("{}: segment {} ({:#x}..{:#x}) does not fit in guest RAM {:#x}..{:#x} ({} MiB)",
                                       name_, i, s.address, s.address + s.memory_size, memory.ram_base(),
                                       memory.ram_base() + memory.ram_size(), memory.ram_size() >> 20));
    }
    for (const ElfSegment& s : segments_) {
        std::uint8_t* host = memory.host(s.address, s.memory_size);
        std::memcpy(host, bytes_.data() + s.offset, s.file_size);
        std::memset(host + s.file_size, 0, s.memory_size - s.file_size);
        memory.dirty_log().record(s.address, s.memory_size);
    }
}

const ElfSymbol* ElfImage::symbol_at(std::uint64_t address) const {
    auto it = std::upper_bound(symbols_.begin(), symbols_.end(), address,
                               [](std::uint64_t a, const ElfSymbol& s) { return a < s.address; });
    while (it != symbols_.begin()) {
        --it;
        if (it->contains(address)) return &*it;
    }
    return nullptr;
}

std::string ElfImage::describe(std::uint64_t address) const {
    const ElfSymbol* s = symbol_at(address);
    if (!s) return "";
    if (address == s->address) return s->name;
    return fmt::format("{}+{:#x}", s->name, address - s->address);
}

ElfImage load_elf(const std::string& path, GuestMemory& memory) {
    ElfImage image = ElfImage::read_file(path);
    image.load(memory);
    return image;
}

}  // namespace trapeze
