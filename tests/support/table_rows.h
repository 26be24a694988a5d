// The rows of the encoding table from `first` to `last` (the rows of one .inc file are
// consecutive in the Op enum), and whether each has semantics: for the tests that say every row
// of a class is implemented.
#pragma once

#include <doctest/doctest.h>

#include "emulator/semantics.h"

namespace trapeze::test {

// CHECKs that every row in [first, last] has semantics; returns how many rows there are.
inline unsigned check_rows_have_semantics(Op first, Op last) {
    const EncodingTable table = encoding_table();
    unsigned rows = 0;
    for (std::size_t r = 0; r < table.size; ++r) {
        const Op op = table.rows[r].op;
        if (op < first || op > last) continue;
        CAPTURE(op_name(op));
        const bool has_semantics = semantics_table().prepare[static_cast<std::size_t>(op)] != nullptr;
        CHECK(has_semantics);
        ++rows;
    }
    return rows;
}

}  // namespace trapeze::test
