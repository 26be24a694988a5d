// Instruction words the graded tests run (encodings checked with llvm-mc), named as the
// assembly reads.
#pragma once

#include <cstdint>

namespace trapeze::grading::a64 {

inline constexpr std::uint32_t NOP = 0xd503201f;
inline constexpr std::uint32_t ADD_X1_X1_1 = 0x91000421;     // add x1, x1, #1
inline constexpr std::uint32_t B_BACK_1 = 0x17ffffff;        // b .-4
inline constexpr std::uint32_t HVC_0 = 0xd4000002;           // hvc #0
inline constexpr std::uint32_t ERET = 0xd69f03e0;
inline constexpr std::uint32_t WFI = 0xd503207f;
inline constexpr std::uint32_t WFE = 0xd503205f;

inline constexpr std::uint32_t STR_W1_X2 = 0xb9000041;       // str w1, [x2]
inline constexpr std::uint32_t STRB_W1_X2 = 0x39000041;      // strb w1, [x2]
inline constexpr std::uint32_t LDR_W3_X2 = 0xb9400043;       // ldr w3, [x2]
inline constexpr std::uint32_t LDR_W3_X2_18 = 0xb9401843;    // ldr w3, [x2, #0x18]

inline constexpr std::uint32_t MSR_VBAR_X0 = 0xd518c000;     // msr vbar_el1, x0
inline constexpr std::uint32_t MRS_X1_VBAR = 0xd538c001;     // mrs x1, vbar_el1
inline constexpr std::uint32_t MSR_DAIFSET_2 = 0xd50342df;   // msr daifset, #2
inline constexpr std::uint32_t MSR_DAIFCLR_2 = 0xd50342ff;   // msr daifclr, #2
inline constexpr std::uint32_t MSR_DAIFSET_15 = 0xd5034fdf;  // msr daifset, #15
inline constexpr std::uint32_t MSR_DAIFCLR_9 = 0xd50349ff;   // msr daifclr, #9 (D and F)
inline constexpr std::uint32_t MRS_X2_DAIF = 0xd53b4222;     // mrs x2, daif
inline constexpr std::uint32_t MSR_DAIF_X3 = 0xd51b4223;     // msr daif, x3
inline constexpr std::uint32_t MRS_X4_DAIF = 0xd53b4224;     // mrs x4, daif
inline constexpr std::uint32_t MRS_X5_CURRENTEL = 0xd5384245;  // mrs x5, currentel
inline constexpr std::uint32_t MSR_ELR_X6 = 0xd5184026;      // msr elr_el1, x6
inline constexpr std::uint32_t MSR_SPSR_X7 = 0xd5184007;     // msr spsr_el1, x7
inline constexpr std::uint32_t MRS_X8_ELR = 0xd5384028;      // mrs x8, elr_el1
inline constexpr std::uint32_t MSR_SP_EL0_X9 = 0xd5184109;   // msr sp_el0, x9
inline constexpr std::uint32_t MRS_X10_SP_EL0 = 0xd538410a;  // mrs x10, sp_el0
inline constexpr std::uint32_t MRS_X4_CNTVCT = 0xd53be044;   // mrs x4, cntvct_el0
inline constexpr std::uint32_t MSR_CNTV_TVAL_X5 = 0xd51be305;  // msr cntv_tval_el0, x5
inline constexpr std::uint32_t MSR_CNTV_CTL_X6 = 0xd51be326;   // msr cntv_ctl_el0, x6
inline constexpr std::uint32_t MRS_X11_ICC_IAR1 = 0xd538cc0b;  // mrs x11, icc_iar1_el1
inline constexpr std::uint32_t MSR_ICC_EOIR1_X11 = 0xd518cc2b; // msr icc_eoir1_el1, x11
inline constexpr std::uint32_t MRS_X2_HCR_EL2 = 0xd53c1102;  // mrs x2, hcr_el2
inline constexpr std::uint32_t MSR_SCTLR_X1 = 0xd5181001;    // msr sctlr_el1, x1

}  // namespace trapeze::grading::a64
