// v1's exercises: where the physical timer leaves a loop, a UART access as a data abort and
// its syndrome, and the hypercalls a v1 VMM answers.
#include <fmt/format.h>

#include "decoder/disassembler.h"
#include "harness/machine.h"
#include "tools/quiz/question.h"
#include "versions/v1/handlers.h"
#include "vmm/devices/psci.h"

namespace trapeze::quiz {
namespace {

using grading::Machine;
using grading::TestContext;
using test::kLoad;

const TestContext kV1{v1::install, ""};

std::string listing(const std::vector<std::uint32_t>& words) {
    std::string text;
    for (std::size_t i = 0; i < words.size(); ++i)
        text += fmt::format("    {:#x}  {}\n", kLoad + 4 * i, disassemble(words[i], kLoad + 4 * i));
    return text;
}

Question physical_timer(Random& random) {
    const std::vector<std::uint32_t> words = {0x91000421, 0x91000842, 0x17fffffe};  // add x1; add x2, #2; b .-8
    const unsigned quantum = 4 + static_cast<unsigned>(random.below(37));
    Question q;
    q.title = "the physical timer takes the CPU back";
    q.situation = fmt::format(
        "The guest starts at pc={:#x} at EL1 with x1 = x2 = 0 and runs this loop:\n{}"
        "The VMM armed the physical timer for a quantum of {} instructions.\n",
        kLoad, listing(words), quantum);
    q.ask = "When the quantum expires the VMM gets the CPU back (a VM exit) and resumes the guest.\n"
            "At which PC does the guest resume, and what are x1 and x2 at that moment?";

    Machine m(kV1, words);
    Vcpu& v = m.vcpu();
    v.cpu().run(quantum);
    const Action action = m.hooks.physical_timer(v);
    q.answer = {{"resumes at", action.kind == Action::Kind::ResumeAt ? hex(action.pc) : "(no resume_at)"},
                {"x1", hex(v.x(1))},
                {"x2", hex(v.x(2))}};

    const unsigned rounds = quantum / 3, rest = quantum % 3;
    q.derived = {{"resumes at", hex(kLoad + 4 * rest)},
                 {"x1", hex(rounds + (rest >= 1))},
                 {"x2", hex(2 * (rounds + (rest >= 2)))}};
    q.reasoning = {
        fmt::format("The loop is 3 instructions: {} = 3 x {} + {}, so {} whole rounds retire, then {} more "
                    "instruction{}.",
                    quantum, rounds, rest, rounds, rest, rest == 1 ? "" : "s"),
        fmt::format("x1 grows by 1 per retired `add x1`: {}; x2 by 2 per retired `add x2`: {}.", q.derived[1].second,
                    q.derived[2].second),
        fmt::format("The timer fires between two instructions: the one at {} has not run yet, so the VMM resumes "
                    "the guest exactly there (resume_at the vCPU's PC), not after it.",
                    q.derived[0].second),
    };
    return q;
}

Question uart_access(Random& random) {
    const unsigned t = static_cast<unsigned>(random.below(29)), n = t + 1 + static_cast<unsigned>(random.below(30 - t));
    const bool store = random.chance(60);
    constexpr std::string_view kChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const char ch = kChars[random.below(kChars.size())];
    const std::uint64_t junk = random.next() & ~0xffull;
    // strb w<t>, [x<n>]   or   ldr w<t>, [x<n>, #0x18]
    const std::uint32_t word = store ? 0x39000000 | (n << 5) | t : 0xb9401800 | (n << 5) | t;
    Question q;
    q.title = store ? "the guest writes to the UART" : "the guest reads the UART's flags";
    q.situation = fmt::format(
        "The UART (PL011) is at {:#x}; it is not RAM, so the guest's accesses trap to the VMM.\n"
        "The guest executes, at pc={:#x}:\n    {}\nwith x{} = {:#x} and x{} = {:#x}.\n",
        kPl011Base, kLoad, disassemble(word, kLoad), n, kPl011Base, t, store ? junk | ch : junk);
    q.ask = "Which exception class reaches the VMM, and what do the ISS fields ISV, SAS, SRT and WnR and the FAR say?\n"
            "What does the VMM do, and where does the guest continue?";

    Machine m(kV1, {word, 0xd503201f});
    Vcpu& v = m.vcpu();
    v.set_x(n, kPl011Base);
    v.set_x(t, store ? junk | ch : junk);
    const RunResult& r = v.cpu().run(10);
    const Exit exit = r.exit;
    m.monitor.handle_exit(v, exit);
    m.vm.uart().flush();
    const DataAbortIss iss = DataAbortIss::decode(exit.iss());
    q.answer = {{"EC", hex(static_cast<unsigned>(exit.ec()))},
                {"ISV", std::to_string(iss.isv)},
                {"SAS", std::to_string(iss.sas)},
                {"SRT", fmt::format("x{}", iss.srt)},
                {"WnR", std::to_string(iss.wnr)},
                {"FAR", hex(exit.far)},
                {store ? "console" : fmt::format("x{}", t), store ? fmt::format("'{}'", m.vm.uart().output())
                                                                  : hex(v.x(t))},
                {"next PC", hex(v.pc())}};

    q.derived = {{"EC", "0x24"},
                 {"ISV", "1"},
                 {"SAS", store ? "0" : "2"},
                 {"SRT", fmt::format("x{}", t)},
                 {"WnR", store ? "1" : "0"},
                 {"FAR", hex(kPl011Base + (store ? 0 : 0x18))},
                 {store ? "console" : fmt::format("x{}", t), store ? fmt::format("'{}'", ch) : "0x90"},
                 {"next PC", hex(kLoad + 4)}};
    q.reasoning = {
        "EC 0x24 is a data abort from a lower EL: the guest kernel runs at EL0 of the interpreter, and the "
        "address is a device, not RAM.",
        fmt::format("ISV = 1: a single {} without writeback, so the syndrome describes it: SAS = {} ({}), SRT = x{} "
                    "(the transfer register), WnR = {} ({}).",
                    store ? "store" : "load", store ? 0 : 2, store ? "one byte" : "a 32-bit word", t, store ? 1 : 0,
                    store ? "a write" : "a read"),
        store ? fmt::format("FAR = {:#x} = UARTDR: the VMM writes the low byte of w{}, '{}', to the console.",
                            kPl011Base, t, ch)
              : fmt::format("FAR = {:#x} = UARTFR (offset 0x18): the flags read TXFE | RXFE = 0x90, and a 32-bit load "
                            "zeroes the top half of x{}.",
                            kPl011Base + 0x18, t),
        "The access is emulated, so the guest continues with the next instruction (PC + 4).",
    };
    return q;
}

Question hypercall(Random& random) {
    constexpr std::pair<std::uint32_t, std::string_view> kCalls[] = {
        {psci::kSystemOff, "SYSTEM_OFF"}, {psci::kVersion, "PSCI_VERSION"},
        {psci::kCpuOn, "CPU_ON"},         {psci::kSystemReset, "SYSTEM_RESET"}};
    const auto& [function, name] = kCalls[random.below(std::size(kCalls))];
    Question q;
    q.title = "a hypercall to a v1 VMM";
    q.situation = fmt::format("The guest executes `hvc #0` at pc={:#x} with x0 = {:#x} (PSCI {}).\n", kLoad, function,
                              name);
    q.ask = "What does the v1 VMM do?";

    Machine m(kV1, {0xd4000002, 0xd503201f});
    m.vcpu().set_x(0, function);
    m.step();
    q.answer = {{"the VM", vm_outcome(m.vm)}};

    const std::string adds = function == psci::kCpuOn ? "v7" : "v2";
    const std::string stopped = fmt::format("stopped: not virtualized here, {} adds it", adds);
    q.derived = {{"the VM", function == psci::kSystemOff ? "powered off" : stopped}};
    q.reasoning = {
        "HVC traps to the VMM with EC 0x16; the function ID is in x0 (PSCI, Arm DEN 0022).",
        function == psci::kSystemOff
            ? "v1 virtualizes exactly one call, SYSTEM_OFF: the VMM powers the VM off."
            : fmt::format("v1 virtualizes only SYSTEM_OFF. {} is not virtualized here: the VM stops, and the message "
                          "names {}, the version that adds it.",
                          name, adds),
    };
    return q;
}

constexpr QuestionKind kKinds[] = {
    {"physical-timer", physical_timer},
    {"uart", uart_access},
    {"hvc", hypercall},
};

}  // namespace

const QuizVersion& quiz_v1() {
    static const QuizVersion v{"v1", kKinds};
    return v;
}

}  // namespace trapeze::quiz
