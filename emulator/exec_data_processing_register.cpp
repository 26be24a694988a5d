// Semantics of C4.1.89 Data Processing -- Register: 2-source, 1-source, logical and add/subtract
// (shifted and extended register), with carry, conditional compare and select, 3-source.
#include <array>
#include <bit>

#include "emulator/exec_common.h"

namespace trapeze {
namespace {

// DecodeShift: the shift type field of the shifted-register forms.
enum class Shift : std::uint8_t { Lsl, Lsr, Asr, Ror };

// ShiftReg with an amount already reduced to 0..width-1.
template <Shift S, typename T>
inline T shift_reg(T value, unsigned amount) {
    using Signed = std::make_signed_t<T>;
    if constexpr (S == Shift::Lsl) return static_cast<T>(value << amount);
    else if constexpr (S == Shift::Lsr) return static_cast<T>(value >> amount);
    else if constexpr (S == Shift::Asr) return static_cast<T>(static_cast<Signed>(value) >> amount);
    else return std::rotr(value, static_cast<int>(amount));
}

// ---- Data-processing (2 source)

// UDIV/SDIV round towards zero; a zero divisor gives zero (no trap in A64).
template <bool Sf>
const Inst* udiv(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    const T n = read_reg<T>(cpu, ip->n);
    const T m = read_reg<T>(cpu, ip->m);
    write_reg(cpu, ip->d, m == 0 ? T{0} : static_cast<T>(n / m));
    return cpu.next(ip + 1);
}
template <bool Sf>
const Inst* sdiv(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    using Signed = std::make_signed_t<T>;
    const auto n = static_cast<Signed>(read_reg<T>(cpu, ip->n));
    const auto m = static_cast<Signed>(read_reg<T>(cpu, ip->m));
    T result;
    if (m == 0) result = 0;
    // INT_MIN / -1 is +2^(width-1), which truncates back to INT_MIN (and is UB in C++).
    else if (m == -1) result = static_cast<T>(T{0} - static_cast<T>(n));
    else result = static_cast<T>(n / m);
    write_reg(cpu, ip->d, result);
    return cpu.next(ip + 1);
}

// LSLV/LSRV/ASRV/RORV: the amount is Rm modulo the width.
template <bool Sf, Shift S>
const Inst* shift_variable(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    constexpr unsigned width = Sf ? 64 : 32;
    const auto amount = static_cast<unsigned>(read_reg<T>(cpu, ip->m) % width);
    write_reg(cpu, ip->d, shift_reg<S>(read_reg<T>(cpu, ip->n), amount));
    return cpu.next(ip + 1);
}

// The manual's CRC32 pseudocode bit-reverses the accumulator and the data, divides by the
// polynomial and reverses the remainder: that is the reflected (LSB-first) CRC with the
// polynomial bit-reversed, and with no initial or final inversion. One table per polynomial.
constexpr std::uint32_t kCrc32Poly = 0x04C11DB7;   // CRC32*: ISO-HDLC
constexpr std::uint32_t kCrc32CPoly = 0x1EDC6F41;  // CRC32C*: Castagnoli

constexpr std::uint32_t reverse_bits32(std::uint32_t v) {
    std::uint32_t r = 0;
    for (int i = 0; i < 32; ++i) r |= ((v >> i) & 1u) << (31 - i);
    return r;
}

constexpr std::array<std::uint32_t, 256> crc_table(std::uint32_t poly) {
    const std::uint32_t reflected = reverse_bits32(poly);
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t crc = i;
        for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? reflected : 0);
        table[i] = crc;
    }
    return table;
}
constexpr auto kCrc32Table = crc_table(kCrc32Poly);
constexpr auto kCrc32CTable = crc_table(kCrc32CPoly);

// Bytes is 1, 2, 4 or 8 (CRC32B/H/W/X); the data is the low bytes of Rm, first byte first.
template <unsigned Bytes, bool Castagnoli>
const Inst* crc32(Cpu& cpu, const Inst* ip) {
    const auto& table = Castagnoli ? kCrc32CTable : kCrc32Table;
    auto crc = read_reg<std::uint32_t>(cpu, ip->n);
    std::uint64_t data = cpu.regs.x[ip->m];
    for (unsigned i = 0; i < Bytes; ++i, data >>= 8) crc = (crc >> 8) ^ table[(crc ^ data) & 0xff];
    write_reg(cpu, ip->d, crc);
    return cpu.next(ip + 1);
}

// ---- Data-processing (1 source)

// Swaps each group of `bits` bits selected by low_mask with the group just above it.
constexpr std::uint64_t swap_adjacent(std::uint64_t v, unsigned bits, std::uint64_t low_mask) {
    return ((v & low_mask) << bits) | ((v >> bits) & low_mask);
}

// std::byteswap is C++23; the builtins are one BSWAP/REV instruction.
template <typename T>
inline T byte_reverse(T v) {
    if constexpr (sizeof(T) == 8) return __builtin_bswap64(v);
    else return __builtin_bswap32(v);
}

template <bool Sf>
const Inst* rbit(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    // Reverse the bits inside each byte, then the bytes.
    std::uint64_t v = read_reg<T>(cpu, ip->n);
    v = swap_adjacent(v, 1, 0x5555'5555'5555'5555);
    v = swap_adjacent(v, 2, 0x3333'3333'3333'3333);
    v = swap_adjacent(v, 4, 0x0f0f'0f0f'0f0f'0f0f);
    write_reg(cpu, ip->d, byte_reverse(static_cast<T>(v)));
    return cpu.next(ip + 1);
}
template <bool Sf>
const Inst* rev16(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    write_reg(cpu, ip->d, static_cast<T>(swap_adjacent(read_reg<T>(cpu, ip->n), 8, 0x00ff'00ff'00ff'00ff)));
    return cpu.next(ip + 1);
}
// REV (32-bit) and REV (64-bit): reverse all bytes of the register.
template <bool Sf>
const Inst* rev(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    write_reg(cpu, ip->d, byte_reverse(read_reg<T>(cpu, ip->n)));
    return cpu.next(ip + 1);
}
// REV32: reverse the bytes of each 32-bit word of an X register.
const Inst* rev32(Cpu& cpu, const Inst* ip) {
    std::uint64_t v = cpu.regs.x[ip->n];
    v = swap_adjacent(v, 8, 0x00ff'00ff'00ff'00ff);
    v = swap_adjacent(v, 16, 0x0000'ffff'0000'ffff);
    write_reg(cpu, ip->d, v);
    return cpu.next(ip + 1);
}
template <bool Sf>
const Inst* clz(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    write_reg(cpu, ip->d, static_cast<T>(std::countl_zero(read_reg<T>(cpu, ip->n))));
    return cpu.next(ip + 1);
}
// CountLeadingSignBits(x) = CLZ(x<N-1:1> EOR x<N-2:0>). Bit i of x ^ (x << 1) holds
// x<i> EOR x<i-1>; setting bit 0 caps the count at N-1, as the (N-1)-bit CLZ does.
template <bool Sf>
const Inst* cls(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    const T x = read_reg<T>(cpu, ip->n);
    write_reg(cpu, ip->d, static_cast<T>(std::countl_zero(static_cast<T>((x ^ (x << 1)) | 1))));
    return cpu.next(ip + 1);
}

// ---- Logical (shifted register): b0 = shift amount.
enum class Logic : std::uint8_t { And, Orr, Eor, Ands };

// Invert is the N bit: BIC, ORN, EON and BICS use NOT(operand2).
template <bool Sf, Logic L, bool Invert, Shift S>
const Inst* logical_shift(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    const T a = read_reg<T>(cpu, ip->n);
    T b = shift_reg<S>(read_reg<T>(cpu, ip->m), ip->b0);
    if constexpr (Invert) b = static_cast<T>(~b);
    T result;
    if constexpr (L == Logic::Orr) result = a | b;
    else if constexpr (L == Logic::Eor) result = a ^ b;
    else result = a & b;
    if constexpr (L == Logic::Ands) cpu.regs.nzcv = logical_flags(result);
    write_reg(cpu, ip->d, result);
    return cpu.next(ip + 1);
}

// ---- Add/subtract: the shared AddWithCarry step (operand2 already shifted or extended).
template <typename T, bool Sub, bool SetFlags>
inline T add_sub(Cpu& cpu, T a, T b) {
    if constexpr (SetFlags)
        return Sub ? sub_flags<T>(a, b, cpu.regs.nzcv) : add_flags<T>(a, b, cpu.regs.nzcv);
    else
        return Sub ? static_cast<T>(a - b) : static_cast<T>(a + b);
}

// Shifted register: b0 = shift amount (ROR is reserved here).
template <bool Sf, bool Sub, bool SetFlags, Shift S>
const Inst* add_sub_shift(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    const T b = shift_reg<S>(read_reg<T>(cpu, ip->m), ip->b0);
    write_reg(cpu, ip->d, add_sub<T, Sub, SetFlags>(cpu, read_reg<T>(cpu, ip->n), b));
    return cpu.next(ip + 1);
}

// Extended register: ExtendReg is "keep the low len bits, zero- or sign-extend, shift left".
// b1 = 64 - len moves bit len-1 to bit 63 and back; b0 = the left shift 0..4. Working in
// 64 bits and truncating gives the same low bits as the manual's Min(len, N - shift).
template <bool Sf, bool Sub, bool SetFlags, bool SignExtend>
const Inst* add_sub_ext(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    const std::uint64_t m = cpu.regs.x[ip->m] << ip->b1;
    const std::uint64_t extended =
        SignExtend ? static_cast<std::uint64_t>(static_cast<std::int64_t>(m) >> ip->b1) : m >> ip->b1;
    const auto b = static_cast<T>(extended << ip->b0);
    write_reg(cpu, ip->d, add_sub<T, Sub, SetFlags>(cpu, read_reg<T>(cpu, ip->n), b));
    return cpu.next(ip + 1);
}

// ---- Add/subtract (with carry): ADC is Rn + Rm + C, SBC is Rn + NOT(Rm) + C.
template <bool Sf, bool Sub, bool SetFlags>
const Inst* add_sub_carry(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    const T a = read_reg<T>(cpu, ip->n);
    T b = read_reg<T>(cpu, ip->m);
    if constexpr (Sub) b = static_cast<T>(~b);
    const bool carry = cpu.regs.nzcv & kFlagC;
    T result;
    if constexpr (SetFlags) result = add_with_carry<T>(a, b, carry, cpu.regs.nzcv);
    else result = static_cast<T>(a + b + T{carry});
    write_reg(cpu, ip->d, result);
    return cpu.next(ip + 1);
}

// ---- Conditional compare: b0 = cond, w = the nzcv field in place (bits 31..28).
// CCMP compares (Rn - op2), CCMN compares (Rn + op2); when cond fails, NZCV = #nzcv.
// With Imm, op2 is imm (the 5-bit immediate), else the register in slot m.
template <bool Sf, bool Negative, bool Imm>
const Inst* cond_compare(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    if (!condition_holds(cpu.regs.nzcv, ip->b0)) {
        cpu.regs.nzcv = ip->w;
        return cpu.next(ip + 1);
    }
    const T a = read_reg<T>(cpu, ip->n);
    const T b = Imm ? static_cast<T>(ip->imm) : read_reg<T>(cpu, ip->m);
    if constexpr (Negative) add_flags<T>(a, b, cpu.regs.nzcv);
    else sub_flags<T>(a, b, cpu.regs.nzcv);
    return cpu.next(ip + 1);
}

// ---- Conditional select: b0 = cond; the false arm is Rm, Rm + 1, NOT(Rm) or -Rm.
enum class Select : std::uint8_t { Sel, Inc, Inv, Neg };

template <bool Sf, Select Sel>
const Inst* cond_select(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    T result;
    if (condition_holds(cpu.regs.nzcv, ip->b0)) {
        result = read_reg<T>(cpu, ip->n);
    } else {
        const T m = read_reg<T>(cpu, ip->m);
        if constexpr (Sel == Select::Inc) result = static_cast<T>(m + 1);
        else if constexpr (Sel == Select::Inv) result = static_cast<T>(~m);
        else if constexpr (Sel == Select::Neg) result = static_cast<T>(T{0} - m);
        else result = m;
    }
    write_reg(cpu, ip->d, result);
    return cpu.next(ip + 1);
}

// ---- Data-processing (3 source): Ra +/- Rn * Rm, modulo the width.
template <bool Sf, bool Sub>
const Inst* madd(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    const T product = static_cast<T>(read_reg<T>(cpu, ip->n) * read_reg<T>(cpu, ip->m));
    const T a = read_reg<T>(cpu, ip->a);
    write_reg(cpu, ip->d, Sub ? static_cast<T>(a - product) : static_cast<T>(a + product));
    return cpu.next(ip + 1);
}
// SMADDL/SMSUBL/UMADDL/UMSUBL: 32 x 32 -> 64-bit product of Wn and Wm, added to Xa.
template <bool Sub, bool Signed>
const Inst* madd_long(Cpu& cpu, const Inst* ip) {
    std::uint64_t product;
    if constexpr (Signed) {
        const auto n = static_cast<std::int32_t>(cpu.regs.x[ip->n]);
        const auto m = static_cast<std::int32_t>(cpu.regs.x[ip->m]);
        product = static_cast<std::uint64_t>(std::int64_t{n} * m);
    } else {
        product = std::uint64_t{static_cast<std::uint32_t>(cpu.regs.x[ip->n])} *
                  static_cast<std::uint32_t>(cpu.regs.x[ip->m]);
    }
    const std::uint64_t a = cpu.regs.x[ip->a];
    write_reg(cpu, ip->d, Sub ? a - product : a + product);
    return cpu.next(ip + 1);
}
// SMULH/UMULH: bits 127..64 of the full 128-bit product.
template <bool Signed>
const Inst* mul_high(Cpu& cpu, const Inst* ip) {
    std::uint64_t high;
    if constexpr (Signed) {
        const __int128 product = static_cast<__int128>(static_cast<std::int64_t>(cpu.regs.x[ip->n])) *
                                 static_cast<std::int64_t>(cpu.regs.x[ip->m]);
        high = static_cast<std::uint64_t>(product >> 64);
    } else {
        const unsigned __int128 product =
            static_cast<unsigned __int128>(cpu.regs.x[ip->n]) * cpu.regs.x[ip->m];
        high = static_cast<std::uint64_t>(product >> 64);
    }
    write_reg(cpu, ip->d, high);
    return cpu.next(ip + 1);
}

// ---- Preparers. In this class register 31 is XZR everywhere except Rn and Rd of the
// extended-register add/subtract forms (SP, but Rd is XZR again when flags are set).

// The common operand slots d, n, m (and a for the 3-source forms), all XZR for 31.
void set_zr_operands(const Decoded& d, Inst& i) {
    i.d = slot_zr_dst(d.field('d'));
    i.n = slot_zr_src(d.field('n'));
    i.m = slot_zr_src(d.field('m'));
}

void prepare_udiv(const Decoded& d, Inst& i) {
    set_zr_operands(d, i);
    i.exec = TRAPEZE_BY_SF(d.field('z'), udiv);
}
void prepare_sdiv(const Decoded& d, Inst& i) {
    set_zr_operands(d, i);
    i.exec = TRAPEZE_BY_SF(d.field('z'), sdiv);
}

template <Shift S>
void prepare_shift_variable(const Decoded& d, Inst& i) {
    set_zr_operands(d, i);
    i.exec = TRAPEZE_BY_SF(d.field('z'), shift_variable, S);
}

template <bool Castagnoli>
void prepare_crc32(const Decoded& d, Inst& i) {
    set_zr_operands(d, i);
    switch (d.field('x')) {
        case 0: i.exec = crc32<1, Castagnoli>; break;
        case 1: i.exec = crc32<2, Castagnoli>; break;
        case 2: i.exec = crc32<4, Castagnoli>; break;
        default: i.exec = crc32<8, Castagnoli>; break;
    }
}

void prepare_one_source(const Decoded& d, Inst& i) {
    const bool sf = d.field('z');
    i.d = slot_zr_dst(d.field('d'));
    i.n = slot_zr_src(d.field('n'));
    switch (d.op) {
        case Op::RBIT: i.exec = TRAPEZE_BY_SF(sf, rbit); break;
        case Op::REV16: i.exec = TRAPEZE_BY_SF(sf, rev16); break;
        case Op::REV_w: i.exec = rev<false>; break;
        case Op::REV32: i.exec = rev32; break;
        case Op::REV_x: i.exec = rev<true>; break;
        case Op::CLZ: i.exec = TRAPEZE_BY_SF(sf, clz); break;
        default: i.exec = TRAPEZE_BY_SF(sf, cls); break;
    }
}

template <Logic L, bool Invert>
void prepare_logical_shift(const Decoded& d, Inst& i) {
    const bool sf = d.field('z');
    set_zr_operands(d, i);
    i.b0 = static_cast<std::uint8_t>(d.field('y'));
    switch (static_cast<Shift>(d.field('k'))) {
        case Shift::Lsl: i.exec = TRAPEZE_BY_SF(sf, logical_shift, L, Invert, Shift::Lsl); break;
        case Shift::Lsr: i.exec = TRAPEZE_BY_SF(sf, logical_shift, L, Invert, Shift::Lsr); break;
        case Shift::Asr: i.exec = TRAPEZE_BY_SF(sf, logical_shift, L, Invert, Shift::Asr); break;
        case Shift::Ror: i.exec = TRAPEZE_BY_SF(sf, logical_shift, L, Invert, Shift::Ror); break;
    }
}

template <bool Sub, bool SetFlags>
void prepare_add_sub_shift(const Decoded& d, Inst& i) {
    const bool sf = d.field('z');
    set_zr_operands(d, i);
    i.b0 = static_cast<std::uint8_t>(d.field('y'));
    // Shift type 3 (ROR) is reserved: the decoder's rules make it UNDEFINED.
    switch (static_cast<Shift>(d.field('k'))) {
        case Shift::Lsl: i.exec = TRAPEZE_BY_SF(sf, add_sub_shift, Sub, SetFlags, Shift::Lsl); break;
        case Shift::Lsr: i.exec = TRAPEZE_BY_SF(sf, add_sub_shift, Sub, SetFlags, Shift::Lsr); break;
        default: i.exec = TRAPEZE_BY_SF(sf, add_sub_shift, Sub, SetFlags, Shift::Asr); break;
    }
}

template <bool Sub, bool SetFlags>
void prepare_add_sub_ext(const Decoded& d, Inst& i) {
    const bool sf = d.field('z');
    const unsigned option = d.field('o');  // UXTB, UXTH, UXTW, UXTX, SXTB, SXTH, SXTW, SXTX
    const bool sign_extend = option & 4;
    const unsigned len = 8u << (option & 3);
    i.d = SetFlags ? slot_zr_dst(d.field('d')) : slot_sp(d.field('d'));
    i.n = slot_sp(d.field('n'));
    i.m = slot_zr_src(d.field('m'));
    i.b0 = static_cast<std::uint8_t>(d.field('i'));
    i.b1 = static_cast<std::uint8_t>(64 - len);
    i.exec = sign_extend ? TRAPEZE_BY_SF(sf, add_sub_ext, Sub, SetFlags, true)
                         : TRAPEZE_BY_SF(sf, add_sub_ext, Sub, SetFlags, false);
}

template <bool Sub, bool SetFlags>
void prepare_add_sub_carry(const Decoded& d, Inst& i) {
    set_zr_operands(d, i);
    i.exec = TRAPEZE_BY_SF(d.field('z'), add_sub_carry, Sub, SetFlags);
}

template <bool Negative, bool Imm>
void prepare_cond_compare(const Decoded& d, Inst& i) {
    i.n = slot_zr_src(d.field('n'));
    if constexpr (Imm) i.imm = d.field('i');
    else i.m = slot_zr_src(d.field('m'));
    i.b0 = static_cast<std::uint8_t>(d.field('c'));
    i.w = d.field('f') << 28;
    i.exec = TRAPEZE_BY_SF(d.field('z'), cond_compare, Negative, Imm);
}

template <Select Sel>
void prepare_cond_select(const Decoded& d, Inst& i) {
    set_zr_operands(d, i);
    i.b0 = static_cast<std::uint8_t>(d.field('c'));
    i.exec = TRAPEZE_BY_SF(d.field('z'), cond_select, Sel);
}

template <bool Sub>
void prepare_madd(const Decoded& d, Inst& i) {
    set_zr_operands(d, i);
    i.a = slot_zr_src(d.field('a'));
    i.exec = TRAPEZE_BY_SF(d.field('z'), madd, Sub);
}
template <bool Sub, bool Signed>
void prepare_madd_long(const Decoded& d, Inst& i) {
    set_zr_operands(d, i);
    i.a = slot_zr_src(d.field('a'));
    i.exec = madd_long<Sub, Signed>;
}
// Ra is ignored by SMULH/UMULH (the manual's encodings show it as 11111).
template <bool Signed>
void prepare_mul_high(const Decoded& d, Inst& i) {
    set_zr_operands(d, i);
    i.exec = mul_high<Signed>;
}

}  // namespace

void add_data_processing_register(SemanticsTable& t) {
    auto set = [&](Op op, Preparer p) { t.prepare[static_cast<std::size_t>(op)] = p; };
    set(Op::UDIV, prepare_udiv);
    set(Op::SDIV, prepare_sdiv);
    set(Op::LSLV, prepare_shift_variable<Shift::Lsl>);
    set(Op::LSRV, prepare_shift_variable<Shift::Lsr>);
    set(Op::ASRV, prepare_shift_variable<Shift::Asr>);
    set(Op::RORV, prepare_shift_variable<Shift::Ror>);
    set(Op::CRC32, prepare_crc32<false>);
    set(Op::CRC32C, prepare_crc32<true>);
    for (Op op : {Op::RBIT, Op::REV16, Op::REV_w, Op::REV32, Op::REV_x, Op::CLZ, Op::CLS})
        set(op, prepare_one_source);
    set(Op::AND_reg, prepare_logical_shift<Logic::And, false>);
    set(Op::BIC_reg, prepare_logical_shift<Logic::And, true>);
    set(Op::ORR_reg, prepare_logical_shift<Logic::Orr, false>);
    set(Op::ORN_reg, prepare_logical_shift<Logic::Orr, true>);
    set(Op::EOR_reg, prepare_logical_shift<Logic::Eor, false>);
    set(Op::EON_reg, prepare_logical_shift<Logic::Eor, true>);
    set(Op::ANDS_reg, prepare_logical_shift<Logic::Ands, false>);
    set(Op::BICS_reg, prepare_logical_shift<Logic::Ands, true>);
    set(Op::ADD_shift, prepare_add_sub_shift<false, false>);
    set(Op::ADDS_shift, prepare_add_sub_shift<false, true>);
    set(Op::SUB_shift, prepare_add_sub_shift<true, false>);
    set(Op::SUBS_shift, prepare_add_sub_shift<true, true>);
    set(Op::ADD_ext, prepare_add_sub_ext<false, false>);
    set(Op::ADDS_ext, prepare_add_sub_ext<false, true>);
    set(Op::SUB_ext, prepare_add_sub_ext<true, false>);
    set(Op::SUBS_ext, prepare_add_sub_ext<true, true>);
    set(Op::ADC, prepare_add_sub_carry<false, false>);
    set(Op::ADCS, prepare_add_sub_carry<false, true>);
    set(Op::SBC, prepare_add_sub_carry<true, false>);
    set(Op::SBCS, prepare_add_sub_carry<true, true>);
    set(Op::CCMN_reg, prepare_cond_compare<true, false>);
    set(Op::CCMN_imm, prepare_cond_compare<true, true>);
    set(Op::CCMP_reg, prepare_cond_compare<false, false>);
    set(Op::CCMP_imm, prepare_cond_compare<false, true>);
    set(Op::CSEL, prepare_cond_select<Select::Sel>);
    set(Op::CSINC, prepare_cond_select<Select::Inc>);
    set(Op::CSINV, prepare_cond_select<Select::Inv>);
    set(Op::CSNEG, prepare_cond_select<Select::Neg>);
    set(Op::MADD, prepare_madd<false>);
    set(Op::MSUB, prepare_madd<true>);
    set(Op::SMADDL, prepare_madd_long<false, true>);
    set(Op::SMSUBL, prepare_madd_long<true, true>);
    set(Op::UMADDL, prepare_madd_long<false, false>);
    set(Op::UMSUBL, prepare_madd_long<true, false>);
    set(Op::SMULH, prepare_mul_high<true>);
    set(Op::UMULH, prepare_mul_high<false>);
}

}  // namespace trapeze
