// Syndromes the interpreter computes from an instruction word.
#pragma once

#include <cstdint>

namespace trapeze {

// The ISS of a data abort caused by `word` (ISV and its fields where the manual gives them:
// single-register loads and stores without writeback, including acquire/release ones).
std::uint32_t data_abort_iss(std::uint32_t word, bool write, std::uint32_t fsc);

}  // namespace trapeze
