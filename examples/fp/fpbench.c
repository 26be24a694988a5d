// The FP/SIMD benchmark guest: an n-body simulation in doubles, a single-precision matrix
// product the compiler vectorizes, AES rounds with the Cryptographic Extension, and SIMD byte
// scanning; SCALE rounds of each, about 2.9*10^5 instructions per round at -O2.
#include <arm_neon.h>

#include "fp.h"
#include "guest.h"

#ifndef SCALE
#define SCALE 400  // rounds: about 1.1*10^8 instructions at -O2
#endif

// ---- n-body: the Sun and four planets, as in the Computer Language Benchmarks Game.
#define BODIES 5
#define PI 3.141592653589793
#define SOLAR_MASS (4 * PI * PI)
#define DAYS_PER_YEAR 365.24

struct body {
    double x, y, z, vx, vy, vz, mass;
};

static struct body bodies[BODIES];

static void init_bodies(void) {
    static const struct body initial[BODIES] = {
        {0, 0, 0, 0, 0, 0, SOLAR_MASS},
        {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
         1.66007664274403694e-03 * DAYS_PER_YEAR, 7.69901118419740425e-03 * DAYS_PER_YEAR,
         -6.90460016972063023e-05 * DAYS_PER_YEAR, 9.54791938424326609e-04 * SOLAR_MASS},
        {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
         -2.76742510726862411e-03 * DAYS_PER_YEAR, 4.99852801234917238e-03 * DAYS_PER_YEAR,
         2.30417297573763929e-05 * DAYS_PER_YEAR, 2.85885980666130812e-04 * SOLAR_MASS},
        {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
         2.96460137564761618e-03 * DAYS_PER_YEAR, 2.37847173959480950e-03 * DAYS_PER_YEAR,
         -2.96589568540237556e-05 * DAYS_PER_YEAR, 4.36624404335156298e-05 * SOLAR_MASS},
        {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
         2.68067772490389322e-03 * DAYS_PER_YEAR, 1.62824170038242295e-03 * DAYS_PER_YEAR,
         -9.51592254519715870e-05 * DAYS_PER_YEAR, 5.15138902046611451e-05 * SOLAR_MASS},
    };
    for (int i = 0; i < BODIES; ++i) bodies[i] = initial[i];
    double px = 0, py = 0, pz = 0;
    for (int i = 0; i < BODIES; ++i) {
        px += bodies[i].vx * bodies[i].mass;
        py += bodies[i].vy * bodies[i].mass;
        pz += bodies[i].vz * bodies[i].mass;
    }
    bodies[0].vx = -px / SOLAR_MASS;
    bodies[0].vy = -py / SOLAR_MASS;
    bodies[0].vz = -pz / SOLAR_MASS;
}

static void advance(double dt) {
    for (int i = 0; i < BODIES; ++i) {
        for (int j = i + 1; j < BODIES; ++j) {
            const double dx = bodies[i].x - bodies[j].x, dy = bodies[i].y - bodies[j].y, dz = bodies[i].z - bodies[j].z;
            const double distance2 = dx * dx + dy * dy + dz * dz;
            const double magnitude = dt / (distance2 * __builtin_sqrt(distance2));
            bodies[i].vx -= dx * bodies[j].mass * magnitude;
            bodies[i].vy -= dy * bodies[j].mass * magnitude;
            bodies[i].vz -= dz * bodies[j].mass * magnitude;
            bodies[j].vx += dx * bodies[i].mass * magnitude;
            bodies[j].vy += dy * bodies[i].mass * magnitude;
            bodies[j].vz += dz * bodies[i].mass * magnitude;
        }
    }
    for (int i = 0; i < BODIES; ++i) {
        bodies[i].x += dt * bodies[i].vx;
        bodies[i].y += dt * bodies[i].vy;
        bodies[i].z += dt * bodies[i].vz;
    }
}

static double energy(void) {
    double e = 0.0;
    for (int i = 0; i < BODIES; ++i) {
        const struct body *b = &bodies[i];
        e += 0.5 * b->mass * (b->vx * b->vx + b->vy * b->vy + b->vz * b->vz);
        for (int j = i + 1; j < BODIES; ++j) {
            const double dx = b->x - bodies[j].x, dy = b->y - bodies[j].y, dz = b->z - bodies[j].z;
            e -= b->mass * bodies[j].mass / __builtin_sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

// ---- Single-precision matrix product: the inner loop vectorizes (FMLA .4s).
#define M 24
static float ma[M][M] __attribute__((aligned(16)));
static float mb[M][M] __attribute__((aligned(16)));
static float mc[M][M] __attribute__((aligned(16)));

static void matrix_product(void) {
    for (int i = 0; i < M; ++i) {
        for (int j = 0; j < M; ++j) mc[i][j] = 0.0f;
        for (int k = 0; k < M; ++k) {
            const float aik = ma[i][k];
            for (int j = 0; j < M; ++j) mc[i][j] += aik * mb[k][j];
        }
    }
}

// ---- AES: rounds over a 256-byte buffer with the Cryptographic Extension (AESE, AESMC).
static uint8_t block[256] __attribute__((aligned(16)));

static uint8x16_t aes_rounds(uint8x16_t state, uint8x16_t key) {
    for (int r = 0; r < 9; ++r) state = vaesmcq_u8(vaeseq_u8(state, key));
    return veorq_u8(vaeseq_u8(state, key), key);
}

// ---- SIMD scanning: bytes equal to a value, counted 16 at a time (CMEQ, CNT...).
static unsigned count_byte(const uint8_t *p, unsigned n, uint8_t value) {
    const uint8x16_t wanted = vdupq_n_u8(value);
    unsigned count = 0;
    for (unsigned i = 0; i < n; i += 16) {
        const uint8x16_t hits = vandq_u8(vceqq_u8(vld1q_u8(p + i), wanted), vdupq_n_u8(1));
        count += vaddvq_u8(hits);
    }
    return count;
}

int main(void) {
    init_bodies();
    guest_printf("n-body energy before: ");
    print_double(energy(), 9);
    for (int i = 0; i < M; ++i)
        for (int j = 0; j < M; ++j) {
            ma[i][j] = (float)((i * 7 + j * 3) % 11) / 4.0f - 1.0f;
            mb[i][j] = (float)((i * 5 + j * 2) % 13) / 8.0f;
        }
    for (unsigned i = 0; i < sizeof block; ++i) block[i] = (uint8_t)(i * 31 + 7);
    uint8x16_t key = vld1q_u8(block), digest = vdupq_n_u8(0);
    float trace = 0.0f;
    unsigned counted = 0;
    for (int round = 0; round < SCALE; ++round) {
        for (int step = 0; step < 500; ++step) advance(0.01);
        matrix_product();
        for (int i = 0; i < M; ++i) trace += mc[i][i];
        for (unsigned i = 0; i < sizeof block; i += 16) {
            digest = aes_rounds(veorq_u8(digest, vld1q_u8(block + i)), key);
            vst1q_u8(block + i, digest);
        }
        counted += count_byte(block, sizeof block, (uint8_t)round);
    }
    guest_printf("\nn-body energy after %d steps: ", SCALE * 500);
    print_double(energy(), 9);
    guest_printf("\nmatrix traces: ");
    print_double(trace, 2);
    uint64_t d[2];
    vst1q_u8((uint8_t *)d, digest);
    guest_printf("\nAES digest: %016lx%016lx, bytes counted: %u\n", d[1], d[0], counted);
    return 0;
}
