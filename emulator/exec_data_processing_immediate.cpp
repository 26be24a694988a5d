// Semantics of C4.1.86 Data Processing -- Immediate: PC-relative addressing, add/subtract,
// logical, move wide, bitfield and extract.
#include "emulator/exec_common.h"

namespace trapeze {
namespace {

// ---- PC-relative addressing: imm is the offset from PC (ADR) or from PC's page (ADRP).
const Inst* adr(Cpu& cpu, const Inst* ip) {
    write_reg(cpu, ip->d, cpu.pc_of(ip) + ip->imm);
    return cpu.next(ip + 1);
}
const Inst* adrp(Cpu& cpu, const Inst* ip) {
    write_reg(cpu, ip->d, (cpu.pc_of(ip) & ~kPageMask) + ip->imm);
    return cpu.next(ip + 1);
}

// ---- Add/subtract (immediate): imm is the shifted imm12.
template <bool Sf, bool Sub, bool SetFlags>
const Inst* add_sub_imm(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    const T a = read_reg<T>(cpu, ip->n);
    const T b = static_cast<T>(ip->imm);
    T result;
    if constexpr (SetFlags)
        result = Sub ? sub_flags<T>(a, b, cpu.regs.nzcv) : add_flags<T>(a, b, cpu.regs.nzcv);
    else
        result = Sub ? a - b : a + b;
    write_reg(cpu, ip->d, result);
    return cpu.next(ip + 1);
}

// ---- Logical (immediate): imm is DecodeBitMasks' wmask.
enum class Logic : std::uint8_t { And, Orr, Eor, Ands };

template <bool Sf, Logic L>
const Inst* logical_imm(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    const T a = read_reg<T>(cpu, ip->n);
    const T b = static_cast<T>(ip->imm);
    T result;
    if constexpr (L == Logic::Orr) result = a | b;
    else if constexpr (L == Logic::Eor) result = a ^ b;
    else result = a & b;
    if constexpr (L == Logic::Ands) cpu.regs.nzcv = logical_flags(result);
    write_reg(cpu, ip->d, result);
    return cpu.next(ip + 1);
}

// ---- Move wide: imm is imm16 << (hw * 16); MOVK keeps the other bits (mask in w/b0).
template <bool Sf>
const Inst* movz(Cpu& cpu, const Inst* ip) {
    write_reg(cpu, ip->d, static_cast<Word<Sf>>(ip->imm));
    return cpu.next(ip + 1);
}
template <bool Sf>
const Inst* movn(Cpu& cpu, const Inst* ip) {
    write_reg(cpu, ip->d, static_cast<Word<Sf>>(~ip->imm));
    return cpu.next(ip + 1);
}
template <bool Sf>
const Inst* movk(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    const T keep = static_cast<T>(~(0xffffull << ip->b0));
    write_reg(cpu, ip->d, static_cast<T>((read_reg<T>(cpu, ip->d) & keep) | static_cast<T>(ip->imm)));
    return cpu.next(ip + 1);
}

// ---- Bitfield. With N = sf the element is the whole register, so DecodeBitMasks reduces
// to two shapes: S >= R extracts bits R..S to the bottom (UBFX, SBFX, LSR, ASR, BFXIL,
// SXTB...); S < R inserts bits 0..S at bit (width - R) (LSL, UBFIZ, SBFIZ, BFI).
// b0 = shift (R for extract, width - R for insert), b1 = field width, imm = ones(field width).
template <bool Sf>
const Inst* ubfm_extract(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    write_reg(cpu, ip->d, static_cast<T>((read_reg<T>(cpu, ip->n) >> ip->b0) & ip->imm));
    return cpu.next(ip + 1);
}
template <bool Sf>
const Inst* ubfm_insert(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    write_reg(cpu, ip->d, static_cast<T>((read_reg<T>(cpu, ip->n) & ip->imm) << ip->b0));
    return cpu.next(ip + 1);
}
template <bool Sf>
const Inst* sbfm_extract(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    const std::uint64_t field = (read_reg<T>(cpu, ip->n) >> ip->b0) & ip->imm;
    write_reg(cpu, ip->d, static_cast<T>(sign_extend(field, ip->b1)));
    return cpu.next(ip + 1);
}
template <bool Sf>
const Inst* sbfm_insert(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    const std::uint64_t field = read_reg<T>(cpu, ip->n) & ip->imm;
    write_reg(cpu, ip->d, static_cast<T>(static_cast<std::uint64_t>(sign_extend(field, ip->b1)) << ip->b0));
    return cpu.next(ip + 1);
}
template <bool Sf>
const Inst* bfm_extract(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    const T field = static_cast<T>((read_reg<T>(cpu, ip->n) >> ip->b0) & ip->imm);
    write_reg(cpu, ip->d, static_cast<T>((read_reg<T>(cpu, ip->d) & ~static_cast<T>(ip->imm)) | field));
    return cpu.next(ip + 1);
}
template <bool Sf>
const Inst* bfm_insert(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    const T mask = static_cast<T>(ip->imm << ip->b0);
    const T field = static_cast<T>((read_reg<T>(cpu, ip->n) & ip->imm) << ip->b0);
    write_reg(cpu, ip->d, static_cast<T>((read_reg<T>(cpu, ip->d) & ~mask) | field));
    return cpu.next(ip + 1);
}

// ---- Extract: (Rn:Rm) >> lsb, lsb in b0.
template <bool Sf>
const Inst* extr(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    constexpr unsigned width = Sf ? 64 : 32;
    const T lo = read_reg<T>(cpu, ip->m);
    const T hi = read_reg<T>(cpu, ip->n);
    const unsigned lsb = ip->b0;
    write_reg(cpu, ip->d, lsb == 0 ? lo : static_cast<T>((lo >> lsb) | (hi << (width - lsb))));
    return cpu.next(ip + 1);
}

// ---- Preparers.
void prepare_adr(const Decoded& d, Inst& i) {
    i.exec = adr;
    i.d = slot_zr_dst(d.field('d'));
    i.imm = static_cast<std::uint64_t>(sign_extend((d.field('h') << 2) | d.field('l'), 21));
}
void prepare_adrp(const Decoded& d, Inst& i) {
    i.exec = adrp;
    i.d = slot_zr_dst(d.field('d'));
    i.imm = static_cast<std::uint64_t>(sign_extend((d.field('h') << 2) | d.field('l'), 21)) << 12;
}

template <bool Sub, bool SetFlags>
void prepare_add_sub_imm(const Decoded& d, Inst& i) {
    const bool sf = d.field('z');
    i.exec = TRAPEZE_BY_SF(sf, add_sub_imm, Sub, SetFlags);
    i.n = slot_sp(d.field('n'));
    i.d = SetFlags ? slot_zr_dst(d.field('d')) : slot_sp(d.field('d'));
    i.imm = static_cast<std::uint64_t>(d.field('i')) << (d.field('h') ? 12 : 0);
}

template <Logic L>
void prepare_logical_imm(const Decoded& d, Inst& i) {
    const bool sf = d.field('z');
    i.exec = TRAPEZE_BY_SF(sf, logical_imm, L);
    i.n = slot_zr_src(d.field('n'));
    i.d = L == Logic::Ands ? slot_zr_dst(d.field('d')) : slot_sp(d.field('d'));
    i.imm = decode_bit_masks(d.field('N'), d.field('S'), d.field('r'), true, sf ? 64 : 32).wmask;
}

void prepare_move_wide(const Decoded& d, Inst& i) {
    const bool sf = d.field('z');
    switch (d.op) {
        case Op::MOVN: i.exec = TRAPEZE_BY_SF(sf, movn); break;
        case Op::MOVZ: i.exec = TRAPEZE_BY_SF(sf, movz); break;
        default: i.exec = TRAPEZE_BY_SF(sf, movk); break;
    }
    i.d = slot_zr_dst(d.field('d'));
    i.b0 = static_cast<std::uint8_t>(d.field('h') * 16);
    i.imm = static_cast<std::uint64_t>(d.field('i')) << i.b0;
}

void prepare_bitfield(const Decoded& d, Inst& i) {
    const bool sf = d.field('z');
    const unsigned width = sf ? 64 : 32;
    const unsigned r = d.field('r'), s = d.field('S');
    const bool extract = s >= r;
    i.n = slot_zr_src(d.field('n'));
    i.d = slot_zr_dst(d.field('d'));
    i.b0 = static_cast<std::uint8_t>(extract ? r : width - r);
    i.b1 = static_cast<std::uint8_t>(extract ? s - r + 1 : s + 1);
    i.imm = ones(i.b1);
    switch (d.op) {
        case Op::SBFM: i.exec = extract ? TRAPEZE_BY_SF(sf, sbfm_extract) : TRAPEZE_BY_SF(sf, sbfm_insert); break;
        case Op::BFM: i.exec = extract ? TRAPEZE_BY_SF(sf, bfm_extract) : TRAPEZE_BY_SF(sf, bfm_insert); break;
        default: i.exec = extract ? TRAPEZE_BY_SF(sf, ubfm_extract) : TRAPEZE_BY_SF(sf, ubfm_insert); break;
    }
}

void prepare_extr(const Decoded& d, Inst& i) {
    const bool sf = d.field('z');
    i.exec = TRAPEZE_BY_SF(sf, extr);
    i.n = slot_zr_src(d.field('n'));
    i.m = slot_zr_src(d.field('m'));
    i.d = slot_zr_dst(d.field('d'));
    i.b0 = static_cast<std::uint8_t>(d.field('S'));
}

}  // namespace

void add_data_processing_immediate(SemanticsTable& t) {
    auto set = [&](Op op, Preparer p) { t.prepare[static_cast<std::size_t>(op)] = p; };
    set(Op::ADR, prepare_adr);
    set(Op::ADRP, prepare_adrp);
    set(Op::ADD_imm, prepare_add_sub_imm<false, false>);
    set(Op::ADDS_imm, prepare_add_sub_imm<false, true>);
    set(Op::SUB_imm, prepare_add_sub_imm<true, false>);
    set(Op::SUBS_imm, prepare_add_sub_imm<true, true>);
    set(Op::AND_imm, prepare_logical_imm<Logic::And>);
    set(Op::ORR_imm, prepare_logical_imm<Logic::Orr>);
    set(Op::EOR_imm, prepare_logical_imm<Logic::Eor>);
    set(Op::ANDS_imm, prepare_logical_imm<Logic::Ands>);
    set(Op::MOVN, prepare_move_wide);
    set(Op::MOVZ, prepare_move_wide);
    set(Op::MOVK, prepare_move_wide);
    set(Op::SBFM, prepare_bitfield);
    set(Op::BFM, prepare_bitfield);
    set(Op::UBFM, prepare_bitfield);
    set(Op::EXTR, prepare_extr);
}

}  // namespace trapeze
