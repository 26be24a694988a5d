// The table from Op to preparer, and the fallback for what has no semantics.
#include "emulator/semantics.h"

#include "emulator/cpu.h"

namespace trapeze {

const SemanticsTable& semantics_table() {
    static const SemanticsTable table = [] {
        SemanticsTable t;
        add_data_processing_immediate(t);
        add_data_processing_register(t);
        add_branches(t);
        add_loads_and_stores(t);
        add_atomics(t);
        add_system(t);
        add_fp_loads_and_stores(t);
        add_simd_structures(t);
        add_fp_data_processing(t);
        add_fp_conversions(t);
        add_simd_three_same(t);
        add_simd_three_different(t);
        add_simd_two_register_misc(t);
        add_simd_shift_immediate(t);
        add_simd_indexed_element(t);
        add_simd_copy_and_permute(t);
        add_simd_across_lanes(t);
        add_crypto(t);
        return t;
    }();
    return table;
}

const Inst* exec_undefined(Cpu& cpu, const Inst* ip) {
    return cpu.raise(ip, make_esr(ExceptionClass::Unknown, 0));
}

void prepare_inst(std::uint32_t word, Inst& out) {
    out = Inst{};
    out.raw = word;
    out.exec = exec_undefined;
    const Decoded d = decode(word);
    if (d.undefined()) return;
    if (const Preparer p = semantics_table().prepare[static_cast<std::size_t>(d.op)]) p(d, out);
}

}  // namespace trapeze
