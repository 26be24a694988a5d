// Data-abort syndromes: ISV and its fields for the single-register accesses, ISV = 0 otherwise.
#include <doctest/doctest.h>

#include "emulator/exception_class.h"
#include "emulator/syndrome.h"

using namespace trapeze;

namespace {
DataAbortIss iss_of(std::uint32_t word, bool write = false) {
    return DataAbortIss::decode(data_abort_iss(word, write, kFscTranslationLevel0));
}
}  // namespace

TEST_CASE("literal loads describe themselves (ISV = 1) with their fixed sizes") {
    const DataAbortIss x = iss_of(0x58000043);  // ldr x3, #8
    CHECK(x.isv);
    CHECK(x.sas == 3);
    CHECK(x.srt == 3);
    CHECK(x.sf);
    CHECK_FALSE(x.sse);
    const DataAbortIss w = iss_of(0x18000044);  // ldr w4, #8
    CHECK(w.sas == 2);
    CHECK_FALSE(w.sf);
    const DataAbortIss sw = iss_of(0x98000045);  // ldrsw x5, #8
    CHECK(sw.sas == 2);
    CHECK(sw.sse);
    CHECK(sw.sf);
}

TEST_CASE("register loads and stores: size, sign extension, register width, acquire/release") {
    const DataAbortIss sb = iss_of(0x39c00041);  // ldrsb w1, [x2]
    CHECK(sb.isv);
    CHECK(sb.sas == 0);
    CHECK(sb.sse);
    CHECK_FALSE(sb.sf);
    const DataAbortIss h = iss_of(0x79400446);  // ldrh w6, [x2, #2]
    CHECK(h.sas == 1);
    CHECK(h.srt == 6);
    const DataAbortIss rel = iss_of(0x889ffc47, true);  // stlr w7, [x2]
    CHECK(rel.isv);
    CHECK(rel.ar);
    CHECK(rel.wnr);
    CHECK(rel.dfsc == kFscTranslationLevel0);
}

TEST_CASE("pairs and writeback forms have no syndrome (ISV = 0)") {
    CHECK_FALSE(iss_of(0xa9000861, true).isv);  // stp x1, x2, [x3]
    CHECK_FALSE(iss_of(0xf8008448, true).isv);  // str x8, [x2], #8
}
