// An FP/SIMD guest: loops clang -O2 vectorizes on its own (dot products, SAXPY, reductions,
// byte transforms, widening sums, compares and counts), with their results printed.
#include "fp.h"
#include "guest.h"

#define N 4096

static int32_t a[N] __attribute__((aligned(16)));
static int32_t b[N] __attribute__((aligned(16)));
static int16_t h[N] __attribute__((aligned(16)));
static float x[N] __attribute__((aligned(16)));
static float y[N] __attribute__((aligned(16)));
static double p[N] __attribute__((aligned(16)));
static uint8_t text[N] __attribute__((aligned(16)));

static uint32_t state = 12345;
static uint32_t next_random(void) {
    state = state * 1664525u + 1013904223u;
    return state;
}

static int64_t dot(void) {
    int64_t sum = 0;
    for (int i = 0; i < N; ++i) sum += (int64_t)a[i] * b[i];
    return sum;
}

static void saxpy(float k) {
    for (int i = 0; i < N; ++i) y[i] += k * x[i];
}

static float sum_floats(const float *v) {
    float s = 0.0f;
    for (int i = 0; i < N; ++i) s += v[i];
    return s;
}

static int32_t maximum(void) {
    int32_t m = a[0];
    for (int i = 1; i < N; ++i) m = a[i] > m ? a[i] : m;
    return m;
}

static int32_t minimum(void) {
    int32_t m = b[0];
    for (int i = 1; i < N; ++i) m = b[i] < m ? b[i] : m;
    return m;
}

static int32_t widening_sum(void) {
    int32_t s = 0;
    for (int i = 0; i < N; ++i) s += h[i];
    return s;
}

static void to_upper(void) {
    for (int i = 0; i < N; ++i)
        if (text[i] >= 'a' && text[i] <= 'z') text[i] = (uint8_t)(text[i] - 32);
}

static int count_above(int32_t threshold) {
    int count = 0;
    for (int i = 0; i < N; ++i) count += a[i] > threshold;
    return count;
}

static double norm2(void) {
    double s = 0.0;
    for (int i = 0; i < N; ++i) s += p[i] * p[i];
    return s;
}

static void scale_and_clamp(void) {
    for (int i = 0; i < N; ++i) {
        const float v = x[i] * 3.0f - 1.0f;
        y[i] = v < 0.0f ? 0.0f : v > 2.0f ? 2.0f : v;
    }
}

int main(void) {
    for (int i = 0; i < N; ++i) {
        a[i] = (int32_t)(next_random() >> 8) - (1 << 23);
        b[i] = (int32_t)(next_random() >> 12) - (1 << 19);
        h[i] = (int16_t)(next_random() >> 16);
        x[i] = (float)(next_random() >> 16) / 65536.0f;
        y[i] = (float)i / N;
        p[i] = (double)(next_random() >> 11) / (double)(1u << 21) - 1.0;
        text[i] = (uint8_t)(' ' + next_random() % 95);
    }
    guest_printf("dot product (int32 -> int64): %ld\n", dot());
    saxpy(0.75f);
    guest_printf("saxpy then sum: ");
    print_double(sum_floats(y), 3);
    guest_printf("\nmaximum of a: %d, minimum of b: %d\n", maximum(), minimum());
    guest_printf("widening sum of int16: %d\n", widening_sum());
    to_upper();
    uint32_t hash = 2166136261u;
    for (int i = 0; i < N; ++i) hash = (hash ^ text[i]) * 16777619u;
    guest_printf("to_upper, FNV-1a of the text: %08x, text begins \"", hash);
    for (int i = 0; i < 24; ++i) guest_printf("%c", text[i]);
    guest_printf("\"\nelements of a above 0: %d, above 2^22: %d\n", count_above(0), count_above(1 << 22));
    guest_printf("sum of squares (double): ");
    print_double(norm2(), 6);
    scale_and_clamp();
    guest_printf("\nclamped 3x - 1, then sum: ");
    print_double(sum_floats(y), 3);
    guest_printf("\n");
    return 0;
}
