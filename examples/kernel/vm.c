// Page tables. The kernel half of the address space is fixed at boot (boot.S: TTBR1_EL1);
// this file builds the user half, one table tree per process, for TTBR0_EL1.
//
// Why the kernel sits in TTBR1 and processes in TTBR0: a process switch then writes one
// register, TTBR0_EL1 (with the new process's ASID in its top bits), and the kernel's own
// mappings never change or need copying into each process's tables. It is also what the
// Linux kernel does on AArch64.
//
// A walk: TCR_EL1.T0SZ = 32 makes the user half 4 GiB, so a walk starts at level 1 (VA bits
// 31:30, 4 entries), then level 2 (bits 29:21, 2 MiB per entry), then level 3 (bits 20:12,
// one 4 KiB page per entry). Every table is one page.
#include "arm.h"
#include "kernel.h"
#include "mmu.h"

static pte_t *empty_table;  // TTBR0_EL1 while no process is loaded: nothing mapped

static unsigned table_index(uint64_t va, int level) { return (va >> (12 + 9 * (3 - level))) & 511; }
static void *kva_of(pte_t descriptor) { return pa_to_kva(descriptor & PTE_ADDR_MASK); }

// The boot table still maps the devices and RAM one-to-one through TTBR0_EL1 (boot.S); nothing
// runs there any more. Replace it with an empty table, then drop what the TLB holds of it:
// its entries are global, so no ASID would ever tell them apart from a process's.
void vm_init(void) {
    empty_table = kalloc();
    WRITE_SYSREG(ttbr0_el1, kva_to_pa(empty_table));  // ASID 0: no process has it
    isb();
    tlb_flush_all();
}

// No process's address space in TTBR0_EL1 any more: the empty table again.
void vm_unload_user(void) {
    WRITE_SYSREG(ttbr0_el1, kva_to_pa(empty_table));
    isb();
}

// The level-3 descriptor for `va`, creating the level-2 and level-3 tables on the way if
// `create` (returns 0 when out of memory), or 0 if they do not exist.
static pte_t *walk(pte_t *pagetable, uint64_t va, int create) {
    pte_t *table = pagetable;
    for (int level = 1; level < 3; ++level) {
        pte_t *entry = &table[table_index(va, level)];
        if (*entry & PTE_VALID) {
            table = kva_of(*entry);
            continue;
        }
        if (!create) return 0;
        pte_t *next = kalloc();
        if (!next) return 0;
        *entry = kva_to_pa(next) | PTE_TABLE;
        table = next;
    }
    return &table[table_index(va, 3)];
}

pte_t *uvm_create(void) { return kalloc(); }

// Map one page. The TLB never holds an invalid descriptor, so turning one valid needs no
// TLB maintenance, only a barrier: the table walker must see the store before the process
// touches the page.
int map_page(pte_t *pagetable, uint64_t va, uint64_t pa, uint64_t attributes) {
    pte_t *pte = walk(pagetable, va, 1);
    if (!pte) return -1;
    if (*pte & PTE_VALID) panic("map_page: already mapped");
    *pte = pa | attributes;
    dsb_store();
    return 0;
}

// Unmap one page and free it. Break before make: the descriptor goes invalid, then the TLB
// forgets the old translation (TLBI VAE1 with the process's ASID), and only then may the
// page be reused; otherwise the process could still reach it through the stale entry.
void unmap_page(pte_t *pagetable, unsigned asid, uint64_t va) {
    pte_t *pte = walk(pagetable, va, 0);
    if (!pte || !(*pte & PTE_VALID)) return;
    void *page = kva_of(*pte);
    *pte = 0;
    dsb_store();
    tlb_flush_page(asid, va);
    kfree(page);
}

// Calls visit(va, pte) for every page mapped in the tree; stops at the first nonzero result.
static int for_each_page(pte_t *pagetable, int (*visit)(uint64_t va, pte_t *pte, void *arg), void *arg) {
    for (unsigned i1 = 0; i1 < 4; ++i1) {
        if (!(pagetable[i1] & PTE_VALID)) continue;
        pte_t *level2 = kva_of(pagetable[i1]);
        for (unsigned i2 = 0; i2 < 512; ++i2) {
            if (!(level2[i2] & PTE_VALID)) continue;
            pte_t *level3 = kva_of(level2[i2]);
            for (unsigned i3 = 0; i3 < 512; ++i3) {
                if (!(level3[i3] & PTE_VALID)) continue;
                uint64_t va = ((uint64_t)i1 << 30) | ((uint64_t)i2 << 21) | ((uint64_t)i3 << 12);
                int result = visit(va, &level3[i3], arg);
                if (result) return result;
            }
        }
    }
    return 0;
}

static int free_page(uint64_t va, pte_t *pte, void *arg) {
    (void)va;
    (void)arg;
    kfree(kva_of(*pte));
    return 0;
}

// Free a process's pages and then its tables. The caller has flushed its ASID from the TLB.
void uvm_free(pte_t *pagetable) {
    for_each_page(pagetable, free_page, 0);
    for (unsigned i1 = 0; i1 < 4; ++i1) {
        if (!(pagetable[i1] & PTE_VALID)) continue;
        pte_t *level2 = kva_of(pagetable[i1]);
        for (unsigned i2 = 0; i2 < 512; ++i2)
            if (level2[i2] & PTE_VALID) kfree(kva_of(level2[i2]));
        kfree(level2);
    }
    kfree(pagetable);
}

static void copy_page(uint64_t *to, const uint64_t *from) {
    for (size_t i = 0; i < PAGE_SIZE / sizeof(uint64_t); ++i) to[i] = from[i];
}

static int copy_one(uint64_t va, pte_t *pte, void *to_pagetable) {
    uint64_t *page = kalloc();
    if (!page) return -1;
    copy_page(page, kva_of(*pte));
    if (!(*pte & PTE_UXN)) sync_icache(page, PAGE_SIZE);  // code: see sync_icache
    if (map_page(to_pagetable, va, kva_to_pa(page), *pte & ~PTE_ADDR_MASK) < 0) {
        kfree(page);
        return -1;
    }
    return 0;
}

// fork's copy: every page of `from`, with the same permissions, into `to`. Returns -1 when
// memory runs out (the caller frees `to`).
int uvm_copy(pte_t *from, pte_t *to) { return for_each_page(from, copy_one, to); }

// The kernel reads and writes a process's memory through its own mapping of RAM (PA +
// KERNEL_BASE), after checking in the process's tables that the process itself may: a bad
// pointer in a system call gets -1, never a fault in the kernel.
static void *user_address(pte_t *pagetable, uint64_t va, int for_write) {
    if (va >= USER_STACK_TOP) return 0;
    pte_t *pte = walk(pagetable, va, 0);
    if (!pte || !(*pte & PTE_VALID) || !(*pte & PTE_USER)) return 0;
    if (for_write && (*pte & PTE_RDONLY)) return 0;
    return (uint8_t *)kva_of(*pte) + (va % PAGE_SIZE);
}

int copyin(pte_t *pagetable, void *dst, uint64_t user_src, size_t len) {
    uint8_t *out = dst;
    while (len > 0) {
        const uint8_t *in = user_address(pagetable, user_src, 0);
        if (!in) return -1;
        size_t chunk = PAGE_SIZE - user_src % PAGE_SIZE;
        if (chunk > len) chunk = len;
        memcpy(out, in, chunk);
        out += chunk;
        user_src += chunk;
        len -= chunk;
    }
    return 0;
}

int copyout(pte_t *pagetable, uint64_t user_dst, const void *src, size_t len) {
    const uint8_t *in = src;
    while (len > 0) {
        uint8_t *out = user_address(pagetable, user_dst, 1);
        if (!out) return -1;
        size_t chunk = PAGE_SIZE - user_dst % PAGE_SIZE;
        if (chunk > len) chunk = len;
        memcpy(out, in, chunk);
        in += chunk;
        user_dst += chunk;
        len -= chunk;
    }
    return 0;
}

// Code written by the kernel's data stores becomes visible to instruction fetch only after
// the data cache lines are cleaned to the point of unification (DC CVAU) and the
// instruction cache is invalidated (IC IALLU): a page that held another program's code may
// still be in it. CTR_EL0.DminLine gives the smallest data cache line.
void sync_icache(const void *kva, size_t len) {
    const uint64_t line = 4ul << ((READ_SYSREG(ctr_el0) >> 16) & 0xf);
    for (uint64_t a = (uint64_t)kva & ~(line - 1); a < (uint64_t)kva + len; a += line)
        __asm__ volatile("dc cvau, %0" ::"r"(a) : "memory");
    __asm__ volatile("dsb nsh\n\tic iallu\n\tdsb nsh\n\tisb" ::: "memory");
}
