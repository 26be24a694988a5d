// The reserved-field rules of the FP and Advanced SIMD rows, one per rule, grouped as the rows are.
#include "decoder/reserved_fp_simd.h"

namespace trapeze {
namespace {

// ---- SIMD&FP loads and stores
// A Q access (opc<1> = 1) exists with size 00 only.
bool q_with_size(const Decoded& d) { return d.field('q') && d.field('x') != 0; }
bool q_with_size_or_option(const Decoded& d) { return q_with_size(d) || (d.field('o') & 2) == 0; }
// Literal and pair forms: opc 11 is unallocated.
bool opc_3(const Decoded& d) { return d.field('x') == 3; }

// LD1-LD4/ST1-ST4 (multiple structures): the allocated opcodes, and no 1D arrangement for
// more than one register per structure.
bool multiple_reserved(const Decoded& d) {
    const unsigned opcode = d.field('o');
    unsigned selem;
    switch (opcode) {
    case 0b0000: selem = 4; break;
    case 0b0100: selem = 3; break;
    case 0b1000: selem = 2; break;
    case 0b0010: case 0b0110: case 0b0111: case 0b1010: selem = 1; break;
    default: return true;
    }
    return d.field('x') == 3 && d.field('q') == 0 && selem != 1;
}

// LD1-LD4/ST1-ST4 (single structure): opcode<2:1> is the element size, with its own rules.
bool single_reserved(const Decoded& d) {
    const unsigned scale = d.field('o') >> 1, size = d.field('x');
    switch (scale) {
    case 0: return false;
    case 1: return size & 1;
    case 2: return (size & 2) || (size == 1 && d.field('S'));
    default: return true;  // load and replicate has its own rows
    }
}

// ---- Scalar FP: ftype 10 is unallocated, 11 (half precision) needs FEAT_FP16.
bool ftype_reserved(const Decoded& d) { return d.field('e') >= 2; }
bool fcvt_reserved(const Decoded& d) {
    const unsigned from = d.field('e'), to = d.field('o');
    return from == 2 || to == 2 || from == to;
}
// Fixed-point conversions: a 32-bit integer has at most 32 fraction bits (scale >= 32).
bool fixed_reserved(const Decoded& d) { return ftype_reserved(d) || (d.field('z') == 0 && d.field('s') < 32); }
// FMOV (general): W with S, X with D (half precision needs FEAT_FP16).
bool fmov_general_reserved(const Decoded& d) { return d.field('e') != d.field('z'); }

constexpr FpSimdReserved kRules[] = {
    {Op::LDR_lit_fp, opc_3},
    {Op::STNP_fp, opc_3},        {Op::LDNP_fp, opc_3},
    {Op::STP_fp_post, opc_3},    {Op::LDP_fp_post, opc_3},
    {Op::STP_fp_off, opc_3},     {Op::LDP_fp_off, opc_3},
    {Op::STP_fp_pre, opc_3},     {Op::LDP_fp_pre, opc_3},
    {Op::STUR_fp, q_with_size},  {Op::LDUR_fp, q_with_size},
    {Op::STR_fp_post, q_with_size}, {Op::LDR_fp_post, q_with_size},
    {Op::STR_fp_pre, q_with_size},  {Op::LDR_fp_pre, q_with_size},
    {Op::STR_fp_reg, q_with_size_or_option}, {Op::LDR_fp_reg, q_with_size_or_option},
    {Op::STR_fp_imm, q_with_size},  {Op::LDR_fp_imm, q_with_size},
    {Op::ST_mult, multiple_reserved}, {Op::LD_mult, multiple_reserved},
    {Op::ST_mult_post, multiple_reserved}, {Op::LD_mult_post, multiple_reserved},
    {Op::ST_single, single_reserved}, {Op::LD_single, single_reserved},
    {Op::ST_single_post, single_reserved}, {Op::LD_single_post, single_reserved},

    {Op::SCVTF_fix, fixed_reserved},  {Op::UCVTF_fix, fixed_reserved},
    {Op::FCVTZS_fix, fixed_reserved}, {Op::FCVTZU_fix, fixed_reserved},
    {Op::FCVTNS_gen, ftype_reserved}, {Op::FCVTNU_gen, ftype_reserved},
    {Op::SCVTF_gen, ftype_reserved},  {Op::UCVTF_gen, ftype_reserved},
    {Op::FCVTAS_gen, ftype_reserved}, {Op::FCVTAU_gen, ftype_reserved},
    {Op::FMOV_to_gen, fmov_general_reserved}, {Op::FMOV_from_gen, fmov_general_reserved},
    {Op::FCVTPS_gen, ftype_reserved}, {Op::FCVTPU_gen, ftype_reserved},
    {Op::FCVTMS_gen, ftype_reserved}, {Op::FCVTMU_gen, ftype_reserved},
    {Op::FCVTZS_gen, ftype_reserved}, {Op::FCVTZU_gen, ftype_reserved},

    {Op::FMOV_fp, ftype_reserved},   {Op::FABS_fp, ftype_reserved},
    {Op::FNEG_fp, ftype_reserved},   {Op::FSQRT_fp, ftype_reserved},
    {Op::FCVT_fp, fcvt_reserved},
    {Op::FRINTN_fp, ftype_reserved}, {Op::FRINTP_fp, ftype_reserved},
    {Op::FRINTM_fp, ftype_reserved}, {Op::FRINTZ_fp, ftype_reserved},
    {Op::FRINTA_fp, ftype_reserved}, {Op::FRINTX_fp, ftype_reserved},
    {Op::FRINTI_fp, ftype_reserved},
    {Op::FCMP_fp, ftype_reserved},   {Op::FMOV_fp_imm, ftype_reserved},
    {Op::FCCMP_fp, ftype_reserved},
    {Op::FMUL_fp, ftype_reserved},   {Op::FDIV_fp, ftype_reserved},
    {Op::FADD_fp, ftype_reserved},   {Op::FSUB_fp, ftype_reserved},
    {Op::FMAX_fp, ftype_reserved},   {Op::FMIN_fp, ftype_reserved},
    {Op::FMAXNM_fp, ftype_reserved}, {Op::FMINNM_fp, ftype_reserved},
    {Op::FNMUL_fp, ftype_reserved},  {Op::FCSEL_fp, ftype_reserved},
    {Op::FMADD_fp, ftype_reserved},  {Op::FMSUB_fp, ftype_reserved},
    {Op::FNMADD_fp, ftype_reserved}, {Op::FNMSUB_fp, ftype_reserved},
};

}  // namespace

std::span<const FpSimdReserved> fp_simd_reserved() { return kRules; }

}  // namespace trapeze
