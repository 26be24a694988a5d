// Decimal output of doubles and access to FPCR/FPSR for the FP/SIMD guests.
#include "fp.h"

#include "guest.h"

void print_double(double v, int decimals) {
    if (v != v) {
        guest_printf("nan");
        return;
    }
    if (v < 0) {
        guest_printf("-");
        v = -v;
    }
    if (v > 1.8e19) {
        guest_printf("inf-or-huge");
        return;
    }
    double scale = 1.0;
    for (int i = 0; i < decimals; ++i) scale *= 10.0;
    // Round once, at the last printed digit: FCVTAU (nearest, ties away) in one step.
    const uint64_t scaled = (uint64_t)__builtin_round(v * scale);
    const uint64_t whole = scaled / (uint64_t)scale, fraction = scaled % (uint64_t)scale;
    guest_printf("%lu", whole);
    if (decimals > 0) {
        char digits[24];
        uint64_t f = fraction;
        for (int i = decimals - 1; i >= 0; --i) {
            digits[i] = (char)('0' + f % 10);
            f /= 10;
        }
        digits[decimals] = '\0';
        guest_printf(".%s", digits);
    }
}

uint64_t read_fpsr(void) {
    uint64_t value;
    __asm__ volatile("mrs %0, fpsr" : "=r"(value));
    return value;
}

void clear_fpsr(void) { __asm__ volatile("msr fpsr, xzr"); }

void set_rounding_mode(unsigned rmode) {
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    fpcr = (fpcr & ~(3ull << 22)) | ((uint64_t)(rmode & 3) << 22);
    __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
}

void print_fpsr_flags(uint64_t fpsr) {
    static const struct {
        unsigned bit;
        const char *name;
    } flags[] = {{27, "QC"}, {7, "IDC"}, {4, "IXC"}, {3, "UFC"}, {2, "OFC"}, {1, "DZC"}, {0, "IOC"}};
    for (unsigned i = 0; i < sizeof flags / sizeof flags[0]; ++i)
        guest_printf("%s%s", i ? " " : "", (fpsr >> flags[i].bit) & 1 ? flags[i].name : "-");
}
