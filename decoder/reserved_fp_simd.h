// Field combinations of the FP and Advanced SIMD rows (decoder/a64/fp_*.inc, simd_*.inc) that
// the manual leaves unallocated or UNDEFINED, and the ones Trapeze does not implement (half
// precision arithmetic, FEAT_FP16). The decoder reports such words as UNDEFINED.
#pragma once

#include <span>

#include "decoder/decoder.h"

namespace trapeze {

struct FpSimdReserved {
    Op op;
    bool (*reserved)(const Decoded&);
};

std::span<const FpSimdReserved> fp_simd_reserved();

}  // namespace trapeze
