// Loads a program into a fresh address space: the kernel image carries each user program as
// an ELF file (program.S), and its program headers say what goes where and with which
// permissions, as an exec would find them on a disk.
#include "kernel.h"
#include "mmu.h"

// The parts of an ELF64 file a loader reads (System V ABI, "ELF-64 Object File Format").
struct elf_header {
    uint8_t ident[16];  // "\177ELF", class, data, version, ...
    uint16_t type;
    uint16_t machine;
    uint32_t version;
    uint64_t entry;
    uint64_t phoff;  // program header table: offset, entry size, count
    uint64_t shoff;
    uint32_t flags;
    uint16_t ehsize;
    uint16_t phentsize;
    uint16_t phnum;
    uint16_t shentsize;
    uint16_t shnum;
    uint16_t shstrndx;
};

struct program_header {
    uint32_t type;
    uint32_t flags;   // PF_X, PF_W, PF_R
    uint64_t offset;  // where its bytes are in the file
    uint64_t vaddr;   // where they go in the process
    uint64_t paddr;
    uint64_t filesz;  // the rest, up to memsz, is zero (bss)
    uint64_t memsz;
    uint64_t align;
};

#define ELF_CLASS_64 2
#define ELF_TYPE_EXEC 2
#define ELF_MACHINE_AARCH64 183
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2

static int bad(const char *why) {
    printf("kernel: exec: %s\n", why);
    return -1;
}

// The descriptor for a segment's pages: text is read-only and executable at EL0, data is
// writable and never executable, anything else is read-only data. The kernel refuses a
// segment that is both writable and executable.
static uint64_t segment_attributes(uint32_t flags) {
    if (flags & PF_X) return PTE_USER_TEXT;
    if (flags & PF_W) return PTE_USER_DATA;
    return PTE_USER_RODATA;
}

static int load_segment(pte_t *pagetable, const struct program_header *ph, const uint8_t *elf) {
    const uint64_t attributes = segment_attributes(ph->flags);
    for (uint64_t page_va = ph->vaddr; page_va < ph->vaddr + ph->memsz; page_va += PAGE_SIZE) {
        uint8_t *page = kalloc();
        if (!page) return bad("out of memory");
        uint64_t offset = page_va - ph->vaddr;  // into the segment
        if (offset < ph->filesz) {
            uint64_t n = ph->filesz - offset < PAGE_SIZE ? ph->filesz - offset : PAGE_SIZE;
            memcpy(page, elf + ph->offset + offset, n);
        }
        if (ph->flags & PF_X) sync_icache(page, PAGE_SIZE);
        if (map_page(pagetable, page_va, kva_to_pa(page), attributes) < 0) {
            kfree(page);
            return bad("out of memory");
        }
    }
    return 0;
}

// Load `elf` into the empty address space `pagetable`, add the stack, and set the registers
// the program starts with in `tf`. Returns -1 (and says why) if the file is not a program
// this kernel runs.
int exec_load(pte_t *pagetable, struct trapframe *tf, const uint8_t *elf, size_t size) {
    const struct elf_header *eh = (const struct elf_header *)elf;
    if (size < sizeof *eh || eh->ident[0] != 0x7f || eh->ident[1] != 'E' || eh->ident[2] != 'L' || eh->ident[3] != 'F')
        return bad("not an ELF file");
    if (eh->ident[4] != ELF_CLASS_64 || eh->type != ELF_TYPE_EXEC || eh->machine != ELF_MACHINE_AARCH64)
        return bad("not an AArch64 executable");
    if (eh->phentsize != sizeof(struct program_header) || eh->phoff > size ||
        (size - eh->phoff) / sizeof(struct program_header) < eh->phnum)
        return bad("program headers out of the file");
    const struct program_header *phs = (const struct program_header *)(elf + eh->phoff);
    for (unsigned i = 0; i < eh->phnum; ++i) {
        const struct program_header *ph = &phs[i];
        if (ph->type != PT_LOAD || ph->memsz == 0) continue;
        if (ph->vaddr % PAGE_SIZE != 0 || ph->vaddr < USER_TEXT || ph->memsz > USER_HEAP - ph->vaddr ||
            ph->filesz > ph->memsz)
            return bad("a segment outside the program's part of the address space");
        if (ph->offset > size || ph->filesz > size - ph->offset) return bad("a segment out of the file");
        if ((ph->flags & PF_X) && (ph->flags & PF_W)) return bad("a segment both writable and executable");
        if (load_segment(pagetable, ph, elf) < 0) return -1;
    }

    uint8_t *stack = kalloc();
    if (!stack) return bad("out of memory");
    if (map_page(pagetable, USER_STACK, kva_to_pa(stack), PTE_USER_DATA) < 0) {
        kfree(stack);
        return bad("out of memory");
    }

    // The first ERET to this process: PC at the entry point, SP at the top of its stack,
    // PSTATE = EL0 with SP_EL0 (EL0t), IRQs unmasked, flags clear.
    for (int i = 0; i < 31; ++i) tf->x[i] = 0;
    tf->pc = eh->entry;
    tf->sp = USER_STACK_TOP;
    tf->pstate = 0;
    return 0;
}
