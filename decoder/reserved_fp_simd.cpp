// The reserved-field rules of the FP and Advanced SIMD rows, one per rule, grouped as the rows are.
#include "decoder/reserved_fp_simd.h"

#include <initializer_list>
#include <iterator>
#include <vector>

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

// ---- Advanced SIMD: element sizes (x = size, q = Q, e = sz).
bool size_3(const Decoded& d) { return d.field('x') == 3; }
bool size_3_without_q(const Decoded& d) { return d.field('x') == 3 && d.field('q') == 0; }
bool size_not_h_or_s(const Decoded& d) { return d.field('x') == 0 || d.field('x') == 3; }
bool size_not_b(const Decoded& d) { return d.field('x') != 0; }
bool size_not_d(const Decoded& d) { return d.field('x') != 3; }
bool size_above_h(const Decoded& d) { return d.field('x') >= 2; }
bool double_without_q(const Decoded& d) { return d.field('e') == 1 && d.field('q') == 0; }
bool single_only(const Decoded& d) { return d.field('e') == 1; }
bool double_only(const Decoded& d) { return d.field('e') == 0; }
// Reductions: at least four lanes (8B, 16B, 4H, 8H, 4S).
bool across_reserved(const Decoded& d) { return d.field('x') == 3 || (d.field('x') == 2 && d.field('q') == 0); }
bool fp_across_reserved(const Decoded& d) { return d.field('e') == 1 || d.field('q') == 0; }

// Copy: the lowest set bit of imm5 is the element size; none set is unallocated.
int copy_size(const Decoded& d) {
    const unsigned imm5 = d.field('i');
    for (int size = 0; size < 4; ++size)
        if (imm5 & (1u << size)) return size;
    return -1;
}
bool copy_reserved(const Decoded& d) { return copy_size(d) < 0; }
bool dup_reserved(const Decoded& d) { return copy_size(d) < 0 || (copy_size(d) == 3 && d.field('q') == 0); }
bool smov_reserved(const Decoded& d) { return copy_size(d) < 0 || copy_size(d) >= (d.field('q') ? 3 : 2); }
bool umov_reserved(const Decoded& d) {
    const int size = copy_size(d);
    return size < 0 || (d.field('q') ? size != 3 : size == 3);
}
// FMOV (vector, immediate) of a double needs Q = 1.
bool modified_immediate_reserved(const Decoded& d) {
    return d.field('q') == 0 && d.field('p') == 1 && d.field('c') == 0b1111;
}
bool ext_reserved(const Decoded& d) { return d.field('q') == 0 && d.field('i') >= 8; }

// Shifts by immediate: immh 0000 belongs to the modified-immediate class; 1xxx (64-bit elements)
// needs Q = 1, and cannot be narrowed or widened.
bool shift_reserved(const Decoded& d) { return d.field('h') == 0 || (d.field('h') >= 8 && d.field('q') == 0); }
bool shift_narrow_reserved(const Decoded& d) { return d.field('h') == 0 || d.field('h') >= 8; }
// Fixed-point conversions: single or double only (001x is half precision, FEAT_FP16).
bool shift_fixed_reserved(const Decoded& d) { return d.field('h') < 4 || (d.field('h') >= 8 && d.field('q') == 0); }
bool scalar_shift_d_only(const Decoded& d) { return d.field('h') < 8; }
bool scalar_shift_reserved(const Decoded& d) { return d.field('h') == 0; }
bool scalar_shift_narrow_reserved(const Decoded& d) { return d.field('h') == 0 || d.field('h') >= 8; }
bool scalar_shift_fixed_reserved(const Decoded& d) { return d.field('h') < 4; }

// By element: integer forms have halfword or word elements; a double element has no L bit.
bool element_fp_reserved(const Decoded& d) { return d.field('e') == 1 && (d.field('L') == 1 || d.field('q') == 0); }
bool element_fp_scalar_reserved(const Decoded& d) { return d.field('e') == 1 && d.field('L') == 1; }

// PMULL: 8-bit elements, or 64-bit ones with FEAT_PMULL.
bool pmull_reserved(const Decoded& d) { return d.field('x') == 1 || d.field('x') == 2; }

struct SimdRule {
    bool (*reserved)(const Decoded&);
    std::initializer_list<Op> ops;
};

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

// The Advanced SIMD rules, grouped by rule.
const std::vector<FpSimdReserved>& simd_rules() {
    static const std::vector<FpSimdReserved> rules = [] {
        const SimdRule groups[] = {
            {size_3, {Op::SHADD, Op::SRHADD, Op::SHSUB, Op::SMAX, Op::SMIN, Op::SABD, Op::SABA, Op::MLA, Op::MUL,
                      Op::SMAXP, Op::SMINP, Op::UHADD, Op::URHADD, Op::UHSUB, Op::UMAX, Op::UMIN, Op::UABD, Op::UABA,
                      Op::MLS, Op::UMAXP, Op::UMINP,
                      Op::SADDL, Op::SADDW, Op::SSUBL, Op::SSUBW, Op::ADDHN, Op::SABAL, Op::SUBHN, Op::SABDL, Op::SMLAL,
                      Op::SMLSL, Op::SMULL, Op::UADDL, Op::UADDW, Op::USUBL, Op::USUBW, Op::RADDHN, Op::UABAL,
                      Op::RSUBHN, Op::UABDL, Op::UMLAL, Op::UMLSL, Op::UMULL,
                      Op::REV64, Op::SADDLP, Op::UADDLP, Op::SADALP, Op::UADALP, Op::CLS_v, Op::CLZ_v, Op::XTN,
                      Op::SQXTN, Op::SQXTUN, Op::UQXTN, Op::SHLL,
                      Op::SQXTN_scalar, Op::SQXTUN_scalar, Op::UQXTN_scalar}},
            {size_3_without_q, {Op::SQADD, Op::SQSUB, Op::CMGT, Op::CMGE, Op::SSHL, Op::SQSHL, Op::SRSHL, Op::SQRSHL,
                                Op::ADD_v, Op::CMTST, Op::ADDP, Op::UQADD, Op::UQSUB, Op::CMHI, Op::CMHS, Op::USHL,
                                Op::UQSHL, Op::URSHL, Op::UQRSHL, Op::SUB_v, Op::CMEQ,
                                Op::SUQADD, Op::USQADD, Op::SQABS, Op::SQNEG, Op::CMGT_zero, Op::CMEQ_zero,
                                Op::CMLT_zero, Op::ABS, Op::CMGE_zero, Op::CMLE_zero, Op::NEG_v,
                                Op::UZP1, Op::TRN1, Op::ZIP1, Op::UZP2, Op::TRN2, Op::ZIP2}},
            {size_not_h_or_s, {Op::SQDMULH, Op::SQRDMULH, Op::SQDMLAL, Op::SQDMLSL, Op::SQDMULL,
                               Op::SMLAL_elt, Op::SQDMLAL_elt, Op::SMLSL_elt, Op::SQDMLSL_elt, Op::MUL_elt,
                               Op::SMULL_elt, Op::SQDMULL_elt, Op::SQDMULH_elt, Op::SQRDMULH_elt, Op::MLA_elt,
                               Op::UMLAL_elt, Op::MLS_elt, Op::UMLSL_elt, Op::UMULL_elt,
                               Op::SQDMLAL_scalar, Op::SQDMLSL_scalar, Op::SQDMULL_scalar, Op::SQDMULH_scalar,
                               Op::SQRDMULH_scalar, Op::SQDMLAL_elt_scalar, Op::SQDMLSL_elt_scalar,
                               Op::SQDMULL_elt_scalar, Op::SQDMULH_elt_scalar, Op::SQRDMULH_elt_scalar}},
            {size_not_b, {Op::PMUL, Op::CNT, Op::REV16_v}},
            {size_above_h, {Op::REV32_v}},
            {size_not_d, {Op::CMGT_scalar, Op::CMGE_scalar, Op::SSHL_scalar, Op::SRSHL_scalar, Op::ADD_scalar,
                          Op::CMTST_scalar, Op::CMHI_scalar, Op::CMHS_scalar, Op::USHL_scalar, Op::URSHL_scalar,
                          Op::SUB_scalar, Op::CMEQ_scalar, Op::CMGT_zero_scalar, Op::CMEQ_zero_scalar,
                          Op::CMLT_zero_scalar, Op::ABS_scalar, Op::CMGE_zero_scalar, Op::CMLE_zero_scalar,
                          Op::NEG_scalar, Op::ADDP_scalar}},
            {pmull_reserved, {Op::PMULL}},
            {double_without_q,
             {Op::FMAXNM_v, Op::FMLA_v, Op::FADD_v, Op::FMULX_v, Op::FCMEQ_v, Op::FMAX_v, Op::FRECPS_v, Op::FMINNM_v,
              Op::FMLS_v, Op::FSUB_v, Op::FMIN_v, Op::FRSQRTS_v, Op::FMAXNMP_v, Op::FADDP_v, Op::FMUL_v, Op::FCMGE_v,
              Op::FACGE_v, Op::FMAXP_v, Op::FDIV_v, Op::FMINNMP_v, Op::FABD_v, Op::FCMGT_v, Op::FACGT_v, Op::FMINP_v,
              Op::FRINTN_v, Op::FRINTM_v, Op::FCVTNS_v, Op::FCVTMS_v, Op::FCVTAS_v, Op::SCVTF_v, Op::FCMGT_zero,
              Op::FCMEQ_zero, Op::FCMLT_zero, Op::FABS_v, Op::FRINTP_v, Op::FRINTZ_v, Op::FCVTPS_v, Op::FCVTZS_v,
              Op::FRECPE_v, Op::FRINTA_v, Op::FRINTX_v, Op::FCVTNU_v, Op::FCVTMU_v, Op::FCVTAU_v, Op::UCVTF_v,
              Op::FCMGE_zero, Op::FCMLE_zero, Op::FNEG_v, Op::FRINTI_v, Op::FCVTPU_v, Op::FCVTZU_v, Op::FRSQRTE_v,
              Op::FSQRT_v}},
            {single_only, {Op::URECPE, Op::URSQRTE}},
            {double_only, {Op::FCVTXN, Op::FCVTXN_scalar}},
            {across_reserved, {Op::SADDLV, Op::SMAXV, Op::SMINV, Op::ADDV, Op::UADDLV, Op::UMAXV, Op::UMINV}},
            {fp_across_reserved, {Op::FMAXNMV, Op::FMAXV, Op::FMINNMV, Op::FMINV}},
            {dup_reserved, {Op::DUP_elt, Op::DUP_gen}},
            {copy_reserved, {Op::INS_gen, Op::INS_elt, Op::DUP_scalar}},
            {smov_reserved, {Op::SMOV}},
            {umov_reserved, {Op::UMOV}},
            {modified_immediate_reserved, {Op::MOVI}},
            {ext_reserved, {Op::EXT}},
            {shift_reserved, {Op::SSHR, Op::SSRA, Op::SRSHR, Op::SRSRA, Op::SHL, Op::SQSHL_imm, Op::USHR, Op::USRA,
                              Op::URSHR, Op::URSRA, Op::SRI, Op::SLI, Op::SQSHLU, Op::UQSHL_imm}},
            {shift_narrow_reserved, {Op::SHRN, Op::RSHRN, Op::SQSHRN, Op::SQRSHRN, Op::SSHLL, Op::SQSHRUN,
                                     Op::SQRSHRUN, Op::UQSHRN, Op::UQRSHRN, Op::USHLL}},
            {shift_fixed_reserved, {Op::SCVTF_v_fix, Op::FCVTZS_v_fix, Op::UCVTF_v_fix, Op::FCVTZU_v_fix}},
            {scalar_shift_d_only, {Op::SSHR_scalar, Op::SSRA_scalar, Op::SRSHR_scalar, Op::SRSRA_scalar, Op::SHL_scalar,
                                   Op::USHR_scalar, Op::USRA_scalar, Op::URSHR_scalar, Op::URSRA_scalar,
                                   Op::SRI_scalar, Op::SLI_scalar}},
            {scalar_shift_reserved, {Op::SQSHL_imm_scalar, Op::SQSHLU_scalar, Op::UQSHL_imm_scalar}},
            {scalar_shift_narrow_reserved, {Op::SQSHRN_scalar, Op::SQRSHRN_scalar, Op::SQSHRUN_scalar,
                                            Op::SQRSHRUN_scalar, Op::UQSHRN_scalar, Op::UQRSHRN_scalar}},
            {scalar_shift_fixed_reserved, {Op::SCVTF_fix_scalar, Op::FCVTZS_fix_scalar, Op::UCVTF_fix_scalar,
                                           Op::FCVTZU_fix_scalar}},
            {element_fp_reserved, {Op::FMLA_elt, Op::FMLS_elt, Op::FMUL_elt, Op::FMULX_elt}},
            {element_fp_scalar_reserved, {Op::FMLA_elt_scalar, Op::FMLS_elt_scalar, Op::FMUL_elt_scalar,
                                          Op::FMULX_elt_scalar}},
        };
        std::vector<FpSimdReserved> all(std::begin(kRules), std::end(kRules));
        for (const SimdRule& g : groups)
            for (Op op : g.ops) all.push_back({op, g.reserved});
        return all;
    }();
    return rules;
}

}  // namespace

std::span<const FpSimdReserved> fp_simd_reserved() { return simd_rules(); }

}  // namespace trapeze
