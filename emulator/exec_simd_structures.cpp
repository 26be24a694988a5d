// Semantics of the Advanced SIMD structure loads and stores: LD1-LD4 and ST1-ST4 of multiple
// structures and of a single structure, LD1R-LD4R, each with its post-index forms. Elements
// are accessed one by one (each aligned on its own size); a load writes its registers only
// after every element arrived.
#include "emulator/exec_simd_common.h"

namespace trapeze {
namespace {

using std::uint64_t;
using std::uint8_t;

// Operands: d = Vt, n = Xn|SP, m = Xm (post-index by register), imm = the post-index
// immediate (the bytes transferred); b0 = log2 of the element size, b1 = selem (registers per
// structure), b2 = rpt (multiple) or the lane index (single), b3 = Q.
enum class Writeback : uint8_t { None, Immediate, Register };

template <Writeback W>
inline void write_back(Cpu& cpu, const Inst* ip, uint64_t address) {
    if constexpr (W == Writeback::Immediate) cpu.regs.x[ip->n] = address + ip->imm;
    else if constexpr (W == Writeback::Register) cpu.regs.x[ip->n] = address + cpu.regs.x[ip->m];
}

inline unsigned vt(const Inst* ip, unsigned i) { return (ip->d + i) & 31; }

// ---- Multiple structures: element e of structure member s goes to register s (LD2-LD4), or
// register r of an LD1 list: memory holds the structures one after another.
template <typename T, bool Load>
bool transfer_multiple(Cpu& cpu, const Inst* ip, uint64_t address) {
    const unsigned selem = ip->b1, rpt = ip->b2, registers = selem * rpt;
    const unsigned elements = (ip->b3 ? 16 : 8) / sizeof(T);
    VReg values[4]{};
    if (!Load)
        for (unsigned i = 0; i < registers; ++i) values[i] = cpu.regs.v[vt(ip, i)];
    uint64_t offset = 0;
    if (selem == 1 && (address & 7) == 0) {
        // LD1/ST1 with whole doublewords aligned: the same bytes, the same faults, fewer accesses.
        const unsigned words = ip->b3 ? 2 : 1;
        for (unsigned r = 0; r < rpt; ++r) {
            for (unsigned w = 0; w < words; ++w, offset += 8) {
                if constexpr (Load) {
                    uint64_t v;
                    if (!cpu.load(ip, address + offset, v)) return false;
                    values[r].set<uint64_t>(w, v);
                } else if (!cpu.store(ip, address + offset, values[r].get<uint64_t>(w))) {
                    return false;
                }
            }
        }
    } else {
        for (unsigned r = 0; r < rpt; ++r) {
            for (unsigned e = 0; e < elements; ++e) {
                for (unsigned s = 0; s < selem; ++s, offset += sizeof(T)) {
                    if constexpr (Load) {
                        T v;
                        if (!cpu.load(ip, address + offset, v)) return false;
                        values[r + s].set<T>(e, v);
                    } else if (!cpu.store(ip, address + offset, values[r + s].get<T>(e))) {
                        return false;
                    }
                }
            }
        }
    }
    if (Load)
        for (unsigned i = 0; i < registers; ++i) cpu.regs.v[vt(ip, i)] = values[i];
    return true;
}

template <typename T, bool Load, Writeback W, bool SpBase>
const Inst* multiple(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    if (SpBase && cpu.sp_misaligned()) [[unlikely]] return raise_sp_alignment(cpu, ip);
    const uint64_t address = cpu.regs.x[ip->n];
    if (!transfer_multiple<T, Load>(cpu, ip, address)) return nullptr;
    write_back<W>(cpu, ip, address);
    return cpu.next(ip + 1);
}

// ---- Single structure: one lane of each register; the other lanes stay.
template <typename T, bool Load, Writeback W, bool SpBase>
const Inst* single(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    if (SpBase && cpu.sp_misaligned()) [[unlikely]] return raise_sp_alignment(cpu, ip);
    const uint64_t address = cpu.regs.x[ip->n];
    const unsigned selem = ip->b1, lane = ip->b2;
    T values[4];
    for (unsigned s = 0; s < selem; ++s) {
        const uint64_t at = address + s * sizeof(T);
        if constexpr (Load) {
            if (!cpu.load(ip, at, values[s])) return nullptr;
        } else if (!cpu.store(ip, at, cpu.regs.v[vt(ip, s)].get<T>(lane))) {
            return nullptr;
        }
    }
    if (Load)
        for (unsigned s = 0; s < selem; ++s) cpu.regs.v[vt(ip, s)].set<T>(lane, values[s]);
    write_back<W>(cpu, ip, address);
    return cpu.next(ip + 1);
}

// ---- Load and replicate: each element fills every lane of its register (64 or 128 bits).
template <typename T, Writeback W, bool SpBase>
const Inst* replicate(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    if (SpBase && cpu.sp_misaligned()) [[unlikely]] return raise_sp_alignment(cpu, ip);
    const uint64_t address = cpu.regs.x[ip->n];
    const unsigned selem = ip->b1, elements = (ip->b3 ? 16 : 8) / sizeof(T);
    T values[4];
    for (unsigned s = 0; s < selem; ++s)
        if (!cpu.load(ip, address + s * sizeof(T), values[s])) return nullptr;
    for (unsigned s = 0; s < selem; ++s) {
        VReg r{};
        for (unsigned e = 0; e < elements; ++e) r.set<T>(e, values[s]);
        cpu.regs.v[vt(ip, s)] = r;
    }
    write_back<W>(cpu, ip, address);
    return cpu.next(ip + 1);
}

// ---- Choosing the instance: element size, writeback, and whether SP is the base.
template <bool Load, Writeback W, bool SpBase>
ExecFn multiple_fn(unsigned size_log2) {
    switch (size_log2) {
    case 0: return multiple<std::uint8_t, Load, W, SpBase>;
    case 1: return multiple<std::uint16_t, Load, W, SpBase>;
    case 2: return multiple<std::uint32_t, Load, W, SpBase>;
    default: return multiple<std::uint64_t, Load, W, SpBase>;
    }
}
template <bool Load, Writeback W, bool SpBase>
ExecFn single_fn(unsigned size_log2) {
    switch (size_log2) {
    case 0: return single<std::uint8_t, Load, W, SpBase>;
    case 1: return single<std::uint16_t, Load, W, SpBase>;
    case 2: return single<std::uint32_t, Load, W, SpBase>;
    default: return single<std::uint64_t, Load, W, SpBase>;
    }
}
template <Writeback W, bool SpBase>
ExecFn replicate_fn(unsigned size_log2) {
    switch (size_log2) {
    case 0: return replicate<std::uint8_t, W, SpBase>;
    case 1: return replicate<std::uint16_t, W, SpBase>;
    case 2: return replicate<std::uint32_t, W, SpBase>;
    default: return replicate<std::uint64_t, W, SpBase>;
    }
}

// The form's writeback: none, or post-index by the immediate (Rm = 31) or by Xm.
Writeback writeback_of(const Decoded& d, bool post) {
    if (!post) return Writeback::None;
    return d.field('m') == 31 ? Writeback::Immediate : Writeback::Register;
}

// One of the six (writeback, SP base) instances of a form F<W, SpBase>.
template <template <Writeback, bool> class F>
ExecFn choose(const Decoded& d, bool post, unsigned size_log2) {
    const bool sp = d.field('n') == 31;
    switch (writeback_of(d, post)) {
    case Writeback::None: return sp ? F<Writeback::None, true>::at(size_log2) : F<Writeback::None, false>::at(size_log2);
    case Writeback::Immediate:
        return sp ? F<Writeback::Immediate, true>::at(size_log2) : F<Writeback::Immediate, false>::at(size_log2);
    default: return sp ? F<Writeback::Register, true>::at(size_log2) : F<Writeback::Register, false>::at(size_log2);
    }
}
template <bool Load>
struct MultipleForm {
    template <Writeback W, bool SpBase>
    struct F { static ExecFn at(unsigned size) { return multiple_fn<Load, W, SpBase>(size); } };
};
template <bool Load>
struct SingleForm {
    template <Writeback W, bool SpBase>
    struct F { static ExecFn at(unsigned size) { return single_fn<Load, W, SpBase>(size); } };
};
template <Writeback W, bool SpBase>
struct ReplicateForm {
    static ExecFn at(unsigned size) { return replicate_fn<W, SpBase>(size); }
};

// The post-index forms write back by Xm, or by the bytes transferred when Rm is 31.
void set_base(const Decoded& d, Inst& i, bool post, uint64_t transferred) {
    i.d = static_cast<uint8_t>(d.field('t'));
    i.n = slot_sp(d.field('n'));
    if (post) {
        i.m = slot_zr_src(d.field('m'));
        i.imm = transferred;
    }
}

// opcode -> (rpt, selem) of LD/ST multiple structures; the decoder rejects the other opcodes.
void multiple_form(unsigned opcode, unsigned& rpt, unsigned& selem) {
    switch (opcode) {
    case 0b0000: rpt = 1; selem = 4; break;  // LD4/ST4
    case 0b0010: rpt = 4; selem = 1; break;  // LD1/ST1, 4 registers
    case 0b0100: rpt = 1; selem = 3; break;  // LD3/ST3
    case 0b0110: rpt = 3; selem = 1; break;  // LD1/ST1, 3 registers
    case 0b0111: rpt = 1; selem = 1; break;  // LD1/ST1, 1 register
    case 0b1000: rpt = 1; selem = 2; break;  // LD2/ST2
    default: rpt = 2; selem = 1; break;      // 0b1010: LD1/ST1, 2 registers
    }
}

template <bool Load, bool Post>
void prepare_multiple(const Decoded& d, Inst& i) {
    unsigned rpt, selem;
    multiple_form(d.field('o'), rpt, selem);
    const unsigned size_log2 = d.field('x'), q = d.field('q');
    set_base(d, i, Post, static_cast<uint64_t>(rpt * selem) * (q ? 16 : 8));
    i.b0 = static_cast<uint8_t>(size_log2);
    i.b1 = static_cast<uint8_t>(selem);
    i.b2 = static_cast<uint8_t>(rpt);
    i.b3 = static_cast<uint8_t>(q);
    i.exec = choose<MultipleForm<Load>::template F>(d, Post, size_log2);
}

template <bool Load, bool Post>
void prepare_single(const Decoded& d, Inst& i) {
    const unsigned opcode = d.field('o'), q = d.field('q'), s = d.field('S'), size = d.field('x');
    unsigned scale = opcode >> 1, index;
    const unsigned selem = (((opcode & 1) << 1) | d.field('R')) + 1;
    switch (scale) {
    case 0: index = (q << 3) | (s << 2) | size; break;       // B[0-15]
    case 1: index = (q << 2) | (s << 1) | (size >> 1); break;  // H[0-7]
    default:
        if ((size & 1) == 0) {
            index = (q << 1) | s;  // S[0-3]
        } else {
            index = q;  // D[0-1]
            scale = 3;
        }
        break;
    }
    set_base(d, i, Post, static_cast<uint64_t>(selem) << scale);
    i.b0 = static_cast<uint8_t>(scale);
    i.b1 = static_cast<uint8_t>(selem);
    i.b2 = static_cast<uint8_t>(index);
    i.exec = choose<SingleForm<Load>::template F>(d, Post, scale);
}

template <bool Post>
void prepare_replicate(const Decoded& d, Inst& i) {
    const unsigned size_log2 = d.field('x');
    const unsigned selem = ((d.field('o') << 1) | d.field('R')) + 1;
    set_base(d, i, Post, static_cast<uint64_t>(selem) << size_log2);
    i.b0 = static_cast<uint8_t>(size_log2);
    i.b1 = static_cast<uint8_t>(selem);
    i.b3 = static_cast<uint8_t>(d.field('q'));
    i.exec = choose<ReplicateForm>(d, Post, size_log2);
}

}  // namespace

void add_simd_structures(SemanticsTable& t) {
    auto set = [&](Op op, Preparer p) { t.prepare[static_cast<std::size_t>(op)] = p; };
    set(Op::ST_mult, prepare_multiple<false, false>);
    set(Op::LD_mult, prepare_multiple<true, false>);
    set(Op::ST_mult_post, prepare_multiple<false, true>);
    set(Op::LD_mult_post, prepare_multiple<true, true>);
    set(Op::ST_single, prepare_single<false, false>);
    set(Op::LD_single, prepare_single<true, false>);
    set(Op::ST_single_post, prepare_single<false, true>);
    set(Op::LD_single_post, prepare_single<true, true>);
    set(Op::LD_rep, prepare_replicate<false>);
    set(Op::LD_rep_post, prepare_replicate<true>);
}

}  // namespace trapeze
