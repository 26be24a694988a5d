// Semantics of C4.1.88 Loads and Stores (general registers): load literal, load/store pair,
// and the single-register forms in every addressing mode. Exclusives, acquire/release and
// the LSE atomics are in exec_atomics.cpp.
#include <type_traits>

#include "emulator/exec_common.h"

namespace trapeze {
namespace {

using std::uint16_t;
using std::uint32_t;
using std::uint64_t;
using std::uint8_t;

// How a loaded value of the access size becomes the register value: zero-extended, or
// sign-extended to 64 bits (LDRS* to X) or to 32 bits with the upper half zeroed (LDRS* to W).
enum class Extend : uint8_t { Zero, SignToX, SignToW };

template <typename T, Extend E>
inline uint64_t extend_loaded(T value) {
    using S = std::make_signed_t<T>;
    if constexpr (E == Extend::Zero) return value;
    else if constexpr (E == Extend::SignToX)
        return static_cast<uint64_t>(static_cast<std::int64_t>(static_cast<S>(value)));
    else return static_cast<uint32_t>(static_cast<std::int32_t>(static_cast<S>(value)));
}

// The addressing modes. Offset covers the unsigned, unscaled and unprivileged immediates
// and the non-temporal pairs; imm is the byte offset, already scaled. The register-offset
// modes add ExtendReg(Rm, option, shift): UXTW, LSL (UXTX; SXTX is the same in 64 bits)
// and SXTW, with the shift in b0.
enum class Mode : uint8_t { Offset, PreIndex, PostIndex, RegUxtw, RegLsl, RegSxtw };

template <Mode M>
inline uint64_t address_of(const Cpu& cpu, const Inst* ip) {
    const uint64_t base = cpu.regs.x[ip->n];
    if constexpr (M == Mode::Offset || M == Mode::PreIndex) return base + ip->imm;
    else if constexpr (M == Mode::PostIndex) return base;
    else {
        const uint64_t rm = cpu.regs.x[ip->m];
        if constexpr (M == Mode::RegUxtw) return base + (static_cast<uint64_t>(static_cast<uint32_t>(rm)) << ip->b0);
        else if constexpr (M == Mode::RegSxtw)
            return base + (static_cast<uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(rm))) << ip->b0);
        else return base + (rm << ip->b0);
    }
}

// Writeback happens after the access succeeded, and after a load wrote Rt: when Rn == Rt
// (CONSTRAINED UNPREDICTABLE) the base address wins, as the manual's pseudocode order gives.
template <Mode M>
inline void write_back(Cpu& cpu, const Inst* ip, uint64_t address) {
    if constexpr (M == Mode::PreIndex) cpu.regs.x[ip->n] = address;
    else if constexpr (M == Mode::PostIndex) cpu.regs.x[ip->n] = address + ip->imm;
}

// Whose permissions an access checks: the current EL's, or EL0's for the unprivileged forms
// (LDTR, STTR...), which at EL0 are the plain accesses.
enum class Privilege : uint8_t { Current, Unprivileged };

template <Privilege P, typename T>
inline bool load(Cpu& cpu, const Inst* ip, uint64_t address, T& value) {
    if constexpr (P == Privilege::Unprivileged) return cpu.load_unprivileged(ip, address, value);
    else return cpu.load(ip, address, value);
}
template <Privilege P, typename T>
inline bool store(Cpu& cpu, const Inst* ip, uint64_t address, T value) {
    if constexpr (P == Privilege::Unprivileged) return cpu.store_unprivileged(ip, address, value);
    else return cpu.store(ip, address, value);
}

// ---- Single register: d = Rt (XZR for 31), n = Rn (SP for 31), m = Rm.
template <typename T, Extend E, Mode M, Privilege P = Privilege::Current>
const Inst* ldr(Cpu& cpu, const Inst* ip) {
    const uint64_t address = address_of<M>(cpu, ip);
    T value;
    if (!load<P>(cpu, ip, address, value)) return nullptr;
    cpu.regs.x[ip->d] = extend_loaded<T, E>(value);
    write_back<M>(cpu, ip, address);
    return cpu.next(ip + 1);
}

// The value is read before writeback, so STR Xn, [Xn], #8 stores the old base.
template <typename T, Mode M, Privilege P = Privilege::Current>
const Inst* str(Cpu& cpu, const Inst* ip) {
    const uint64_t address = address_of<M>(cpu, ip);
    if (!store<P>(cpu, ip, address, static_cast<T>(cpu.regs.x[ip->d]))) return nullptr;
    write_back<M>(cpu, ip, address);
    return cpu.next(ip + 1);
}

// PRFM and PRFUM are hints: no access, no fault.
const Inst* prefetch(Cpu& cpu, const Inst* ip) { return cpu.next(ip + 1); }

// ---- Load literal: imm is the offset from this instruction.
template <typename T, Extend E>
const Inst* ldr_literal(Cpu& cpu, const Inst* ip) {
    T value;
    if (!cpu.load(ip, cpu.pc_of(ip) + ip->imm, value)) return nullptr;
    cpu.regs.x[ip->d] = extend_loaded<T, E>(value);
    return cpu.next(ip + 1);
}

// ---- Pairs: d = Rt, a = Rt2, n = Rn; two accesses of the element size, each aligned on its
// own. Both loads complete before either register is written, so a fault changes nothing.
template <typename T, Extend E, Mode M>
const Inst* ldp(Cpu& cpu, const Inst* ip) {
    const uint64_t address = address_of<M>(cpu, ip);
    T first, second;
    if (!cpu.load(ip, address, first) || !cpu.load(ip, address + sizeof(T), second)) return nullptr;
    cpu.regs.x[ip->d] = extend_loaded<T, E>(first);
    cpu.regs.x[ip->a] = extend_loaded<T, E>(second);
    write_back<M>(cpu, ip, address);
    return cpu.next(ip + 1);
}

template <typename T, Mode M>
const Inst* stp(Cpu& cpu, const Inst* ip) {
    const uint64_t address = address_of<M>(cpu, ip);
    const T first = static_cast<T>(cpu.regs.x[ip->d]);
    const T second = static_cast<T>(cpu.regs.x[ip->a]);
    if (!cpu.store(ip, address, first) || !cpu.store(ip, address + sizeof(T), second)) return nullptr;
    write_back<M>(cpu, ip, address);
    return cpu.next(ip + 1);
}

// ---- Choosing the instance: size is the encoding's size field (log2 of the access bytes);
// Sp: the base register is SP (the SP alignment check comes first).
template <Extend E, Mode M, Privilege P, bool Sp>
ExecFn load_fn(unsigned size) {
    if (size == 0) return maybe_sp_checked<Sp, ldr<uint8_t, E, M, P>>();
    if (size == 1) return maybe_sp_checked<Sp, ldr<uint16_t, E, M, P>>();
    if constexpr (E != Extend::SignToW)
        if (size == 2) return maybe_sp_checked<Sp, ldr<uint32_t, E, M, P>>();
    if constexpr (E == Extend::Zero)
        if (size == 3) return maybe_sp_checked<Sp, ldr<uint64_t, E, M, P>>();
    return exec_undefined;  // the decoder's reserved-field rules keep these out
}

template <Mode M, Privilege P, bool Sp>
ExecFn store_fn(unsigned size) {
    switch (size) {
        case 0: return maybe_sp_checked<Sp, str<uint8_t, M, P>>();
        case 1: return maybe_sp_checked<Sp, str<uint16_t, M, P>>();
        case 2: return maybe_sp_checked<Sp, str<uint32_t, M, P>>();
        default: return maybe_sp_checked<Sp, str<uint64_t, M, P>>();
    }
}

// What a single-register row does with Rt.
enum class Kind : uint8_t { Store, Load, LoadSignedToX, LoadSignedToW, Prefetch };

template <Kind K, Mode M, Privilege P, bool Sp>
ExecFn single_instance(unsigned size) {
    if constexpr (K == Kind::Store) return store_fn<M, P, Sp>(size);
    else if constexpr (K == Kind::Load) return load_fn<Extend::Zero, M, P, Sp>(size);
    else if constexpr (K == Kind::LoadSignedToX) return load_fn<Extend::SignToX, M, P, Sp>(size);
    else if constexpr (K == Kind::LoadSignedToW) return load_fn<Extend::SignToW, M, P, Sp>(size);
    else return prefetch;  // a hint: no access, so no SP alignment check either
}

// The instance for this encoding: with the SP check when Rn is SP.
template <Kind K, Mode M, Privilege P = Privilege::Current>
ExecFn single_fn(const Decoded& d, unsigned size) {
    return d.field('n') == 31 ? single_instance<K, M, P, true>(size) : single_instance<K, M, P, false>(size);
}

template <Kind K>
void set_rt_rn(const Decoded& d, Inst& i) {
    // Rt is a source for stores and a destination for loads; either way 31 is XZR.
    i.d = K == Kind::Store ? slot_zr_src(d.field('t')) : slot_zr_dst(d.field('t'));
    i.n = slot_sp(d.field('n'));
}

// ---- Preparers.

// Unscaled, pre-index, post-index and unprivileged: a signed 9-bit byte offset.
// The unprivileged forms (LDTR, STTR...) access memory as EL0 would: at virtual EL1 they
// check EL0's permissions (FEAT_UAO, which would change that, is not implemented).
template <Kind K, Mode M, Privilege P = Privilege::Current>
void prepare_imm9(const Decoded& d, Inst& i) {
    i.exec = single_fn<K, M, P>(d, d.field('x'));
    set_rt_rn<K>(d, i);
    i.imm = static_cast<uint64_t>(d.signed_field('i'));
}

// Unsigned offset: imm12 scaled by the access size.
template <Kind K>
void prepare_imm12(const Decoded& d, Inst& i) {
    const unsigned size = d.field('x');
    i.exec = single_fn<K, Mode::Offset>(d, size);
    set_rt_rn<K>(d, i);
    i.imm = static_cast<uint64_t>(d.field('i')) << size;
}

// Register offset: option 010 UXTW, 011 LSL, 110 SXTW, 111 SXTX; S shifts by the access size.
template <Kind K>
void prepare_reg(const Decoded& d, Inst& i) {
    const unsigned size = d.field('x');
    switch (d.field('o')) {
        case 0b010: i.exec = single_fn<K, Mode::RegUxtw>(d, size); break;
        case 0b110: i.exec = single_fn<K, Mode::RegSxtw>(d, size); break;
        default: i.exec = single_fn<K, Mode::RegLsl>(d, size); break;  // 011 and 111; others are reserved
    }
    set_rt_rn<K>(d, i);
    i.m = slot_zr_src(d.field('m'));
    i.b0 = static_cast<uint8_t>(d.field('S') ? size : 0);
}

// Load literal: imm19 words from this instruction.
template <typename T, Extend E>
void prepare_literal(const Decoded& d, Inst& i) {
    i.exec = ldr_literal<T, E>;
    i.d = slot_zr_dst(d.field('t'));
    i.imm = static_cast<uint64_t>(d.signed_field('i') * 4);
}
void prepare_prefetch(const Decoded&, Inst& i) { i.exec = prefetch; }

// Pairs: imm7 scaled by the element size. Sf picks 32- or 64-bit elements; LDPSW has its own.
template <bool Load, Mode M, bool Sp>
ExecFn pair_fn(bool sf) {
    if constexpr (Load)
        return sf ? maybe_sp_checked<Sp, ldp<uint64_t, Extend::Zero, M>>() : maybe_sp_checked<Sp, ldp<uint32_t, Extend::Zero, M>>();
    else return sf ? maybe_sp_checked<Sp, stp<uint64_t, M>>() : maybe_sp_checked<Sp, stp<uint32_t, M>>();
}

template <bool Load, Mode M>
void prepare_pair(const Decoded& d, Inst& i) {
    const bool sf = d.field('z');
    i.exec = d.field('n') == 31 ? pair_fn<Load, M, true>(sf) : pair_fn<Load, M, false>(sf);
    i.d = Load ? slot_zr_dst(d.field('t')) : slot_zr_src(d.field('t'));
    i.a = Load ? slot_zr_dst(d.field('u')) : slot_zr_src(d.field('u'));
    i.n = slot_sp(d.field('n'));
    i.imm = static_cast<uint64_t>(d.signed_field('i') * (sf ? 8 : 4));
}

template <Mode M>
void prepare_ldpsw(const Decoded& d, Inst& i) {
    i.exec = d.field('n') == 31 ? maybe_sp_checked<true, ldp<uint32_t, Extend::SignToX, M>>()
                                : ldp<uint32_t, Extend::SignToX, M>;
    i.d = slot_zr_dst(d.field('t'));
    i.a = slot_zr_dst(d.field('u'));
    i.n = slot_sp(d.field('n'));
    i.imm = static_cast<uint64_t>(d.signed_field('i') * 4);
}

}  // namespace

void add_loads_and_stores(SemanticsTable& t) {
    auto set = [&](Op op, Preparer p) { t.prepare[static_cast<std::size_t>(op)] = p; };

    set(Op::LDR_lit_w, prepare_literal<uint32_t, Extend::Zero>);
    set(Op::LDR_lit_x, prepare_literal<uint64_t, Extend::Zero>);
    set(Op::LDRSW_lit, prepare_literal<uint32_t, Extend::SignToX>);
    set(Op::PRFM_lit, prepare_prefetch);

    set(Op::STNP, prepare_pair<false, Mode::Offset>);
    set(Op::LDNP, prepare_pair<true, Mode::Offset>);
    set(Op::STP_post, prepare_pair<false, Mode::PostIndex>);
    set(Op::LDP_post, prepare_pair<true, Mode::PostIndex>);
    set(Op::STP_off, prepare_pair<false, Mode::Offset>);
    set(Op::LDP_off, prepare_pair<true, Mode::Offset>);
    set(Op::STP_pre, prepare_pair<false, Mode::PreIndex>);
    set(Op::LDP_pre, prepare_pair<true, Mode::PreIndex>);
    set(Op::LDPSW_post, prepare_ldpsw<Mode::PostIndex>);
    set(Op::LDPSW_off, prepare_ldpsw<Mode::Offset>);
    set(Op::LDPSW_pre, prepare_ldpsw<Mode::PreIndex>);

    set(Op::STUR, prepare_imm9<Kind::Store, Mode::Offset>);
    set(Op::LDUR, prepare_imm9<Kind::Load, Mode::Offset>);
    set(Op::LDURS_x, prepare_imm9<Kind::LoadSignedToX, Mode::Offset>);
    set(Op::LDURS_w, prepare_imm9<Kind::LoadSignedToW, Mode::Offset>);
    set(Op::PRFUM, prepare_prefetch);

    set(Op::STR_post, prepare_imm9<Kind::Store, Mode::PostIndex>);
    set(Op::LDR_post, prepare_imm9<Kind::Load, Mode::PostIndex>);
    set(Op::LDRS_x_post, prepare_imm9<Kind::LoadSignedToX, Mode::PostIndex>);
    set(Op::LDRS_w_post, prepare_imm9<Kind::LoadSignedToW, Mode::PostIndex>);

    set(Op::STTR, prepare_imm9<Kind::Store, Mode::Offset, Privilege::Unprivileged>);
    set(Op::LDTR, prepare_imm9<Kind::Load, Mode::Offset, Privilege::Unprivileged>);
    set(Op::LDTRS_x, prepare_imm9<Kind::LoadSignedToX, Mode::Offset, Privilege::Unprivileged>);
    set(Op::LDTRS_w, prepare_imm9<Kind::LoadSignedToW, Mode::Offset, Privilege::Unprivileged>);

    set(Op::STR_pre, prepare_imm9<Kind::Store, Mode::PreIndex>);
    set(Op::LDR_pre, prepare_imm9<Kind::Load, Mode::PreIndex>);
    set(Op::LDRS_x_pre, prepare_imm9<Kind::LoadSignedToX, Mode::PreIndex>);
    set(Op::LDRS_w_pre, prepare_imm9<Kind::LoadSignedToW, Mode::PreIndex>);

    set(Op::STR_reg, prepare_reg<Kind::Store>);
    set(Op::LDR_reg, prepare_reg<Kind::Load>);
    set(Op::LDRS_x_reg, prepare_reg<Kind::LoadSignedToX>);
    set(Op::LDRS_w_reg, prepare_reg<Kind::LoadSignedToW>);
    set(Op::PRFM_reg, prepare_prefetch);

    set(Op::STR_imm, prepare_imm12<Kind::Store>);
    set(Op::LDR_imm, prepare_imm12<Kind::Load>);
    set(Op::LDRS_x_imm, prepare_imm12<Kind::LoadSignedToX>);
    set(Op::LDRS_w_imm, prepare_imm12<Kind::LoadSignedToW>);
    set(Op::PRFM_imm, prepare_prefetch);
}

}  // namespace trapeze
