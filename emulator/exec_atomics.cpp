// Semantics of the exclusive, acquire/release and atomic accesses of C4.1.88: LDXR/STXR and
// their pair and acquire/release forms, LDAR/STLR/LDAPR, and the FEAT_LSE atomics (LDADD...,
// SWP, CAS, CASP).
//
// Every access here must be naturally aligned, whatever the memory type: Cpu::atomic_access
// raises the alignment fault otherwise (a pair is aligned to its total size). So each is one
// host atomic operation on guest RAM (the __atomic builtins, sequentially consistent, which
// covers every acquire and release form), atomic with respect to every other host thread
// that runs a vCPU of the same VM. A store-exclusive is a compare-and-swap against the value
// its load-exclusive read, after the global monitor confirmed the mark (Cpu::take_exclusive):
// unlike the architecture, another vCPU's plain store of the very value it read, in the
// short window before the others drop the page from their write caches, does not make it
// fail (the ABA case; as QEMU's multi-threaded TCG).
#include <cstring>
#include <type_traits>

#include "emulator/exec_common.h"

namespace trapeze {
namespace {

using std::uint16_t;
using std::uint32_t;
using std::uint64_t;
using std::uint8_t;

using uint128 = unsigned __int128;

// The host atomics on a naturally aligned guest address (guest RAM is 16-byte aligned).
template <typename T>
inline T* at(const uint8_t* host) {
    return reinterpret_cast<T*>(const_cast<uint8_t*>(host));
}
template <typename T>
inline T read_host(const uint8_t* host) {
    return __atomic_load_n(at<T>(host), __ATOMIC_SEQ_CST);
}
template <typename T>
inline void write_host(uint8_t* host, T value) {
    __atomic_store_n(at<T>(host), value, __ATOMIC_SEQ_CST);
}
template <typename T>
inline bool compare_and_swap(uint8_t* host, T& expected, T desired) {
    return __atomic_compare_exchange_n(at<T>(host), &expected, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
// A pair of T as one access of twice the size (the first of the pair at the lower address).
template <typename T>
using PairOf = std::conditional_t<sizeof(T) == 4, uint64_t, uint128>;
template <typename T>
inline PairOf<T> pair(T low, T high) {
    return static_cast<PairOf<T>>(low) | (static_cast<PairOf<T>>(high) << (8 * sizeof(T)));
}

// ---- Load-acquire and load-acquire RCpc (LDAR, LDAPR): d = Rt, n = Rn.
template <typename T>
const Inst* ldar(Cpu& cpu, const Inst* ip) {
    const uint8_t* host = cpu.atomic_access(ip, cpu.regs.x[ip->n], sizeof(T), Cpu::Atomic::Read);
    if (!host) return nullptr;
    write_reg(cpu, ip->d, read_host<T>(host));
    return cpu.next(ip + 1);
}

// ---- Store-release (STLR): m = Rt, n = Rn.
template <typename T>
const Inst* stlr(Cpu& cpu, const Inst* ip) {
    uint8_t* host = cpu.atomic_access(ip, cpu.regs.x[ip->n], sizeof(T), Cpu::Atomic::Write);
    if (!host) return nullptr;
    write_host(host, read_reg<T>(cpu, ip->m));
    cpu.atomic_landed(sizeof(T));
    return cpu.next(ip + 1);
}

// ---- Load exclusive (LDXR, LDAXR): d = Rt, n = Rn. Marks the address for the next STXR.
template <typename T>
const Inst* ldxr(Cpu& cpu, const Inst* ip) {
    const uint64_t address = cpu.regs.x[ip->n];
    const uint8_t* host = cpu.atomic_access(ip, address, sizeof(T), Cpu::Atomic::Read);
    if (!host) return nullptr;
    cpu.mark_exclusive_access(address, sizeof(T));
    const T value = read_host<T>(host);
    cpu.keep_exclusive_value(&value, sizeof(T));
    write_reg(cpu, ip->d, value);
    return cpu.next(ip + 1);
}

// ---- Load exclusive pair (LDXP, LDAXP): d = Rt (lower address), a = Rt2, n = Rn.
template <bool Sf>
const Inst* ldxp(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    const uint64_t address = cpu.regs.x[ip->n];
    const uint8_t* host = cpu.atomic_access(ip, address, 2 * sizeof(T), Cpu::Atomic::Read);
    if (!host) return nullptr;
    cpu.mark_exclusive_access(address, 2 * sizeof(T));
    const PairOf<T> both = read_host<PairOf<T>>(host);  // single-copy atomic, as the pair must be
    cpu.keep_exclusive_value(&both, 2 * sizeof(T));
    write_reg(cpu, ip->d, static_cast<T>(both));
    write_reg(cpu, ip->a, static_cast<T>(both >> (8 * sizeof(T))));
    return cpu.next(ip + 1);
}

// Store exclusive, in the order of the manual's AArch64.ExclusiveMonitorsPass: the alignment
// fault comes first; a store the monitor does not cover fails without translating the
// address; a translation fault leaves the monitor as it was (the instruction changes nothing).
enum class Exclusive : uint8_t { Stored, Failed, Faulted };

template <typename T>
inline Exclusive store_exclusive(Cpu& cpu, const Inst* ip, uint64_t address, T value) {
    if ((address & (sizeof(T) - 1)) != 0) {
        cpu.atomic_access(ip, address, sizeof(T), Cpu::Atomic::Write);  // raises the alignment fault
        return Exclusive::Faulted;
    }
    if (!cpu.exclusive_covers(address, sizeof(T))) {
        cpu.clear_exclusive_monitor();
        return Exclusive::Failed;
    }
    uint8_t* host = cpu.atomic_access(ip, address, sizeof(T), Cpu::Atomic::Write);
    if (!host) return Exclusive::Faulted;
    const void* loaded;
    Exclusive result = Exclusive::Failed;
    if (cpu.take_exclusive(loaded)) {
        T expected;
        std::memcpy(&expected, loaded, sizeof(T));
        if (compare_and_swap(host, expected, value)) result = Exclusive::Stored;
    }
    cpu.atomic_landed(sizeof(T));
    return result;
}

// ---- Store exclusive (STXR, STLXR): d = Ws (status), m = Rt, n = Rn.
// Ws is 0 when the store happened, 1 when the monitor did not cover it.
template <typename T>
const Inst* stxr(Cpu& cpu, const Inst* ip) {
    const Exclusive result = store_exclusive(cpu, ip, cpu.regs.x[ip->n], read_reg<T>(cpu, ip->m));
    if (result == Exclusive::Faulted) return nullptr;
    write_reg(cpu, ip->d, static_cast<uint32_t>(result == Exclusive::Failed));
    return cpu.next(ip + 1);
}

// ---- Store exclusive pair (STXP, STLXP): d = Ws, m = Rt (lower address), a = Rt2, n = Rn.
template <bool Sf>
const Inst* stxp(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    const Exclusive result =
        store_exclusive(cpu, ip, cpu.regs.x[ip->n], pair<T>(read_reg<T>(cpu, ip->m), read_reg<T>(cpu, ip->a)));
    if (result == Exclusive::Faulted) return nullptr;
    write_reg(cpu, ip->d, static_cast<uint32_t>(result == Exclusive::Failed));
    return cpu.next(ip + 1);
}

// ---- Atomic memory operations (LDADD...SWP): d = Rt (gets the old value; XZR discards it,
// which is what the ST<op> aliases are), m = Rs (the operand), n = Rn.
enum class AtomicOp : uint8_t { Add, Clr, Eor, Set, Smax, Smin, Umax, Umin, Swp };

template <typename T, AtomicOp Op>
inline T atomic_result(T old, T operand) {
    using S = std::make_signed_t<T>;
    if constexpr (Op == AtomicOp::Add) return static_cast<T>(old + operand);
    else if constexpr (Op == AtomicOp::Clr) return static_cast<T>(old & ~operand);
    else if constexpr (Op == AtomicOp::Eor) return static_cast<T>(old ^ operand);
    else if constexpr (Op == AtomicOp::Set) return static_cast<T>(old | operand);
    else if constexpr (Op == AtomicOp::Smax) return static_cast<S>(old) > static_cast<S>(operand) ? old : operand;
    else if constexpr (Op == AtomicOp::Smin) return static_cast<S>(old) < static_cast<S>(operand) ? old : operand;
    else if constexpr (Op == AtomicOp::Umax) return old > operand ? old : operand;
    else if constexpr (Op == AtomicOp::Umin) return old < operand ? old : operand;
    else return operand;  // Swp
}

template <typename T, AtomicOp Op>
const Inst* atomic_op(Cpu& cpu, const Inst* ip) {
    const T operand = read_reg<T>(cpu, ip->m);
    uint8_t* host = cpu.atomic_access(ip, cpu.regs.x[ip->n], sizeof(T), Cpu::Atomic::ReadModifyWrite);
    if (!host) return nullptr;
    T old;
    if constexpr (Op == AtomicOp::Add) old = __atomic_fetch_add(at<T>(host), operand, __ATOMIC_SEQ_CST);
    else if constexpr (Op == AtomicOp::Clr) old = __atomic_fetch_and(at<T>(host), static_cast<T>(~operand), __ATOMIC_SEQ_CST);
    else if constexpr (Op == AtomicOp::Eor) old = __atomic_fetch_xor(at<T>(host), operand, __ATOMIC_SEQ_CST);
    else if constexpr (Op == AtomicOp::Set) old = __atomic_fetch_or(at<T>(host), operand, __ATOMIC_SEQ_CST);
    else if constexpr (Op == AtomicOp::Swp) old = __atomic_exchange_n(at<T>(host), operand, __ATOMIC_SEQ_CST);
    else {  // the maxima and minima: a compare-and-swap loop
        old = read_host<T>(host);
        while (!compare_and_swap(host, old, atomic_result<T, Op>(old, operand))) {
        }
    }
    cpu.atomic_landed(sizeof(T));
    write_reg(cpu, ip->d, old);  // B, H and W forms zero-extend into the W/X register
    return cpu.next(ip + 1);
}

// ---- Compare and swap (CAS): m = Rs (the expected value), a = Rs (gets the old value),
// d = Rt (the new value), n = Rn. Rs is read and written through two slots so that 31
// reads as zero and its write is discarded.
template <typename T>
const Inst* cas(Cpu& cpu, const Inst* ip) {
    const T expected = read_reg<T>(cpu, ip->m);
    const T desired = read_reg<T>(cpu, ip->d);
    uint8_t* host = cpu.atomic_access(ip, cpu.regs.x[ip->n], sizeof(T), Cpu::Atomic::ReadModifyWrite);
    if (!host) return nullptr;
    T old = expected;
    compare_and_swap(host, old, desired);  // old: what memory held, whether or not it matched
    cpu.atomic_landed(sizeof(T));
    write_reg(cpu, ip->a, old);
    return cpu.next(ip + 1);
}

// ---- Compare and swap pair (CASP): m = Rs, b0/b1 = R(s+1) to read/write, d = Rt,
// b2 = R(t+1), n = Rn. Rs and Rt are even, so only the second of a pair can be XZR.
// Little-endian: the first register of each pair goes with the lower address.
template <bool Sf>
const Inst* casp(Cpu& cpu, const Inst* ip) {
    using T = Word<Sf>;
    const T expected0 = read_reg<T>(cpu, ip->m), expected1 = read_reg<T>(cpu, ip->b0);
    const T desired0 = read_reg<T>(cpu, ip->d), desired1 = read_reg<T>(cpu, ip->b2);
    uint8_t* host = cpu.atomic_access(ip, cpu.regs.x[ip->n], 2 * sizeof(T), Cpu::Atomic::ReadModifyWrite);
    if (!host) return nullptr;
    PairOf<T> old = pair<T>(expected0, expected1);
    compare_and_swap(host, old, pair<T>(desired0, desired1));
    cpu.atomic_landed(2 * sizeof(T));
    write_reg(cpu, ip->m, static_cast<T>(old));
    write_reg(cpu, ip->b1, static_cast<T>(old >> (8 * sizeof(T))));
    return cpu.next(ip + 1);
}

// ---- Preparers. Choosing the instance: size is log2 of the access bytes; Sp: the base
// register is SP, so the SP alignment check comes first.
template <template <typename> class F, bool Sp>
ExecFn by_size(unsigned size) {
    switch (size) {
        case 0: return maybe_sp_checked<Sp, F<uint8_t>::fn>();
        case 1: return maybe_sp_checked<Sp, F<uint16_t>::fn>();
        case 2: return maybe_sp_checked<Sp, F<uint32_t>::fn>();
        default: return maybe_sp_checked<Sp, F<uint64_t>::fn>();
    }
}
template <template <typename> class F>
ExecFn by_size(const Decoded& d) {
    return d.field('n') == 31 ? by_size<F, true>(d.field('x')) : by_size<F, false>(d.field('x'));
}
// The pair forms: 32- or 64-bit registers.
template <template <bool> class F>
ExecFn by_sf(const Decoded& d) {
    const bool sf = d.field('z');
    if (d.field('n') == 31)
        return sf ? maybe_sp_checked<true, F<true>::fn>() : maybe_sp_checked<true, F<false>::fn>();
    return sf ? F<true>::fn : F<false>::fn;
}
template <typename T> struct Ldar { static constexpr ExecFn fn = ldar<T>; };
template <typename T> struct Stlr { static constexpr ExecFn fn = stlr<T>; };
template <typename T> struct Ldxr { static constexpr ExecFn fn = ldxr<T>; };
template <typename T> struct Stxr { static constexpr ExecFn fn = stxr<T>; };
template <typename T> struct Cas { static constexpr ExecFn fn = cas<T>; };
template <bool Sf> struct Ldxp { static constexpr ExecFn fn = ldxp<Sf>; };
template <bool Sf> struct Stxp { static constexpr ExecFn fn = stxp<Sf>; };
template <bool Sf> struct Casp { static constexpr ExecFn fn = casp<Sf>; };
template <AtomicOp Op>
struct Atomic {
    template <typename T> struct Of { static constexpr ExecFn fn = atomic_op<T, Op>; };
};

// LDAR, LDAPR, LDXR, LDAXR: Rt <- [Rn].
template <template <typename> class F>
void prepare_load(const Decoded& d, Inst& i) {
    i.exec = by_size<F>(d);
    i.d = slot_zr_dst(d.field('t'));
    i.n = slot_sp(d.field('n'));
}

void prepare_stlr(const Decoded& d, Inst& i) {
    i.exec = by_size<Stlr>(d);
    i.m = slot_zr_src(d.field('t'));
    i.n = slot_sp(d.field('n'));
}

void prepare_stxr(const Decoded& d, Inst& i) {
    i.exec = by_size<Stxr>(d);
    i.d = slot_zr_dst(d.field('s'));
    i.m = slot_zr_src(d.field('t'));
    i.n = slot_sp(d.field('n'));
}

void prepare_ldxp(const Decoded& d, Inst& i) {
    i.exec = by_sf<Ldxp>(d);
    i.d = slot_zr_dst(d.field('t'));
    i.a = slot_zr_dst(d.field('u'));
    i.n = slot_sp(d.field('n'));
}

void prepare_stxp(const Decoded& d, Inst& i) {
    i.exec = by_sf<Stxp>(d);
    i.d = slot_zr_dst(d.field('s'));
    i.m = slot_zr_src(d.field('t'));
    i.a = slot_zr_src(d.field('u'));
    i.n = slot_sp(d.field('n'));
}

template <AtomicOp Op>
void prepare_atomic(const Decoded& d, Inst& i) {
    i.exec = by_size<Atomic<Op>::template Of>(d);
    i.d = slot_zr_dst(d.field('t'));
    i.m = slot_zr_src(d.field('s'));
    i.n = slot_sp(d.field('n'));
}

void prepare_cas(const Decoded& d, Inst& i) {
    i.exec = by_size<Cas>(d);
    i.m = slot_zr_src(d.field('s'));
    i.a = slot_zr_dst(d.field('s'));
    i.d = slot_zr_src(d.field('t'));
    i.n = slot_sp(d.field('n'));
}

void prepare_casp(const Decoded& d, Inst& i) {
    const unsigned s = d.field('s'), t = d.field('t');  // both even (the decoder rejects odd ones)
    i.exec = by_sf<Casp>(d);
    i.m = slot_zr_src(s);
    i.b0 = slot_zr_src(s + 1);
    i.b1 = slot_zr_dst(s + 1);
    i.d = slot_zr_src(t);
    i.b2 = slot_zr_src(t + 1);
    i.n = slot_sp(d.field('n'));
}

}  // namespace

void add_atomics(SemanticsTable& t) {
    auto set = [&](Op op, Preparer p) { t.prepare[static_cast<std::size_t>(op)] = p; };
    set(Op::STXR, prepare_stxr);
    set(Op::STLXR, prepare_stxr);
    set(Op::LDXR, prepare_load<Ldxr>);
    set(Op::LDAXR, prepare_load<Ldxr>);
    set(Op::STXP, prepare_stxp);
    set(Op::STLXP, prepare_stxp);
    set(Op::LDXP, prepare_ldxp);
    set(Op::LDAXP, prepare_ldxp);
    set(Op::STLR, prepare_stlr);
    set(Op::LDAR, prepare_load<Ldar>);
    set(Op::LDAPR, prepare_load<Ldar>);
    set(Op::CAS, prepare_cas);
    set(Op::CASP, prepare_casp);
    set(Op::LDADD, prepare_atomic<AtomicOp::Add>);
    set(Op::LDCLR, prepare_atomic<AtomicOp::Clr>);
    set(Op::LDEOR, prepare_atomic<AtomicOp::Eor>);
    set(Op::LDSET, prepare_atomic<AtomicOp::Set>);
    set(Op::LDSMAX, prepare_atomic<AtomicOp::Smax>);
    set(Op::LDSMIN, prepare_atomic<AtomicOp::Smin>);
    set(Op::LDUMAX, prepare_atomic<AtomicOp::Umax>);
    set(Op::LDUMIN, prepare_atomic<AtomicOp::Umin>);
    set(Op::SWP, prepare_atomic<AtomicOp::Swp>);
}

}  // namespace trapeze
