// Shared pieces of the FP and Advanced SIMD semantics (exec_fp_*.cpp, exec_simd_*.cpp): the
// FP/SIMD access trap, V register access, FPCR/FPSR around an operation, and element types.
#pragma once

#include <cstdint>
#include <type_traits>

#include "emulator/exception_class.h"
#include "emulator/exec_common.h"
#include "emulator/fp.h"

namespace trapeze {

// ESR_EL1.ISS of the trap CPACR_EL1.FPEN raises (EC 0x07): CV = 1, COND = 0b1110, as for
// every such trap from AArch64.
inline constexpr std::uint32_t kFpAccessIss = (1u << 24) | (0xeu << 20);

inline const Inst* raise_fp_access(Cpu& cpu, const Inst* ip) {
    return cpu.raise(ip, make_esr(ExceptionClass::FpAccess, kFpAccessIss));
}

// The first statement of every FP/SIMD instruction's semantics: with FP/SIMD disabled at the
// current virtual EL the instruction traps and does not retire. Integer code never runs this.
#define TRAPEZE_FP_CHECK(cpu, ip)                     \
    do {                                              \
        if (!(cpu).fp_enabled()) [[unlikely]]         \
            return raise_fp_access((cpu), (ip));      \
    } while (false)

// The SIMD&FP loads and stores whose base is SP: the FP/SIMD check opens the operation (the
// manual's CheckFPAdvSIMDEnabled64), SP's alignment comes next (SCTLR_EL1.SA/SA0, EC 0x26).
inline const Inst* raise_sp_alignment(Cpu& cpu, const Inst* ip) {
    return cpu.raise(ip, make_esr(ExceptionClass::SpAlignment, 0));
}
template <ExecFn F>
const Inst* fp_sp_checked(Cpu& cpu, const Inst* ip) {
    TRAPEZE_FP_CHECK(cpu, ip);
    return sp_checked<F>(cpu, ip);
}
template <bool SpBase, ExecFn F>
constexpr ExecFn maybe_fp_sp_checked() {
    if constexpr (SpBase) return fp_sp_checked<F>;
    else return F;
}

// A scalar result: the rest of the 128-bit register becomes zero.
template <typename T>
inline void write_scalar(Cpu& cpu, unsigned v, T value) {
    VReg r{};
    r.set<T>(0, value);
    cpu.regs.v[v] = r;
}
template <typename T>
inline T read_scalar(const Cpu& cpu, unsigned v) {
    return cpu.regs.v[v].get<T>(0);
}

// FPCR in, FPSR's cumulative flags out.
inline FpEnv fp_env(const Cpu& cpu) { return {cpu.regs.fpcr, cpu.regs.fpsr}; }
inline void commit_fp_env(Cpu& cpu, const FpEnv& env) { cpu.regs.fpsr = env.fpsr; }

// Unsigned and signed element types by log2 of their size in bytes.
template <unsigned SizeLog2> struct Element;
template <> struct Element<0> { using U = std::uint8_t; using S = std::int8_t; };
template <> struct Element<1> { using U = std::uint16_t; using S = std::int16_t; };
template <> struct Element<2> { using U = std::uint32_t; using S = std::int32_t; };
template <> struct Element<3> { using U = std::uint64_t; using S = std::int64_t; };

// The unsigned type twice as wide (for widening and saturating arithmetic).
template <typename T> struct Wider;
template <> struct Wider<std::uint8_t> { using type = std::uint16_t; };
template <> struct Wider<std::uint16_t> { using type = std::uint32_t; };
template <> struct Wider<std::uint32_t> { using type = std::uint64_t; };
template <> struct Wider<std::uint64_t> { using type = unsigned __int128; };
template <typename T> using wider_t = typename Wider<T>::type;

template <typename T> constexpr unsigned bits_of() { return sizeof(T) * 8; }

}  // namespace trapeze
