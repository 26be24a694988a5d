// What the FP/SIMD guests share: decimal output of doubles (the guest library's formatter
// has no %f) and the FPCR/FPSR registers.
#pragma once

#include <stdint.h>

// Prints v with `decimals` digits after the point, rounded to nearest (ties away from zero).
void print_double(double v, int decimals);
// FPSR's cumulative exception flags, and clearing them; FPCR's rounding mode (0..3).
uint64_t read_fpsr(void);
void clear_fpsr(void);
void set_rounding_mode(unsigned rmode);
// The flags as letters: IDC IXC UFC OFC DZC IOC and QC, "-" for a clear one.
void print_fpsr_flags(uint64_t fpsr);
