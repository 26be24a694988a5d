// v1's graded tests and their table: the physical timer, PSCI SYSTEM_OFF over HVC, the UART
// by trapped MMIO, and the v1 guests end to end. Each test drives v1's handlers from a real
// exit; the grader compares the whole state it ends in with the reference's.
#include "harness/a64.h"
#include "harness/machine.h"
#include "versions/v1/handlers.h"
#include "vmm/devices/psci.h"

namespace trapeze::grading {
namespace {

using namespace a64;
using test::kLoad;

// ---- the physical timer (V1:010)

void timer_resumes_where_interrupted(const TestContext& c, Snapshot& s) {
    Machine m(c, {ADD_X1_X1_1, ADD_X1_X1_1, ADD_X1_X1_1, ADD_X1_X1_1, HVC_0});
    Vcpu& v = m.vcpu();
    v.set_pc(kLoad + 8);  // two adds ran, the third is next when the quantum expires
    v.set_x(1, 2);
    v.set_x(0, psci::kSystemOff);
    m.physical_timer(s);
    m.step();  // the rest of the adds, then SYSTEM_OFF
    m.capture(s);
    s.hint("after the physical-timer exit", "the interrupted instruction has not run yet: resume at the vCPU's PC");
    s.hint("X1", "each of the four adds runs exactly once across the physical-timer exit");
    s.hint("PC", "the guest goes on to its HVC and powers off");
}

void timer_in_a_loop(const TestContext& c, Snapshot& s) {
    // A counting loop cut by the physical timer every 7 instructions, 50 times.
    Machine m(c, {ADD_X1_X1_1, B_BACK_1});
    Vcpu& v = m.vcpu();
    for (int slice = 0; slice < 50 && m.vm.running(); ++slice) {
        const RunResult& r = v.cpu().run(7);
        v.retired += r.retired;
        m.physical_timer(s);
    }
    m.capture(s);
    s.hint("X1", "every instruction of `add x1, x1, #1; b .-4` runs exactly once across the exits: none is "
                 "skipped or repeated");
    s.hint("PC", "the loop stops where the last quantum ended");
}

// ---- PSCI over HVC (V1:020)

void system_off(const TestContext& c, Snapshot& s) {
    Machine m(c, {HVC_0, NOP});
    m.vcpu().set_x(0, psci::kSystemOff);
    m.step();
    m.capture(s);
    s.hint("VM", "PSCI SYSTEM_OFF, x0 = 0x84000008, powers the VM off");
}

void other_psci_calls_are_for_later(const TestContext& c, Snapshot& s) {
    Machine m(c, {HVC_0, NOP});
    m.vcpu().set_x(0, psci::kVersion);
    m.step();
    m.capture(s);
    s.hint("VM", "v1 virtualizes only SYSTEM_OFF: any other call is not virtualized, and the VMM names v2");
}

// ---- the UART (V1:030)

void uart_write(const TestContext& c, Snapshot& s) {
    Machine m(c, {STR_W1_X2, STR_W1_X2, STR_W1_X2, NOP});
    Vcpu& v = m.vcpu();
    v.set_x(2, kPl011Base);  // UARTDR
    for (const char ch : {'O', 'K', '\n'}) {
        v.set_x(1, static_cast<unsigned char>(ch));
        m.step();
    }
    m.capture(s);
    s.hint("console", "each STR to UARTDR emulated: the guest printed \"OK\\n\"");
    s.hint("PC", "after each emulated access the guest continues with the next instruction");
}

void uart_read_flags(const TestContext& c, Snapshot& s) {
    Machine m(c, {LDR_W3_X2_18, NOP});
    Vcpu& v = m.vcpu();
    v.set_x(2, kPl011Base);
    v.set_x(3, ~0ull);
    m.step();
    m.capture(s);
    s.hint("X3", "UARTFR reads TXFE | RXFE = 0x90, and a 32-bit load zeroes the top half of x3");
    s.hint("PC", "after the emulated load the guest continues with the next instruction");
}

void uart_byte_store(const TestContext& c, Snapshot& s) {
    Machine m(c, {STRB_W1_X2, NOP});
    Vcpu& v = m.vcpu();
    v.set_x(2, kPl011Base);
    v.set_x(1, 0x7700 | 'A');  // only the low byte is stored
    m.step();
    m.capture(s);
    s.hint("console", "a byte store, SAS = 0, writes only the low byte of w1: 'A'");
}

void store_outside_the_vm(const TestContext& c, Snapshot& s) {
    Machine m(c, {STR_W1_X2, NOP});
    m.vcpu().set_x(2, 0x1000);
    m.step();
    m.capture(s);
    s.hint("VM", "0x1000 is neither RAM nor a device: the VM stops, saying the guest touched memory it does not own");
}

void gic_is_not_a_v1_device(const TestContext& c, Snapshot& s) {
    Machine m(c, {STR_W1_X2, NOP});
    m.vcpu().set_x(2, kGicDistributorBase);
    m.step();
    m.capture(s);
    s.hint("VM", "v1 emulates only the UART: a GIC access is not virtualized, and the VMM names v2");
}

// ---- whole guests

MonitorOptions options(std::uint64_t quantum) {
    MonitorOptions o;
    o.quantum = quantum;
    o.budget = 10'000'000;
    return o;
}

void guest_hello(const TestContext& c, Snapshot& s) {
    run_guest(c, s, "hello.elf", options(20'000));
    s.hint("console", "hello.elf prints its greeting through the UART");
    s.hint("VM", "the guest ends with PSCI SYSTEM_OFF");
}

void guest_primes(const TestContext& c, Snapshot& s) {
    run_guest(c, s, "primes.elf", options(20'000));
    s.hint("console", "primes.elf prints the hash of its sieve: every instruction ran exactly once");
    s.hint("VM", "the guest ends with PSCI SYSTEM_OFF");
}

void guest_primes_short_quantum(const TestContext& c, Snapshot& s) {
    run_guest(c, s, "primes.elf", options(997));
    s.hint("console", "with a physical-timer exit every 997 instructions, the sieve's hash is still the same");
    s.hint("physical-timer exits", "one exit per 997 retired instructions");
}

constexpr GradedTest kTests[] = {
    // name, the subject its feedback names, points, visibility, the test; what it checks
    {"v1.timer.resume", "handle_physical_timer", 3, Visibility::Visible, timer_resumes_where_interrupted,
     "the physical timer resumes the guest where it was interrupted"},
    {"v1.timer.loop", "handle_physical_timer", 2, Visibility::Hidden, timer_in_a_loop,
     "a loop cut by the physical timer 50 times runs exactly as without it"},
    {"v1.hvc.system-off", "handle_hvc", 2, Visibility::Visible, system_off,
     "PSCI SYSTEM_OFF powers the VM off"},
    {"v1.hvc.other", "handle_hvc", 1, Visibility::Hidden, other_psci_calls_are_for_later,
     "other PSCI calls are not virtualized in v1"},
    {"v1.uart.write", "handle_data_abort", 2, Visibility::Visible, uart_write,
     "stores to UARTDR reach the console; the guest continues after each"},
    {"v1.uart.flags", "handle_data_abort", 2, Visibility::Visible, uart_read_flags,
     "a load of UARTFR returns the flags in the load's register"},
    {"v1.uart.byte", "handle_data_abort", 1, Visibility::Hidden, uart_byte_store,
     "a byte store writes one byte"},
    {"v1.abort.outside", "handle_data_abort", 1, Visibility::Visible, store_outside_the_vm,
     "a store outside RAM and devices stops the VM"},
    {"v1.abort.gic", "handle_data_abort", 1, Visibility::Hidden, gic_is_not_a_v1_device,
     "the GIC is not a v1 device"},
    {"v1.guest.hello", "the v1 VMM", 2, Visibility::Visible, guest_hello,
     "hello.elf: console, exits by class, final state"},
    {"v1.guest.primes", "the v1 VMM", 2, Visibility::Visible, guest_primes,
     "primes.elf: console, exits by class, final state"},
    {"v1.guest.primes-quantum", "the v1 VMM", 2, Visibility::Hidden, guest_primes_short_quantum,
     "primes.elf with a physical-timer exit every 997 instructions"},
};

}  // namespace

const GradedVersion& graded_version() {
    static const GradedVersion v{"v1", v1::install, kTests};
    return v;
}

}  // namespace trapeze::grading
