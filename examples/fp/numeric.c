// An FP guest: double and single precision as C uses them: square roots, series for pi and e,
// rounding in float against double, FPSR's exception flags, FPCR's rounding modes and
// flush-to-zero, and conversions between integers and FP at their edges.
#include "fp.h"
#include "guest.h"

// Operands through volatile variables, so the compiler computes nothing at build time.
static volatile double v_zero = 0.0, v_one = 1.0, v_two = 2.0, v_big = 1e308, v_tiny = 1e-308, v_minus_one = -1.0;
static volatile double v_point_one = 0.1, v_point_two = 0.2, v_point_three = 0.3;
static volatile float f_third = 1.0f / 3.0f;

static double atan_inverse(double x) {  // atan(1/x) by its series
    double power = 1.0 / x, sum = 0.0;
    for (int k = 0; k < 40; ++k) {
        sum += (k & 1 ? -power : power) / (2 * k + 1);
        power /= x * x;
    }
    return sum;
}

static void flags(const char *what, uint64_t fpsr) {
    int length = guest_printf("  %s", what);
    while (length++ < 18) guest_printf(" ");
    print_fpsr_flags(fpsr);
    guest_printf("\n");
}

static uint64_t bits(double d) {
    uint64_t b;
    __builtin_memcpy(&b, &d, sizeof b);
    return b;
}

int main(void) {
    guest_printf("sqrt(2) = ");
    print_double(__builtin_sqrt(v_two), 15);
    double x = 1.0;
    for (int i = 0; i < 6; ++i) x = 0.5 * (x + v_two / x);  // Newton
    guest_printf(", by Newton ");
    print_double(x, 15);
    guest_printf("\npi (Machin) = ");
    print_double(16.0 * atan_inverse(5.0) - 4.0 * atan_inverse(239.0), 15);
    double e = 0.0, term = 1.0;
    for (int k = 1; k < 20; ++k) {
        e += term;
        term /= k;
    }
    guest_printf("\ne (series) = ");
    print_double(e, 15);
    float harmonic_f = 0.0f;
    double harmonic_d = 0.0;
    for (int k = 1; k <= 100000; ++k) {
        harmonic_f += 1.0f / (float)k;
        harmonic_d += 1.0 / (double)k;
    }
    guest_printf("\nH(100000): float ");
    print_double(harmonic_f, 7);
    guest_printf(", double ");
    print_double(harmonic_d, 7);
    guest_printf("\n0.1 + 0.2 = %lx, 0.3 = %lx: %s\n", bits(v_point_one + v_point_two), bits(v_point_three),
                 v_point_one + v_point_two == v_point_three ? "equal" : "not equal");
    guest_printf("1/3 in float, widened: %lx\n", bits((double)f_third));

    guest_printf("FPSR after (QC IDC IXC UFC OFC DZC IOC):\n");
    clear_fpsr();
    volatile double r = v_one / v_zero;
    flags("1.0 / 0.0", read_fpsr());
    clear_fpsr();
    r = v_big * 10.0;
    flags("1e308 * 10", read_fpsr());
    clear_fpsr();
    r = v_tiny / 1e10;
    flags("1e-308 / 1e10", read_fpsr());
    clear_fpsr();
    r = v_zero / v_zero;
    flags("0.0 / 0.0", read_fpsr());
    clear_fpsr();
    r = __builtin_sqrt(v_minus_one);
    flags("sqrt(-1.0)", read_fpsr());
    clear_fpsr();
    r = v_one + v_two;
    flags("1.0 + 2.0", read_fpsr());
    (void)r;

    static const char *const modes[] = {"to nearest", "towards +inf", "towards -inf", "towards zero"};
    static volatile double samples[] = {2.5, -2.5, 3.5, -0.4};
    for (unsigned mode = 0; mode < 4; ++mode) {
        set_rounding_mode(mode);
        guest_printf("rint, %s:", modes[mode]);
        for (unsigned i = 0; i < 4; ++i) {
            guest_printf(" ");
            print_double(__builtin_rint(samples[i]), 1);
        }
        guest_printf("\n");
    }
    set_rounding_mode(0);

    static volatile double denormal = 4.9406564584124654e-324;
    clear_fpsr();
    guest_printf("smallest denormal * 1.0: %lx", bits(denormal * v_one));
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    __asm__ volatile("msr fpcr, %0" : : "r"(fpcr | (1ull << 24)));  // FZ
    const double flushed = denormal * v_one;
    const uint64_t fz_flags = read_fpsr();
    __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
    guest_printf(", with FZ: %lx, flags ", bits(flushed));
    print_fpsr_flags(fz_flags);
    guest_printf("\n");

    static volatile double to_int[] = {-3.7, 3.9, 2147483647.9, -2147483648.9, 1e18};
    guest_printf("to int:");
    for (unsigned i = 0; i < 5; ++i) guest_printf(" %ld", (long)to_int[i]);
    static volatile long from_int[] = {16777217, 9007199254740993, -9223372036854775807 - 1};
    guest_printf("\nto float and double:");
    for (unsigned i = 0; i < 3; ++i) {
        guest_printf(" ");
        print_double((double)(float)from_int[i], 0);
        guest_printf("/");
        print_double((double)from_int[i], 0);
    }
    // Rounded once (fused) or twice: a product in a statement of its own is not fused.
    const double product = v_point_one * 10.0;
    volatile double rounded = product;
    guest_printf("\nfma(0.1, 10, -1) = %lx, 0.1 * 10 - 1 = %lx\n", bits(__builtin_fma(v_point_one, 10.0, -v_one)),
                 bits(rounded - v_one));
    return 0;
}
