// Data-abort syndromes: which accesses the manual describes with ISV = 1.
#include "emulator/syndrome.h"

#include "decoder/decoder.h"
#include "emulator/exception_class.h"

namespace trapeze {
namespace {

enum class Extend : std::uint8_t { Zero, SignToX, SignToW };

struct SingleRegisterAccess {
    Op op;
    Extend extend;
    bool acquire_release;
    int size = -1;  // SAS for the forms without a size field; -1: the size field
};

// The loads and stores of one general-purpose register without writeback (ISV = 1).
constexpr SingleRegisterAccess kIsvAccesses[] = {
    {Op::STUR, Extend::Zero, false},    {Op::LDUR, Extend::Zero, false},
    {Op::LDURS_x, Extend::SignToX, false}, {Op::LDURS_w, Extend::SignToW, false},
    {Op::STTR, Extend::Zero, false},    {Op::LDTR, Extend::Zero, false},
    {Op::LDTRS_x, Extend::SignToX, false}, {Op::LDTRS_w, Extend::SignToW, false},
    {Op::STR_reg, Extend::Zero, false}, {Op::LDR_reg, Extend::Zero, false},
    {Op::LDRS_x_reg, Extend::SignToX, false}, {Op::LDRS_w_reg, Extend::SignToW, false},
    {Op::STR_imm, Extend::Zero, false}, {Op::LDR_imm, Extend::Zero, false},
    {Op::LDRS_x_imm, Extend::SignToX, false}, {Op::LDRS_w_imm, Extend::SignToW, false},
    {Op::STLR, Extend::Zero, true},     {Op::LDAR, Extend::Zero, true},
    {Op::LDAPR, Extend::Zero, true},
    {Op::LDR_lit_w, Extend::Zero, false, 2}, {Op::LDR_lit_x, Extend::Zero, false, 3},
    {Op::LDRSW_lit, Extend::SignToX, false, 2},
};

}  // namespace

std::uint32_t data_abort_iss(std::uint32_t word, bool write, std::uint32_t fsc) {
    DataAbortIss iss;
    iss.wnr = write;
    iss.dfsc = fsc;
    const Decoded d = decode(word);
    for (const SingleRegisterAccess& a : kIsvAccesses) {
        if (a.op != d.op) continue;
        iss.isv = true;
        iss.sas = a.size >= 0 ? static_cast<unsigned>(a.size) : d.field('x');
        iss.sse = a.extend != Extend::Zero;
        iss.srt = d.field('t');
        iss.sf = a.extend == Extend::SignToX || (a.extend == Extend::Zero && iss.sas == 3);
        iss.ar = a.acquire_release;
        break;
    }
    return iss.encode();
}

}  // namespace trapeze
