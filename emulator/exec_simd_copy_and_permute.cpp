// Semantics of Advanced SIMD copy (DUP, INS, UMOV, SMOV, scalar DUP), modified immediate (MOVI,
// MVNI, ORR, BIC, FMOV vector), table lookup (TBL, TBX), permute (UZP, TRN, ZIP) and extract (EXT).
#include <bit>

#include "emulator/exec_simd_lanes.h"

namespace trapeze {
namespace {

using std::uint64_t;
using std::uint8_t;

// ---- Copy. b0 = log2 of the element size, b1 = the elements, b2 = the index (of Vn's element),
// b3 = the destination index (INS element).

template <typename T>
const Inst* dup_element(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const T value = cpu.regs.v[ip->n].get<T>(ip->b2);
    VReg r{};
    for (unsigned e = 0; e < ip->b1; ++e) r.set<T>(e, value);
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

template <typename T>
const Inst* dup_general(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const auto value = static_cast<T>(cpu.regs.x[ip->n]);
    VReg r{};
    for (unsigned e = 0; e < ip->b1; ++e) r.set<T>(e, value);
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

// UMOV zero-extends; SMOV sign-extends to 32 (b3 = 0) or 64 bits.
template <typename T, bool Signed>
const Inst* move_to_general(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const T value = cpu.regs.v[ip->n].get<T>(ip->b2);
    uint64_t result = value;
    if (Signed) {
        result = static_cast<uint64_t>(static_cast<std::int64_t>(static_cast<signed_t<T>>(value)));
        if (!ip->b3) result &= 0xffff'ffff;
    }
    cpu.regs.x[ip->d] = result;
    return cpu.next(ip + 1);
}

// INS (general) and INS (element): one element of Vd replaced, the others kept.
template <typename T>
const Inst* insert_general(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    cpu.regs.v[ip->d].set<T>(ip->b3, static_cast<T>(cpu.regs.x[ip->n]));
    return cpu.next(ip + 1);
}
template <typename T>
const Inst* insert_element(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const T value = cpu.regs.v[ip->n].get<T>(ip->b2);
    cpu.regs.v[ip->d].set<T>(ip->b3, value);
    return cpu.next(ip + 1);
}

// ---- Modified immediate: imm = the 64-bit pattern (AdvSIMDExpandImm, inverted for MVNI and
// BIC); b1 = the 64-bit halves written.
enum class ImmOp : uint8_t { Move, Orr, Bic };
template <ImmOp K>
const Inst* modified_immediate(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& d = cpu.regs.v[ip->d];
    VReg r{};
    for (unsigned e = 0; e < ip->b1; ++e) {
        const uint64_t old = d.get<uint64_t>(e);
        r.set<uint64_t>(e, K == ImmOp::Move ? ip->imm : K == ImmOp::Orr ? old | ip->imm : old & ip->imm);
    }
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

// AdvSIMDExpandImm: the 64-bit immediate of op:cmode:imm8.
uint64_t expand_immediate(unsigned op, unsigned cmode, uint64_t imm8) {
    auto replicate = [](uint64_t value, unsigned bits) {
        uint64_t result = 0;
        for (unsigned at = 0; at < 64; at += bits) result |= value << at;
        return result;
    };
    switch (cmode >> 1) {
    case 0: return replicate(imm8, 32);
    case 1: return replicate(imm8 << 8, 32);
    case 2: return replicate(imm8 << 16, 32);
    case 3: return replicate(imm8 << 24, 32);
    case 4: return replicate(imm8, 16);
    case 5: return replicate(imm8 << 8, 16);
    case 6: return replicate((cmode & 1) ? (imm8 << 16) | 0xffff : (imm8 << 8) | 0xff, 32);
    default:
        if ((cmode & 1) == 0 && op == 0) return replicate(imm8, 8);
        if ((cmode & 1) == 0) {  // each bit of imm8 becomes a byte
            uint64_t result = 0;
            for (unsigned bit = 0; bit < 8; ++bit)
                if ((imm8 >> bit) & 1) result |= 0xffull << (8 * bit);
            return result;
        }
        if (op == 0) return replicate(fp_expand_imm<std::uint32_t>(static_cast<uint8_t>(imm8)), 32);
        return fp_expand_imm<uint64_t>(static_cast<uint8_t>(imm8));
    }
}

// ---- Table lookup: b2 = the table registers (Vn, Vn+1...), b3 = 1 for TBX (out-of-range
// indices keep Vd's byte) ; b1 = the result bytes.
template <bool Extension>
const Inst* table_lookup(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& indices = cpu.regs.v[ip->m];
    const VReg& d = cpu.regs.v[ip->d];
    const unsigned table_bytes = 16u * ip->b2;
    VReg r{};
    for (unsigned e = 0; e < ip->b1; ++e) {
        const unsigned index = indices.get<uint8_t>(e);
        if (index < table_bytes) r.set<uint8_t>(e, cpu.regs.v[(ip->n + index / 16) & 31].get<uint8_t>(index % 16));
        else if (Extension) r.set<uint8_t>(e, d.get<uint8_t>(e));
    }
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

// ---- Permutes: b1 = the elements; b2 = 0 for the "1" forms, 1 for the "2" forms.
enum class Permute : uint8_t { Uzp, Trn, Zip };
template <typename T, Permute P>
const Inst* permute(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& n = cpu.regs.v[ip->n];
    const VReg& m = cpu.regs.v[ip->m];
    const unsigned elements = ip->b1, part = ip->b2, half = elements / 2;
    VReg r{};
    for (unsigned e = 0; e < elements; ++e) {
        T value;
        if constexpr (P == Permute::Uzp) {  // the even (or odd) elements of m:n
            const unsigned from = 2 * e + part;
            value = from < elements ? n.get<T>(from) : m.get<T>(from - elements);
        } else if constexpr (P == Permute::Trn) {  // pairs (n[2p+part], m[2p+part])
            const unsigned pair = e / 2;
            value = (e & 1) ? m.get<T>(2 * pair + part) : n.get<T>(2 * pair + part);
        } else {  // ZIP: alternate the low (or high) halves
            const unsigned from = part * half + e / 2;
            value = (e & 1) ? m.get<T>(from) : n.get<T>(from);
        }
        r.set<T>(e, value);
    }
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

// EXT: bytes b2 onwards of m:n (b1 = the result bytes).
const Inst* extract(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const VReg& n = cpu.regs.v[ip->n];
    const VReg& m = cpu.regs.v[ip->m];
    const unsigned bytes = ip->b1, position = ip->b2;
    VReg r{};
    for (unsigned e = 0; e < bytes; ++e) {
        const unsigned from = position + e;
        r.set<uint8_t>(e, from < bytes ? n.get<uint8_t>(from) : m.get<uint8_t>(from - bytes));
    }
    cpu.regs.v[ip->d] = r;
    return cpu.next(ip + 1);
}

// ---- Preparers.
#define TRAPEZE_BY_SIZE_1(fn, size) \
    ((size) == 0 ? &fn<std::uint8_t> : (size) == 1 ? &fn<std::uint16_t> : (size) == 2 ? &fn<std::uint32_t> : &fn<std::uint64_t>)

// The element size from imm5's lowest set bit, and the index above it.
unsigned copy_size(const Decoded& d) { return static_cast<unsigned>(std::countr_zero(d.field('i') | 0x10)); }
unsigned copy_index(const Decoded& d) { return d.field('i') >> (copy_size(d) + 1); }

void set_copy(const Decoded& d, Inst& i, unsigned elements) {
    i.d = static_cast<uint8_t>(d.field('d'));
    i.n = static_cast<uint8_t>(d.field('n'));
    i.b0 = static_cast<uint8_t>(copy_size(d));
    i.b1 = static_cast<uint8_t>(elements);
    i.b2 = static_cast<uint8_t>(copy_index(d));
}

void prepare_dup_element(const Decoded& d, Inst& i) {
    const unsigned size = copy_size(d);
    set_copy(d, i, d.op == Op::DUP_scalar ? 1 : vector_elements(d, size));
    i.exec = TRAPEZE_BY_SIZE_1(dup_element, size);
}
void prepare_dup_general(const Decoded& d, Inst& i) {
    const unsigned size = copy_size(d);
    set_copy(d, i, vector_elements(d, size));
    i.n = slot_zr_src(d.field('n'));
    i.exec = TRAPEZE_BY_SIZE_1(dup_general, size);
}
template <bool Signed>
void prepare_move_to_general(const Decoded& d, Inst& i) {
    const unsigned size = copy_size(d);
    set_copy(d, i, 1);
    i.d = slot_zr_dst(d.field('d'));
    i.b3 = static_cast<uint8_t>(d.field('q'));
    if (Signed)
        i.exec = size == 0 ? move_to_general<std::uint8_t, true> : size == 1 ? move_to_general<std::uint16_t, true>
                                                                            : move_to_general<std::uint32_t, true>;
    else
        i.exec = size == 0   ? move_to_general<std::uint8_t, false>
                 : size == 1 ? move_to_general<std::uint16_t, false>
                 : size == 2 ? move_to_general<std::uint32_t, false>
                             : move_to_general<uint64_t, false>;
}
void prepare_insert_general(const Decoded& d, Inst& i) {
    const unsigned size = copy_size(d);
    set_copy(d, i, 1);
    i.n = slot_zr_src(d.field('n'));
    i.b3 = static_cast<uint8_t>(copy_index(d));
    i.exec = TRAPEZE_BY_SIZE_1(insert_general, size);
}
void prepare_insert_element(const Decoded& d, Inst& i) {
    const unsigned size = copy_size(d);
    set_copy(d, i, 1);
    i.b3 = static_cast<uint8_t>(copy_index(d));
    i.b2 = static_cast<uint8_t>(d.field('j') >> size);
    i.exec = TRAPEZE_BY_SIZE_1(insert_element, size);
}

void prepare_modified_immediate(const Decoded& d, Inst& i) {
    const unsigned op = d.field('p'), cmode = d.field('c');
    i.d = static_cast<uint8_t>(d.field('d'));
    i.b1 = static_cast<uint8_t>(d.field('q') ? 2 : 1);
    uint64_t imm = expand_immediate(op, cmode, d.field('i'));
    // ORR and BIC: cmode 0xx1 and 10x1; the rest move (MVNI inverted).
    const bool logical = (cmode & 1) && cmode < 0b1100;
    if (logical) {
        i.exec = op ? modified_immediate<ImmOp::Bic> : modified_immediate<ImmOp::Orr>;
        if (op) imm = ~imm;
    } else {
        i.exec = modified_immediate<ImmOp::Move>;
        const bool mvni = op == 1 && cmode < 0b1110;
        if (mvni) imm = ~imm;
    }
    i.imm = imm;
}

template <bool Extension>
void prepare_table(const Decoded& d, Inst& i) {
    i.d = static_cast<uint8_t>(d.field('d'));
    i.n = static_cast<uint8_t>(d.field('n'));
    i.m = static_cast<uint8_t>(d.field('m'));
    i.b1 = static_cast<uint8_t>(d.field('q') ? 16 : 8);
    i.b2 = static_cast<uint8_t>(d.field('l') + 1);
    i.exec = table_lookup<Extension>;
}

template <Permute P, unsigned Part>
void prepare_permute(const Decoded& d, Inst& i) {
    const unsigned size = d.field('x');
    set_simd_operands(d, i, size, vector_elements(d, size));
    i.b2 = Part;
    switch (size) {
    case 0: i.exec = permute<std::uint8_t, P>; break;
    case 1: i.exec = permute<std::uint16_t, P>; break;
    case 2: i.exec = permute<std::uint32_t, P>; break;
    default: i.exec = permute<uint64_t, P>; break;
    }
}

void prepare_extract(const Decoded& d, Inst& i) {
    set_simd_operands(d, i, 0, d.field('q') ? 16 : 8);
    i.b2 = static_cast<uint8_t>(d.field('i'));
    i.exec = extract;
}

}  // namespace

void add_simd_copy_and_permute(SemanticsTable& t) {
    auto set = [&](Op op, Preparer p) { t.prepare[static_cast<std::size_t>(op)] = p; };
    set(Op::DUP_elt, prepare_dup_element);
    set(Op::DUP_scalar, prepare_dup_element);
    set(Op::DUP_gen, prepare_dup_general);
    set(Op::SMOV, prepare_move_to_general<true>);
    set(Op::UMOV, prepare_move_to_general<false>);
    set(Op::INS_gen, prepare_insert_general);
    set(Op::INS_elt, prepare_insert_element);
    set(Op::MOVI, prepare_modified_immediate);
    set(Op::TBL, prepare_table<false>);
    set(Op::TBX, prepare_table<true>);
    set(Op::UZP1, prepare_permute<Permute::Uzp, 0>);
    set(Op::TRN1, prepare_permute<Permute::Trn, 0>);
    set(Op::ZIP1, prepare_permute<Permute::Zip, 0>);
    set(Op::UZP2, prepare_permute<Permute::Uzp, 1>);
    set(Op::TRN2, prepare_permute<Permute::Trn, 1>);
    set(Op::ZIP2, prepare_permute<Permute::Zip, 1>);
    set(Op::EXT, prepare_extract);
}

}  // namespace trapeze
