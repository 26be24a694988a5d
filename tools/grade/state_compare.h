// Comparing the state a submission's test ended in with the reference's, field by field, and
// saying what differs the way a student can act on: "deliver_irq: ELR_EL1 = 0x40080008,
// expected 0x40080004 (the interrupted PC ...)".
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace trapeze::grade {

struct Difference {
    std::string field;
    std::string got;
    std::string expected;
    std::string why;  // the reference's hint for the field, or ""
};

// The fields that differ, most telling first: the VM's fate, then the fields the test's author
// explained (in the order of the explanations: the test's point first), then the rest in the
// snapshot's order.
std::vector<Difference> compare_states(const nlohmann::ordered_json& expected, const nlohmann::ordered_json& got);

// "SUBJECT: FIELD = got, expected exp (why)", one line per difference up to `max_lines`, and a
// last line naming the other fields that differ. Multi-line values (the console) show their
// first differing line.
std::string describe_differences(const std::string& subject, const std::vector<Difference>& differences,
                                 std::size_t max_lines = 4);

}  // namespace trapeze::grade
