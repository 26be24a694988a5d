// Semantics of the Cryptographic Extension (C4.1.95): AESE, AESD, AESMC, AESIMC, and SHA1C,
// SHA1P, SHA1M, SHA1H, SHA1SU0, SHA1SU1, SHA256H, SHA256H2, SHA256SU0, SHA256SU1, from the
// manual's pseudocode (AESSubBytes, AESShiftRows, SHAchoose, SHA256hash...). PMULL with 64-bit
// elements is in exec_simd_three_different.cpp.
#include <array>
#include <bit>

#include "emulator/exec_simd_common.h"

namespace trapeze {
namespace {

using std::uint32_t;
using std::uint64_t;
using std::uint8_t;

// ---- AES. The state's byte i is row i % 4 of column i / 4.

// Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1.
constexpr uint8_t gf_mul(uint8_t a, uint8_t b) {
    uint8_t product = 0;
    for (int i = 0; i < 8; ++i) {
        if (b & 1) product ^= a;
        const bool carry = a & 0x80;
        a = static_cast<uint8_t>(a << 1);
        if (carry) a ^= 0x1b;
        b >>= 1;
    }
    return product;
}

// The S-box: the multiplicative inverse (x^254) followed by the affine transformation.
struct SBoxes {
    std::array<uint8_t, 256> forward{}, inverse{};
};
constexpr SBoxes make_sboxes() {
    SBoxes s;
    for (unsigned x = 0; x < 256; ++x) {
        uint8_t inv = 1, base = static_cast<uint8_t>(x);
        for (unsigned e = 254; e; e >>= 1, base = gf_mul(base, base))
            if (e & 1) inv = gf_mul(inv, base);
        if (x == 0) inv = 0;
        uint8_t b = inv;
        const auto rotl = [](uint8_t v, int n) { return static_cast<uint8_t>((v << n) | (v >> (8 - n))); };
        b = static_cast<uint8_t>(b ^ rotl(b, 1) ^ rotl(b, 2) ^ rotl(b, 3) ^ rotl(b, 4) ^ 0x63);
        s.forward[x] = b;
        s.inverse[b] = static_cast<uint8_t>(x);
    }
    return s;
}
constexpr SBoxes kSBoxes = make_sboxes();

using State = std::array<uint8_t, 16>;

State to_state(const VReg& v) {
    State s;
    for (unsigned i = 0; i < 16; ++i) s[i] = v.get<uint8_t>(i);
    return s;
}
VReg from_state(const State& s) {
    VReg v;
    for (unsigned i = 0; i < 16; ++i) v.set<uint8_t>(i, s[i]);
    return v;
}

State shift_rows(const State& in, bool inverse) {
    State out;
    for (unsigned i = 0; i < 16; ++i) {
        const unsigned row = i % 4, column = i / 4;
        const unsigned from = inverse ? (column + 4 - row) % 4 : (column + row) % 4;
        out[i] = in[row + 4 * from];
    }
    return out;
}

State mix_columns(const State& in, bool inverse) {
    static constexpr uint8_t kForward[4] = {2, 3, 1, 1}, kInverse[4] = {14, 11, 13, 9};
    const uint8_t* k = inverse ? kInverse : kForward;
    State out;
    for (unsigned c = 0; c < 4; ++c)
        for (unsigned r = 0; r < 4; ++r) {
            uint8_t value = 0;
            for (unsigned j = 0; j < 4; ++j) value ^= gf_mul(in[4 * c + (r + j) % 4], k[j]);
            out[4 * c + r] = value;
        }
    return out;
}

// AESE: SubBytes(ShiftRows(Vd EOR Vn)); AESD: InvSubBytes(InvShiftRows(Vd EOR Vn)).
template <bool Decrypt>
const Inst* aes_round(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    VReg x = cpu.regs.v[ip->d];
    x.lo ^= cpu.regs.v[ip->n].lo;
    x.hi ^= cpu.regs.v[ip->n].hi;
    State s = shift_rows(to_state(x), Decrypt);
    for (uint8_t& b : s) b = Decrypt ? kSBoxes.inverse[b] : kSBoxes.forward[b];
    cpu.regs.v[ip->d] = from_state(s);
    return cpu.next(ip + 1);
}

template <bool Inverse>
const Inst* aes_mix_columns(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    cpu.regs.v[ip->d] = from_state(mix_columns(to_state(cpu.regs.v[ip->n]), Inverse));
    return cpu.next(ip + 1);
}

// ---- SHA.
constexpr uint32_t sha_choose(uint32_t x, uint32_t y, uint32_t z) { return ((y ^ z) & x) ^ z; }
constexpr uint32_t sha_parity(uint32_t x, uint32_t y, uint32_t z) { return x ^ y ^ z; }
constexpr uint32_t sha_majority(uint32_t x, uint32_t y, uint32_t z) { return (x & y) | ((x | y) & z); }

uint32_t word(const VReg& v, unsigned e) { return v.get<uint32_t>(e); }

// SHA1C, SHA1P, SHA1M: four rounds on X = Vd, Y = Sn, W = Vm.
template <uint32_t (*F)(uint32_t, uint32_t, uint32_t)>
const Inst* sha1_hash(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    uint32_t x[4] = {word(cpu.regs.v[ip->d], 0), word(cpu.regs.v[ip->d], 1), word(cpu.regs.v[ip->d], 2),
                     word(cpu.regs.v[ip->d], 3)};
    uint32_t y = word(cpu.regs.v[ip->n], 0);
    const VReg w = cpu.regs.v[ip->m];
    for (unsigned e = 0; e < 4; ++e) {
        const uint32_t t = F(x[1], x[2], x[3]);
        y = y + std::rotl(x[0], 5) + t + word(w, e);
        x[1] = std::rotl(x[1], 30);
        // <Y, X> = ROL(Y : X, 32)
        const uint32_t top = x[3];
        x[3] = x[2];
        x[2] = x[1];
        x[1] = x[0];
        x[0] = y;
        y = top;
    }
    VReg r;
    for (unsigned e = 0; e < 4; ++e) r.set<uint32_t>(e, x[e]);
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

const Inst* sha1_h(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    write_scalar<uint32_t>(cpu, ip->d, std::rotl(word(cpu.regs.v[ip->n], 0), 30));
    return cpu.next(ip + 1);
}

const Inst* sha1_su0(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg d = cpu.regs.v[ip->d], n = cpu.regs.v[ip->n], m = cpu.regs.v[ip->m];
    VReg r;
    r.lo = d.hi ^ d.lo ^ m.lo;  // (Vn<63:0> : Vd<127:64>) EOR Vd EOR Vm
    r.hi = n.lo ^ d.hi ^ m.hi;
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

const Inst* sha1_su1(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg d = cpu.regs.v[ip->d], n = cpu.regs.v[ip->n];
    // T = Vd EOR LSR(Vn, 32)
    const uint32_t t[4] = {word(d, 0) ^ word(n, 1), word(d, 1) ^ word(n, 2), word(d, 2) ^ word(n, 3), word(d, 3)};
    VReg r;
    for (unsigned e = 0; e < 3; ++e) r.set<uint32_t>(e, std::rotl(t[e], 1));
    r.set<uint32_t>(3, std::rotl(t[3], 1) ^ std::rotl(t[0], 2));
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

// SHA256hash: SHA256H returns X, SHA256H2 (called with Vn and Vd swapped) returns Y.
void sha256_hash(uint32_t x[4], uint32_t y[4], const VReg& w) {
    auto sigma0 = [](uint32_t v) { return std::rotr(v, 2) ^ std::rotr(v, 13) ^ std::rotr(v, 22); };
    auto sigma1 = [](uint32_t v) { return std::rotr(v, 6) ^ std::rotr(v, 11) ^ std::rotr(v, 25); };
    for (unsigned e = 0; e < 4; ++e) {
        const uint32_t chs = sha_choose(y[0], y[1], y[2]);
        const uint32_t maj = sha_majority(x[0], x[1], x[2]);
        const uint32_t t = y[3] + sigma1(y[0]) + chs + word(w, e);
        x[3] = t + x[3];
        y[3] = t + sigma0(x[0]) + maj;
        // <Y, X> = ROL(Y : X, 32)
        const uint32_t x_top = x[3], y_top = y[3];
        x[3] = x[2];
        x[2] = x[1];
        x[1] = x[0];
        x[0] = y_top;
        y[3] = y[2];
        y[2] = y[1];
        y[1] = y[0];
        y[0] = x_top;
    }
}

template <bool Part1>
const Inst* sha256_h(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& first = Part1 ? cpu.regs.v[ip->d] : cpu.regs.v[ip->n];
    const VReg& second = Part1 ? cpu.regs.v[ip->n] : cpu.regs.v[ip->d];
    uint32_t x[4], y[4];
    for (unsigned e = 0; e < 4; ++e) {
        x[e] = word(first, e);
        y[e] = word(second, e);
    }
    sha256_hash(x, y, cpu.regs.v[ip->m]);
    VReg r;
    for (unsigned e = 0; e < 4; ++e) r.set<uint32_t>(e, Part1 ? x[e] : y[e]);
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

const Inst* sha256_su0(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg d = cpu.regs.v[ip->d], n = cpu.regs.v[ip->n];
    const uint32_t t[4] = {word(d, 1), word(d, 2), word(d, 3), word(n, 0)};  // Vn<31:0> : Vd<127:32>
    VReg r;
    for (unsigned e = 0; e < 4; ++e) {
        const uint32_t elt = std::rotr(t[e], 7) ^ std::rotr(t[e], 18) ^ (t[e] >> 3);
        r.set<uint32_t>(e, elt + word(d, e));
    }
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

const Inst* sha256_su1(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg d = cpu.regs.v[ip->d], n = cpu.regs.v[ip->n], m = cpu.regs.v[ip->m];
    const uint32_t t0[4] = {word(n, 1), word(n, 2), word(n, 3), word(m, 0)};  // Vm<31:0> : Vn<127:32>
    auto sigma = [](uint32_t v) { return std::rotr(v, 17) ^ std::rotr(v, 19) ^ (v >> 10); };
    uint32_t result[4];
    for (unsigned e = 0; e < 2; ++e) result[e] = sigma(word(m, 2 + e)) + word(d, e) + t0[e];
    for (unsigned e = 2; e < 4; ++e) result[e] = sigma(result[e - 2]) + word(d, e) + t0[e];
    VReg r;
    for (unsigned e = 0; e < 4; ++e) r.set<uint32_t>(e, result[e]);
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

template <ExecFn F>
void prepare(const Decoded& d, Inst& i) {
    i.exec = F;
    i.d = static_cast<uint8_t>(d.field('d'));
    i.n = static_cast<uint8_t>(d.field('n'));
    i.m = static_cast<uint8_t>(d.field('m'));
}

}  // namespace

void add_crypto(SemanticsTable& t) {
    auto set = [&](Op op, Preparer p) { t.prepare[static_cast<std::size_t>(op)] = p; };
    set(Op::AESE, prepare<aes_round<false>>);
    set(Op::AESD, prepare<aes_round<true>>);
    set(Op::AESMC, prepare<aes_mix_columns<false>>);
    set(Op::AESIMC, prepare<aes_mix_columns<true>>);
    set(Op::SHA1C, prepare<sha1_hash<sha_choose>>);
    set(Op::SHA1P, prepare<sha1_hash<sha_parity>>);
    set(Op::SHA1M, prepare<sha1_hash<sha_majority>>);
    set(Op::SHA1SU0, prepare<sha1_su0>);
    set(Op::SHA256H, prepare<sha256_h<true>>);
    set(Op::SHA256H2, prepare<sha256_h<false>>);
    set(Op::SHA256SU1, prepare<sha256_su1>);
    set(Op::SHA1H, prepare<sha1_h>);
    set(Op::SHA1SU1, prepare<sha1_su1>);
    set(Op::SHA256SU0, prepare<sha256_su0>);
}

}  // namespace trapeze
