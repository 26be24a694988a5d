// What the exception entry from EL0 saves of a process (vectors.S), at the top of its
// kernel stack: the general registers, and the three system registers that hold the rest
// of its state while the kernel runs.
#pragma once

#define TF_X30 240  // x[30]
#define TF_SP 248   // SP_EL0
#define TF_PC 256   // ELR_EL1: where it resumes
#define TF_PSTATE 264  // SPSR_EL1: the PSTATE it resumes with
#define TF_SIZE 272    // a multiple of 16, as SP must stay

#ifndef __ASSEMBLER__
#include <stdint.h>

struct trapframe {
    uint64_t x[31];
    uint64_t sp;
    uint64_t pc;
    uint64_t pstate;
};

_Static_assert(sizeof(struct trapframe) == TF_SIZE, "vectors.S and struct trapframe disagree");
_Static_assert(__builtin_offsetof(struct trapframe, pc) == TF_PC, "vectors.S and struct trapframe disagree");
#endif
