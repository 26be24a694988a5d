// Disassembly: Capstone for what it knows, a table-driven formatter from the decoded fields
// for the encodings Capstone 4.0.2 rejects (LSE atomics, CAS/CASP, LDAPR, PAuth ERETA,
// unallocated PSTATE fields, and loads/stores whose register overlap is CONSTRAINED
// UNPREDICTABLE but which the decoder accepts, general-purpose and SIMD&FP).
#include "decoder/disassembler.h"

#include <capstone/capstone.h>
#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace trapeze {
namespace {

// ---- Capstone: one handle for the whole program, one instruction per call ----

class Capstone {
public:
    Capstone() {
        if (cs_open(CS_ARCH_ARM64, CS_MODE_ARM, &handle_) != CS_ERR_OK) return;
        insn_ = cs_malloc(handle_);
        ok_ = insn_ != nullptr;
    }
    ~Capstone() {
        if (insn_) cs_free(insn_, 1);
        if (ok_ || handle_) cs_close(&handle_);
    }
    Capstone(const Capstone&) = delete;
    Capstone& operator=(const Capstone&) = delete;

    // Capstone's text for one word, or an empty string when it does not know the word.
    std::string text(std::uint32_t word, std::uint64_t pc) {
        if (!ok_) return {};
        const std::array<std::uint8_t, 4> bytes{static_cast<std::uint8_t>(word), static_cast<std::uint8_t>(word >> 8),
                                                static_cast<std::uint8_t>(word >> 16),
                                                static_cast<std::uint8_t>(word >> 24)};
        // cs_disasm_iter reuses one cs_insn; the handle is not safe to share between threads.
        const std::lock_guard lock(mutex_);
        const std::uint8_t* code = bytes.data();
        std::size_t size = bytes.size();
        std::uint64_t address = pc;
        if (!cs_disasm_iter(handle_, &code, &size, &address, insn_)) return {};
        std::string out = insn_->mnemonic;
        if (insn_->op_str[0] != '\0') {
            out += ' ';
            out += insn_->op_str;
        }
        return out;
    }

private:
    csh handle_ = 0;
    cs_insn* insn_ = nullptr;
    bool ok_ = false;
    std::mutex mutex_;
};

Capstone& capstone() {
    static Capstone instance;
    return instance;
}

// ---- the decoder's own formatter ----

// Which register width the row's operands use.
enum class Width : std::uint8_t {
    BySize,  // size field x: 3 is X, else W (single-register loads/stores, CAS, LSE)
    Sf,    // sf field z: 1 is X
    X,     // always X (loads that sign-extend to 64 bits, LDPSW)
    W,     // always W
    FpOpc,  // SIMD&FP registers S, D, Q by the opc field x (SIMD&FP pairs)
};

// What follows the base mnemonic.
enum class Suffix : std::uint8_t {
    Plain,
    SizeBH,      // b / h for byte and halfword sizes
    SizeBHW,     // b / h / w (sign-extending loads)
    AcqRelSize,  // a if acquire, l if release, then b / h
    AcqRel,      // a if acquire, l if release
    KeyAB,       // aa / ab by the PAuth key field M
};

// How the memory operand is written.
enum class Addr : std::uint8_t {
    NoMemory,        // no memory operand
    Base,            // [Xn|SP]
    Offset,          // [Xn|SP, #simm], the offset left out when zero
    UnsignedOffset,  // [Xn|SP, #uimm], the offset left out when zero
    Pre,             // [Xn|SP, #simm]!
    Post,            // [Xn|SP], #simm
};

// What the immediate is multiplied by.
enum class Scale : std::uint8_t {
    One,
    SizeScaled,  // 1 << size
    Pair,  // 4 << sf
    Four,
    FpPair,  // 4 << opc (SIMD&FP pairs)
};

struct Formatter {
    Op op;
    std::string_view mnemonic;
    Suffix suffix;
    Width width;
    // Register operands before the memory operand: a field letter, '+' after it for the next
    // register of a pair (CASP), 'W' before it to force a 32-bit register (status results).
    std::string_view regs;
    Addr addr;
    Scale scale;
    bool st_alias = false;  // LD<op> with Rt = XZR and no acquire prints as ST<op> (the manual's alias)
};

using enum Suffix;
using enum Width;
using enum Addr;
using enum Scale;

constexpr Formatter kFormatters[] = {
    // PAuth exception return
    {Op::ERETA, "eret", KeyAB, X, "", NoMemory, One},
    // Exclusive register and pair (Capstone rejects pairs with Rt == Rt2)
    {Op::STXR, "stxr", SizeBH, BySize, "Wst", Base, One},
    {Op::STLXR, "stlxr", SizeBH, BySize, "Wst", Base, One},
    {Op::LDXR, "ldxr", SizeBH, BySize, "t", Base, One},
    {Op::LDAXR, "ldaxr", SizeBH, BySize, "t", Base, One},
    {Op::STXP, "stxp", Plain, Sf, "Wstu", Base, One},
    {Op::STLXP, "stlxp", Plain, Sf, "Wstu", Base, One},
    {Op::LDXP, "ldxp", Plain, Sf, "tu", Base, One},
    {Op::LDAXP, "ldaxp", Plain, Sf, "tu", Base, One},
    {Op::STLR, "stlr", SizeBH, BySize, "t", Base, One},
    {Op::LDAR, "ldar", SizeBH, BySize, "t", Base, One},
    // Compare and swap (FEAT_LSE)
    {Op::CAS, "cas", AcqRelSize, BySize, "st", Base, One},
    {Op::CASP, "casp", AcqRel, Sf, "ss+tt+", Base, One},
    // Pairs (Capstone rejects writeback with Rn == Rt and loads with Rt == Rt2)
    {Op::STNP, "stnp", Plain, Sf, "tu", Offset, Pair},
    {Op::LDNP, "ldnp", Plain, Sf, "tu", Offset, Pair},
    {Op::STP_post, "stp", Plain, Sf, "tu", Post, Pair},
    {Op::LDP_post, "ldp", Plain, Sf, "tu", Post, Pair},
    {Op::STP_off, "stp", Plain, Sf, "tu", Offset, Pair},
    {Op::LDP_off, "ldp", Plain, Sf, "tu", Offset, Pair},
    {Op::STP_pre, "stp", Plain, Sf, "tu", Pre, Pair},
    {Op::LDP_pre, "ldp", Plain, Sf, "tu", Pre, Pair},
    {Op::LDPSW_post, "ldpsw", Plain, X, "tu", Post, Four},
    {Op::LDPSW_off, "ldpsw", Plain, X, "tu", Offset, Four},
    {Op::LDPSW_pre, "ldpsw", Plain, X, "tu", Pre, Four},
    // SIMD&FP pairs (Capstone rejects loads with Vt == Vt2)
    {Op::STNP_fp, "stnp", Plain, FpOpc, "tu", Offset, FpPair},
    {Op::LDNP_fp, "ldnp", Plain, FpOpc, "tu", Offset, FpPair},
    {Op::STP_fp_post, "stp", Plain, FpOpc, "tu", Post, FpPair},
    {Op::LDP_fp_post, "ldp", Plain, FpOpc, "tu", Post, FpPair},
    {Op::STP_fp_off, "stp", Plain, FpOpc, "tu", Offset, FpPair},
    {Op::LDP_fp_off, "ldp", Plain, FpOpc, "tu", Offset, FpPair},
    {Op::STP_fp_pre, "stp", Plain, FpOpc, "tu", Pre, FpPair},
    {Op::LDP_fp_pre, "ldp", Plain, FpOpc, "tu", Pre, FpPair},
    // Single register, immediate forms (Capstone rejects writeback with Rn == Rt)
    {Op::STUR, "stur", SizeBH, BySize, "t", Offset, One},
    {Op::LDUR, "ldur", SizeBH, BySize, "t", Offset, One},
    {Op::LDURS_x, "ldurs", SizeBHW, X, "t", Offset, One},
    {Op::LDURS_w, "ldurs", SizeBH, W, "t", Offset, One},
    {Op::STR_post, "str", SizeBH, BySize, "t", Post, One},
    {Op::LDR_post, "ldr", SizeBH, BySize, "t", Post, One},
    {Op::LDRS_x_post, "ldrs", SizeBHW, X, "t", Post, One},
    {Op::LDRS_w_post, "ldrs", SizeBH, W, "t", Post, One},
    {Op::STTR, "sttr", SizeBH, BySize, "t", Offset, One},
    {Op::LDTR, "ldtr", SizeBH, BySize, "t", Offset, One},
    {Op::LDTRS_x, "ldtrs", SizeBHW, X, "t", Offset, One},
    {Op::LDTRS_w, "ldtrs", SizeBH, W, "t", Offset, One},
    {Op::STR_pre, "str", SizeBH, BySize, "t", Pre, One},
    {Op::LDR_pre, "ldr", SizeBH, BySize, "t", Pre, One},
    {Op::LDRS_x_pre, "ldrs", SizeBHW, X, "t", Pre, One},
    {Op::LDRS_w_pre, "ldrs", SizeBH, W, "t", Pre, One},
    {Op::STR_imm, "str", SizeBH, BySize, "t", UnsignedOffset, SizeScaled},
    {Op::LDR_imm, "ldr", SizeBH, BySize, "t", UnsignedOffset, SizeScaled},
    {Op::LDRS_x_imm, "ldrs", SizeBHW, X, "t", UnsignedOffset, SizeScaled},
    {Op::LDRS_w_imm, "ldrs", SizeBH, W, "t", UnsignedOffset, SizeScaled},
    // Atomic memory operations (FEAT_LSE): LD<op>{A}{L}{B,H} Ws, Wt, [Xn|SP]
    {Op::LDADD, "ldadd", AcqRelSize, BySize, "st", Base, One, true},
    {Op::LDCLR, "ldclr", AcqRelSize, BySize, "st", Base, One, true},
    {Op::LDEOR, "ldeor", AcqRelSize, BySize, "st", Base, One, true},
    {Op::LDSET, "ldset", AcqRelSize, BySize, "st", Base, One, true},
    {Op::LDSMAX, "ldsmax", AcqRelSize, BySize, "st", Base, One, true},
    {Op::LDSMIN, "ldsmin", AcqRelSize, BySize, "st", Base, One, true},
    {Op::LDUMAX, "ldumax", AcqRelSize, BySize, "st", Base, One, true},
    {Op::LDUMIN, "ldumin", AcqRelSize, BySize, "st", Base, One, true},
    {Op::SWP, "swp", AcqRelSize, BySize, "st", Base, One},
    // Load-acquire RCpc (FEAT_LRCPC)
    {Op::LDAPR, "ldapr", SizeBH, BySize, "t", Base, One},
};

const Formatter* formatter_of(Op op) {
    static const auto by_op = [] {
        std::array<const Formatter*, kOpCount> table{};
        for (const Formatter& f : kFormatters) table[static_cast<std::size_t>(f.op)] = &f;
        return table;
    }();
    return by_op[static_cast<std::size_t>(op)];
}

// PSTATE fields of MSR (immediate), by op1:op2, as the manual names them.
struct PstateField {
    unsigned op1, op2;
    std::string_view name;
};
constexpr PstateField kPstateFields[] = {
    {0, 3, "uao"}, {0, 4, "pan"}, {0, 5, "spsel"}, {3, 1, "ssbs"},
    {3, 2, "dit"}, {3, 4, "tco"}, {3, 6, "daifset"}, {3, 7, "daifclr"},
};

// Immediates as Capstone writes them: decimal up to 9, hexadecimal beyond.
std::string immediate(std::int64_t value) {
    const std::uint64_t magnitude = value < 0 ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
    const char* sign = value < 0 ? "-" : "";
    return magnitude > 9 ? fmt::format("#{}0x{:x}", sign, magnitude) : fmt::format("#{}{}", sign, magnitude);
}

std::string reg(unsigned n, bool x, bool sp) {
    if (n == 31) return sp ? (x ? "sp" : "wsp") : (x ? "xzr" : "wzr");
    return fmt::format("{}{}", x ? 'x' : 'w', n);
}

bool is_x(const Formatter& f, const Decoded& d) {
    switch (f.width) {
    case BySize: return d.field('x') == 3;
    case Sf: return d.field('z') == 1;
    case X: return true;
    case W: return false;
    case FpOpc: return true;
    }
    return true;
}

std::string mnemonic(const Formatter& f, const Decoded& d, bool alias) {
    std::string m = alias ? "st" + std::string(f.mnemonic.substr(2)) : std::string(f.mnemonic);
    const unsigned size = d.field('x');
    const char* const bh[] = {"b", "h", "", ""};
    const char* const bhw[] = {"b", "h", "w", ""};
    switch (f.suffix) {
    case Plain: break;
    case SizeBH: m += bh[size]; break;
    case SizeBHW: m += bhw[size]; break;
    case AcqRel:
    case AcqRelSize:
        if (d.field('A') && !alias) m += 'a';
        if (d.field('R')) m += 'l';
        if (f.suffix == AcqRelSize) m += bh[size];
        break;
    case KeyAB: m += d.field('M') ? "ab" : "aa"; break;
    }
    return m;
}

std::string format_with(const Formatter& f, const Decoded& d) {
    const bool alias = f.st_alias && d.field('A') == 0 && d.field('t') == 31;
    const bool x = is_x(f, d);
    std::string out = mnemonic(f, d, alias);
    std::string operands;
    auto add = [&](const std::string& text) {
        operands += operands.empty() ? "" : ", ";
        operands += text;
    };
    for (std::size_t i = 0; i < f.regs.size(); ++i) {
        bool force_w = false;
        if (f.regs[i] == 'W') {
            force_w = true;
            ++i;
        }
        const char letter = f.regs[i];
        unsigned n = d.field(letter);
        if (i + 1 < f.regs.size() && f.regs[i + 1] == '+') {
            n = (n + 1) & 31;
            ++i;
        }
        if (alias && letter == 't') continue;  // ST<op> has no destination
        if (f.width == FpOpc) add(fmt::format("{}{}", "sdq?"[d.field('x')], n));
        else add(reg(n, x && !force_w, false));
    }
    std::int64_t offset = 0;
    switch (f.scale) {
    case One: offset = f.addr == UnsignedOffset ? d.field('i') : d.signed_field('i'); break;
    case SizeScaled: offset = static_cast<std::int64_t>(d.field('i')) << d.field('x'); break;
    case Pair: offset = d.signed_field('i') * (4 << d.field('z')); break;
    case Four: offset = d.signed_field('i') * 4; break;
    case FpPair: offset = d.signed_field('i') * (4 << d.field('x')); break;
    }
    const std::string base = reg(d.field('n'), true, true);
    switch (f.addr) {
    case NoMemory: break;
    case Base: add("[" + base + "]"); break;
    case Offset:
    case UnsignedOffset: add(offset ? "[" + base + ", " + immediate(offset) + "]" : "[" + base + "]"); break;
    case Pre: add("[" + base + ", " + immediate(offset) + "]!"); break;
    case Post: add("[" + base + "], " + immediate(offset)); break;
    }
    if (!operands.empty()) out += ' ' + operands;
    return out;
}

std::string format_msr_imm(const Decoded& d) {
    const unsigned op1 = d.field('o'), crm = d.field('m'), op2 = d.field('p');
    for (const PstateField& p : kPstateFields)
        if (p.op1 == op1 && p.op2 == op2) return fmt::format("msr {}, {}", p.name, immediate(crm));
    // An unallocated PSTATE field: the encoding written as a generic op0 = 0 system register.
    return fmt::format("msr s0_{}_c4_c{}_{}, xzr", op1, crm, op2);
}

// DUP (general) and INS (element): Capstone rejects the forms whose imm5/imm4 bits below the
// element size (which the manual ignores) are not zero.
bool is_simd_copy(Op op) { return op == Op::DUP_gen || op == Op::INS_elt; }

std::string format_simd_copy(const Decoded& d) {
    const unsigned imm5 = d.field('i');
    unsigned size = 0;
    while (size < 3 && !(imm5 & (1u << size))) ++size;
    static constexpr const char* kElement = "bhsd";
    static constexpr const char* kArrangement[2][4] = {{"8b", "4h", "2s", "1d"}, {"16b", "8h", "4s", "2d"}};
    if (d.op == Op::DUP_gen)
        return fmt::format("dup v{}.{}, {}", d.field('d'), kArrangement[d.field('q')][size],
                           reg(d.field('n'), size == 3, false));
    // Lane numbers as Capstone writes them: decimal up to 9, hexadecimal beyond.
    auto lane = [](unsigned index) { return index > 9 ? fmt::format("0x{:x}", index) : fmt::format("{}", index); };
    return fmt::format("ins v{}.{}[{}], v{}.{}[{}]", d.field('d'), kElement[size], lane(imm5 >> (size + 1)),
                       d.field('n'), kElement[size], lane(d.field('j') >> size));
}

// Rows without a formatter: the table's name for the encoding and its fields.
std::string format_fields(const Decoded& d) {
    std::string out;
    for (char c : op_name(d.op)) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string seen;
    for (char c : d.encoding->pattern) {
        if (!std::isalpha(static_cast<unsigned char>(c)) || seen.find(c) != std::string::npos) continue;
        seen += c;
        out += fmt::format("{}{}={:#x}", seen.size() == 1 ? " " : ", ", c, d.field(c));
    }
    return out;
}

std::string undefined_text(std::uint32_t word) { return fmt::format(".inst 0x{:08x} // undefined", word); }

}  // namespace

bool has_formatter(Op op) {
    return op == Op::MSR_imm || is_simd_copy(op) || (op != Op::UNDEFINED && formatter_of(op) != nullptr);
}

std::string format_decoded(const Decoded& d) {
    if (d.undefined()) return undefined_text(d.raw);
    if (d.op == Op::MSR_imm) return format_msr_imm(d);
    if (is_simd_copy(d.op)) return format_simd_copy(d);
    if (const Formatter* f = formatter_of(d.op)) return format_with(*f, d);
    return format_fields(d);
}

std::string disassemble(std::uint32_t word, std::uint64_t pc) {
    const Decoded d = decode(word);
    std::string text = capstone().text(word, pc);
    if (d.undefined()) {
        // Trapeze raises UNDEFINED for it; Capstone's reading still helps (e.g. an FP instruction).
        return text.empty() ? undefined_text(word) : undefined_text(word) + ": " + text;
    }
    // Capstone 4 prints a negative post-index offset as a 64-bit unsigned number
    // ("ldr x0, [x1], #0xfffffffffffffff8"): those rows read better in the decoder's own text.
    const Formatter* f = formatter_of(d.op);
    const bool capstone_misprints = f && f->addr == Post && f->regs == "t" && d.signed_field('i') < 0;
    return text.empty() || capstone_misprints ? format_decoded(d) : text;
}

std::string mnemonic_of(std::uint32_t word) {
    std::string text = disassemble(word);
    return text.substr(0, text.find(' '));
}

}  // namespace trapeze
