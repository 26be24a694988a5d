// A guest booted as a kernel: it reads what the boot protocol handed it (x0..x3, the device
// tree's /chosen: the command line and the initrd) and prints it, so that QEMU and Trapeze
// can be compared line by line.
#include <stdint.h>

#include "guest.h"

extern uint64_t boot_registers[4];

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_NOP 4u

// The tree is big-endian; with -mstrict-align every read goes a byte at a time.
static uint32_t be32(const uint8_t* p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be_cells(const uint8_t* p, uint32_t len) {
    return len == 8 ? (uint64_t)be32(p) << 32 | be32(p + 4) : be32(p);
}

static int same(const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return *a == *b;
}

static uint32_t length(const char* s) {
    uint32_t n = 0;
    while (s[n]) ++n;
    return n;
}

int main(void) {
    const uint8_t* fdt = (const uint8_t*)boot_registers[0];
    guest_printf("boot: x1=%lx x2=%lx x3=%lx\n", boot_registers[1], boot_registers[2], boot_registers[3]);
    if ((uint64_t)fdt % 8 != 0 || be32(fdt) != FDT_MAGIC) {
        guest_printf("boot: x0 does not point at a device tree\n");
        return 0;
    }
    guest_printf("boot: x0=%lx points at a device tree\n", boot_registers[0]);
    const uint8_t* structure = fdt + be32(fdt + 8);
    const char* strings = (const char*)fdt + be32(fdt + 12);
    uint64_t initrd_start = 0, initrd_end = 0;
    int depth = 0, in_chosen = 0;
    for (const uint8_t* p = structure;;) {
        const uint32_t token = be32(p);
        p += 4;
        if (token == FDT_BEGIN_NODE) {
            const char* name = (const char*)p;
            ++depth;
            if (depth == 2) in_chosen = same(name, "chosen");
            p += (length(name) + 1 + 3) & ~3u;
        } else if (token == FDT_END_NODE) {
            if (depth-- == 2) in_chosen = 0;
        } else if (token == FDT_PROP) {
            const uint32_t len = be32(p), name = be32(p + 4);
            const uint8_t* value = p + 8;
            if (in_chosen && same(strings + name, "bootargs")) guest_printf("boot: bootargs \"%s\"\n", (const char*)value);
            if (in_chosen && same(strings + name, "linux,initrd-start")) initrd_start = be_cells(value, len);
            if (in_chosen && same(strings + name, "linux,initrd-end")) initrd_end = be_cells(value, len);
            p = value + ((len + 3) & ~3u);
        } else if (token != FDT_NOP) {
            break;  // FDT_END
        }
    }
    if (initrd_start == 0) {
        guest_printf("boot: no initrd\n");
        return 0;
    }
    guest_printf("boot: initrd at %lx, %lu bytes: ", initrd_start, initrd_end - initrd_start);
    for (const char* c = (const char*)initrd_start; c != (const char*)initrd_end && *c != '\n'; ++c) uart_putc(*c);
    uart_putc('\n');
    return 0;
}
