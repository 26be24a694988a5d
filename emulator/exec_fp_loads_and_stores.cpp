// Semantics of the SIMD&FP register loads and stores (C4.1.88 with V = 1): B, H, S, D and Q
// registers in every addressing mode, literal loads, LDP/STP/LDNP/STNP of S, D and Q. A load
// writes the whole V register, zero-extended. The structure loads (LD1..LD4) are in
// exec_simd_structures.cpp.
#include "emulator/exec_simd_common.h"

namespace trapeze {
namespace {

using std::uint64_t;
using std::uint8_t;

// The addressing modes: imm is the (scaled) byte offset; the register-offset modes add
// ExtendReg(Rm, option, shift) with the shift in b0.
enum class Mode : uint8_t { Offset, PreIndex, PostIndex, RegUxtw, RegLsl, RegSxtw };

template <Mode M>
inline uint64_t address_of(const Cpu& cpu, const Inst* ip) {
    const uint64_t base = cpu.regs.x[ip->n];
    if constexpr (M == Mode::Offset || M == Mode::PreIndex) return base + ip->imm;
    else if constexpr (M == Mode::PostIndex) return base;
    else {
        const uint64_t rm = cpu.regs.x[ip->m];
        if constexpr (M == Mode::RegUxtw) return base + (static_cast<uint64_t>(static_cast<std::uint32_t>(rm)) << ip->b0);
        else if constexpr (M == Mode::RegSxtw)
            return base + (static_cast<uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(rm))) << ip->b0);
        else return base + (rm << ip->b0);
    }
}

template <Mode M>
inline void write_back(Cpu& cpu, const Inst* ip, uint64_t address) {
    if constexpr (M == Mode::PreIndex) cpu.regs.x[ip->n] = address;
    else if constexpr (M == Mode::PostIndex) cpu.regs.x[ip->n] = address + ip->imm;
}

// A value of the access size as a whole V register (the rest zero); a Q access is the register.
template <typename T>
inline VReg as_register(T value) {
    VReg r{};
    r.set<T>(0, value);
    return r;
}

// ---- Single register: d = Vt, n = Xn|SP, m = Xm.
template <typename T, Mode M>
const Inst* ldr(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const uint64_t address = address_of<M>(cpu, ip);
    T value;
    if (!cpu.load(ip, address, value)) return nullptr;
    cpu.regs.v[ip->d] = as_register(value);
    write_back<M>(cpu, ip, address);
    return cpu.next(ip + 1);
}

template <typename T, Mode M>
const Inst* str(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const uint64_t address = address_of<M>(cpu, ip);
    if (!cpu.store(ip, address, cpu.regs.v[ip->d].get<T>(0))) return nullptr;
    write_back<M>(cpu, ip, address);
    return cpu.next(ip + 1);
}

// ---- Literal: imm is the offset from this instruction.
template <typename T>
const Inst* ldr_literal(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    T value;
    if (!cpu.load(ip, cpu.pc_of(ip) + ip->imm, value)) return nullptr;
    cpu.regs.v[ip->d] = as_register(value);
    return cpu.next(ip + 1);
}

// ---- Pairs: d = Vt, a = Vt2. Both loads complete before either register is written.
template <typename T, Mode M>
const Inst* ldp(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const uint64_t address = address_of<M>(cpu, ip);
    T first, second;
    if (!cpu.load(ip, address, first) || !cpu.load(ip, address + sizeof(T), second)) return nullptr;
    cpu.regs.v[ip->d] = as_register(first);
    cpu.regs.v[ip->a] = as_register(second);
    write_back<M>(cpu, ip, address);
    return cpu.next(ip + 1);
}

template <typename T, Mode M>
const Inst* stp(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    const uint64_t address = address_of<M>(cpu, ip);
    const T first = cpu.regs.v[ip->d].get<T>(0), second = cpu.regs.v[ip->a].get<T>(0);
    if (!cpu.store(ip, address, first) || !cpu.store(ip, address + sizeof(T), second)) return nullptr;
    write_back<M>(cpu, ip, address);
    return cpu.next(ip + 1);
}

// ---- Choosing the instance by log2 of the access size (4: Q), with SP's alignment check when
// SP is the base.
template <bool Load, Mode M, typename T, bool SpBase>
constexpr ExecFn access_fn() {
    if constexpr (Load) return maybe_fp_sp_checked<SpBase, ldr<T, M>>();
    else return maybe_fp_sp_checked<SpBase, str<T, M>>();
}
template <bool Load, Mode M, bool SpBase>
ExecFn single_fn_for(unsigned size_log2) {
    switch (size_log2) {
    case 0: return access_fn<Load, M, std::uint8_t, SpBase>();
    case 1: return access_fn<Load, M, std::uint16_t, SpBase>();
    case 2: return access_fn<Load, M, std::uint32_t, SpBase>();
    case 3: return access_fn<Load, M, std::uint64_t, SpBase>();
    default: return access_fn<Load, M, VReg, SpBase>();
    }
}
template <bool Load, Mode M>
ExecFn single_fn(unsigned size_log2, unsigned rn) {
    return rn == 31 ? single_fn_for<Load, M, true>(size_log2) : single_fn_for<Load, M, false>(size_log2);
}

template <bool Load, Mode M, typename T, bool SpBase>
constexpr ExecFn pair_access_fn() {
    if constexpr (Load) return maybe_fp_sp_checked<SpBase, ldp<T, M>>();
    else return maybe_fp_sp_checked<SpBase, stp<T, M>>();
}
template <bool Load, Mode M, bool SpBase>
ExecFn pair_fn_for(unsigned size_log2) {
    switch (size_log2) {
    case 2: return pair_access_fn<Load, M, std::uint32_t, SpBase>();
    case 3: return pair_access_fn<Load, M, std::uint64_t, SpBase>();
    default: return pair_access_fn<Load, M, VReg, SpBase>();
    }
}
template <bool Load, Mode M>
ExecFn pair_fn(unsigned size_log2, unsigned rn) {
    return rn == 31 ? pair_fn_for<Load, M, true>(size_log2) : pair_fn_for<Load, M, false>(size_log2);
}

// The access size of a single-register row: size, or Q when opc<1> is set.
unsigned single_size_log2(const Decoded& d) { return d.field('q') ? 4 : d.field('x'); }

// ---- Preparers.

// Unscaled, pre-index and post-index: a signed 9-bit byte offset.
template <bool Load, Mode M>
void prepare_imm9(const Decoded& d, Inst& i) {
    i.exec = single_fn<Load, M>(single_size_log2(d), d.field('n'));
    i.d = static_cast<uint8_t>(d.field('t'));
    i.n = slot_sp(d.field('n'));
    i.imm = static_cast<uint64_t>(d.signed_field('i'));
}

// Unsigned offset: imm12 scaled by the access size.
template <bool Load>
void prepare_imm12(const Decoded& d, Inst& i) {
    const unsigned size_log2 = single_size_log2(d);
    i.exec = single_fn<Load, Mode::Offset>(size_log2, d.field('n'));
    i.d = static_cast<uint8_t>(d.field('t'));
    i.n = slot_sp(d.field('n'));
    i.imm = static_cast<uint64_t>(d.field('i')) << size_log2;
}

// Register offset: option 010 UXTW, 011 LSL, 110 SXTW, 111 SXTX; S shifts by the access size.
template <bool Load>
void prepare_reg(const Decoded& d, Inst& i) {
    const unsigned size_log2 = single_size_log2(d);
    switch (d.field('o')) {
    case 0b010: i.exec = single_fn<Load, Mode::RegUxtw>(size_log2, d.field('n')); break;
    case 0b110: i.exec = single_fn<Load, Mode::RegSxtw>(size_log2, d.field('n')); break;
    default: i.exec = single_fn<Load, Mode::RegLsl>(size_log2, d.field('n')); break;  // 011 and 111
    }
    i.d = static_cast<uint8_t>(d.field('t'));
    i.n = slot_sp(d.field('n'));
    i.m = slot_zr_src(d.field('m'));
    i.b0 = static_cast<uint8_t>(d.field('S') ? size_log2 : 0);
}

// Literal and pairs: opc 00 S, 01 D, 10 Q.
void prepare_literal(const Decoded& d, Inst& i) {
    switch (d.field('x')) {
    case 0: i.exec = ldr_literal<std::uint32_t>; break;
    case 1: i.exec = ldr_literal<std::uint64_t>; break;
    default: i.exec = ldr_literal<VReg>; break;
    }
    i.d = static_cast<uint8_t>(d.field('t'));
    i.imm = static_cast<uint64_t>(d.signed_field('i') * 4);
}

template <bool Load, Mode M>
void prepare_pair(const Decoded& d, Inst& i) {
    const unsigned size_log2 = 2 + d.field('x');
    i.exec = pair_fn<Load, M>(size_log2, d.field('n'));
    i.d = static_cast<uint8_t>(d.field('t'));
    i.a = static_cast<uint8_t>(d.field('u'));
    i.n = slot_sp(d.field('n'));
    i.imm = static_cast<uint64_t>(d.signed_field('i') * (std::int64_t{1} << size_log2));
}

}  // namespace

void add_fp_loads_and_stores(SemanticsTable& t) {
    auto set = [&](Op op, Preparer p) { t.prepare[static_cast<std::size_t>(op)] = p; };
    set(Op::LDR_lit_fp, prepare_literal);
    set(Op::STNP_fp, prepare_pair<false, Mode::Offset>);
    set(Op::LDNP_fp, prepare_pair<true, Mode::Offset>);
    set(Op::STP_fp_post, prepare_pair<false, Mode::PostIndex>);
    set(Op::LDP_fp_post, prepare_pair<true, Mode::PostIndex>);
    set(Op::STP_fp_off, prepare_pair<false, Mode::Offset>);
    set(Op::LDP_fp_off, prepare_pair<true, Mode::Offset>);
    set(Op::STP_fp_pre, prepare_pair<false, Mode::PreIndex>);
    set(Op::LDP_fp_pre, prepare_pair<true, Mode::PreIndex>);
    set(Op::STUR_fp, prepare_imm9<false, Mode::Offset>);
    set(Op::LDUR_fp, prepare_imm9<true, Mode::Offset>);
    set(Op::STR_fp_post, prepare_imm9<false, Mode::PostIndex>);
    set(Op::LDR_fp_post, prepare_imm9<true, Mode::PostIndex>);
    set(Op::STR_fp_pre, prepare_imm9<false, Mode::PreIndex>);
    set(Op::LDR_fp_pre, prepare_imm9<true, Mode::PreIndex>);
    set(Op::STR_fp_reg, prepare_reg<false>);
    set(Op::LDR_fp_reg, prepare_reg<true>);
    set(Op::STR_fp_imm, prepare_imm12<false>);
    set(Op::LDR_fp_imm, prepare_imm12<true>);
}

}  // namespace trapeze
