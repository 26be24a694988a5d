// The whole state a graded test ends in, field by field in a fixed order, as a graded process
// hands it to the grader: the VM's and vCPU's state, every register the guest or the VMM can
// see, devices, console and counters. Tests add their own fields (a value the guest read)
// and hints: why the reference's value of a field is the right one, for the feedback.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trapeze {
class Vcpu;
class Vm;
}  // namespace trapeze

namespace trapeze::grading {

class Snapshot {
public:
    // Set a field; a field set again keeps its place in the order.
    void set(std::string_view field, std::string value);
    void set_hex(std::string_view field, std::uint64_t value);
    // Why the expected value of `field` is right ("the interrupted PC"). Only the reference's
    // hints reach the feedback, in the order given: a test explains its point first.
    void hint(std::string_view field, std::string_view why);
    // The test could not run to its end (a handler threw something that is not a
    // std::exception, say): the test fails with this, whatever the state.
    void fail(std::string what);

    const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }
    std::string json() const;

private:
    std::vector<std::pair<std::string, std::string>> fields_;
    std::vector<std::pair<std::string, std::string>> hints_;  // in the order given: the test's point first
    std::string failure_;
};

// The guest VA the tests mark in the local exclusive monitor before calling a handler; the
// capture then says whether the handler left the monitor open or cleared it.
inline constexpr std::uint64_t kExclusiveProbe = 0x4008'0800;
void open_exclusive_monitor(Vcpu& vcpu);

// Everything about one vCPU: PSTATE, PC, both stack pointers, X0..X30, every virtual system
// register, the timer, the GIC CPU interface and redistributor, the exclusive monitor.
void capture_vcpu(Snapshot& state, Vcpu& vcpu);
// The VM: whether it runs or why it stopped (budget exhaustion said as "ran past N
// instructions"), the console, a checksum of guest RAM, and vCPU 0 with its exit counters.
void capture_vm(Snapshot& state, Vm& vm, std::uint64_t budget = 0);

// 10000000 -> "10,000,000".
std::string with_commas(std::uint64_t n);

}  // namespace trapeze::grading
