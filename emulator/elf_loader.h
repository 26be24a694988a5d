// The ELF loader: checks an AArch64 ELF64 executable, copies its PT_LOAD segments into guest
// memory and keeps its symbol table so traces can name addresses.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulator/guest_memory.h"

namespace trapeze {

// A file that is not an ELF Trapeze can run: the message names the problem.
class ElfError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ElfSegment {
    std::uint64_t address = 0;          // guest-physical load address (p_paddr, as QEMU loads -kernel)
    std::uint64_t virtual_address = 0;  // where the program expects it (p_vaddr; the same with the MMU off)
    std::uint64_t offset = 0;   // where its bytes start in the file
    std::uint64_t file_size = 0;
    std::uint64_t memory_size = 0;  // the part past file_size is zeroed (.bss)
    std::uint32_t flags = 0;        // PF_R / PF_W / PF_X
};

struct ElfSymbol {
    std::uint64_t address = 0;
    std::uint64_t size = 0;
    std::string name;
    bool function = false;  // STT_FUNC (else STT_OBJECT)

    bool contains(std::uint64_t a) const { return size == 0 ? a == address : a - address < size; }
};

// Which kinds of ELF file parse() accepts: executables only (a guest ELF), or also
// position-independent images (ET_DYN, linked at 0), as a kernel loaded like a raw image.
enum class ElfKinds : std::uint8_t { Executable, ExecutableOrPositionIndependent };

// A checked executable: everything in it has been bounds-checked against the file.
class ElfImage {
public:
    // Parse and check an image held in memory; `name` is used in error messages.
    static ElfImage parse(std::span<const std::uint8_t> bytes, const std::string& name = "ELF",
                          ElfKinds kinds = ElfKinds::Executable);
    // Read and parse a file.
    static ElfImage read_file(const std::string& path, ElfKinds kinds = ElfKinds::Executable);
    // An image that is not an ELF file: `bytes` loaded at `address`, entered at `entry`
    // (a raw kernel image; the boot path adds the initrd and the device tree with add_blob).
    static ElfImage raw(std::span<const std::uint8_t> bytes, std::uint64_t address, std::uint64_t entry,
                        const std::string& name);

    // Also load `bytes` at guest-physical `address` (memory_size bytes, zeroed past the bytes).
    void add_blob(std::span<const std::uint8_t> bytes, std::uint64_t address, std::uint64_t memory_size);
    // A position-independent image (ET_DYN) moved to `base`: its segments, entry and symbols.
    bool position_independent() const { return position_independent_; }
    void relocate(std::uint64_t base);
    // The lowest and one past the highest guest-physical address its segments load.
    std::uint64_t low_address() const;
    std::uint64_t high_address() const;
    const std::string& name() const { return name_; }

    std::uint64_t entry() const { return entry_; }
    const std::vector<ElfSegment>& segments() const { return segments_; }
    const std::vector<ElfSymbol>& symbols() const { return symbols_; }  // sorted by address

    // Copy the segments into RAM (zeroing each one's tail). Checks all of them fit before
    // writing any; throws ElfError naming the segment's range and RAM's otherwise.
    void load(GuestMemory& memory) const;

    // The symbol whose range holds `address` (the innermost if several), or nullptr.
    const ElfSymbol* symbol_at(std::uint64_t address) const;
    // "main+0x14", "main", or "" when no symbol holds the address.
    std::string describe(std::uint64_t address) const;

private:
    std::string name_;
    std::vector<std::uint8_t> bytes_;
    std::uint64_t entry_ = 0;
    bool position_independent_ = false;
    std::vector<ElfSegment> segments_;
    std::vector<ElfSymbol> symbols_;
};

// Read `path`, load it into `memory` and return it (for the entry point and the symbols).
ElfImage load_elf(const std::string& path, GuestMemory& memory);

}  // namespace trapeze
