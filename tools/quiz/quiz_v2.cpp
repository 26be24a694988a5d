// v2's exercises: a trapped MSR/MRS and its syndrome, decoding an ESR, a vIRQ arriving (or
// waiting behind irq_bit), ERET, DAIFSet/DAIFClr, and PSCI 1.1.
#include <cctype>

#include <fmt/format.h>

#include "decoder/disassembler.h"
#include "harness/machine.h"
#include "tools/quiz/question.h"
#include "versions/v2/handlers.h"
#include "vmm/devices/psci.h"
#include "vmm/sysreg_emulation.h"

namespace trapeze::quiz {
namespace {

using grading::Machine;
using grading::TestContext;
using test::kLoad;

const TestContext kV2{v2::install, ""};
constexpr std::uint32_t kNop = 0xd503201f, kAddX1 = 0x91000421, kEret = 0xd69f03e0, kHvc = 0xd4000002;
constexpr std::uint32_t kDaifMask = 0x3c0, kI = 1u << 7;

// The registers an exercise may move, by the encodings the Arm ARM gives them (not the VMM's
// table: the rules and the run must agree without sharing code).
struct Register {
    std::string_view name;
    unsigned op0, op1, crn, crm, op2;
    bool writable;
};
constexpr Register kRegisters[] = {
    {"VBAR_EL1", 3, 0, 12, 0, 0, true},      {"ELR_EL1", 3, 0, 4, 0, 1, true},
    {"SPSR_EL1", 3, 0, 4, 0, 0, true},       {"SP_EL0", 3, 0, 4, 1, 0, true},
    {"TPIDR_EL1", 3, 0, 13, 0, 4, true},     {"CONTEXTIDR_EL1", 3, 0, 13, 0, 1, true},
    {"DAIF", 3, 3, 4, 2, 1, true},           {"CurrentEL", 3, 0, 4, 2, 2, false},
    {"CNTV_CVAL_EL0", 3, 3, 14, 3, 2, true},
};

struct SysregAccess {
    const Register* reg;
    bool read;
    unsigned rt;
    std::uint64_t value;  // what x<rt> holds (MSR) or the register holds (MRS)

    // MSR/MRS (register): 1101 0101 00 L 1 o0 op1 CRn CRm op2 Rt, with Op0 = 2 + o0.
    std::uint32_t word() const {
        return 0xd5100000 | (read ? 1u << 21 : 0) | ((reg->op0 - 2) << 19) | (reg->op1 << 16) | (reg->crn << 12) |
               (reg->crm << 8) | (reg->op2 << 5) | rt;
    }
    // ISS for EC 0x18 (Arm ARM, ESR_EL2 "ISS encoding for an exception from MSR, MRS...").
    std::uint32_t iss() const {
        return (reg->op0 << 20) | (reg->op2 << 17) | (reg->op1 << 14) | (reg->crn << 10) | (rt << 5) |
               (reg->crm << 1) | (read ? 1 : 0);
    }
    std::uint32_t esr() const { return (0x18u << 26) | (1u << 25) | iss(); }
    std::string text() const {
        std::string name(reg->name);
        for (char& c : name) c = static_cast<char>(std::tolower(c));
        return read ? fmt::format("mrs x{}, {}", rt, name) : fmt::format("msr {}, x{}", name, rt);
    }
};

SysregAccess random_access(Random& random) {
    SysregAccess a;
    a.reg = &kRegisters[random.below(std::size(kRegisters))];
    a.read = !a.reg->writable || random.chance(40);
    a.rt = static_cast<unsigned>(random.below(31));
    const std::string_view name = a.reg->name;
    if (name == "VBAR_EL1") a.value = 0x4009'0000 + (a.read ? random.below(32) * 0x800 : random.below(0x1'0000));
    else if (name == "DAIF") a.value = a.read ? random.below(16) << 6 : random.next() & 0xffff;
    else if (name == "CurrentEL") a.value = 4;
    else a.value = random.next() & 0xffff'ffff'ffff;
    return a;
}

// The register's value as the VMM now holds it (the MSR's effect), read the way MRS reads it.
std::uint64_t held(Vcpu& v, const SysregAccess& a) {
    const SysregInfo* info = find_sysreg(SysRegIss::decode(a.iss()));
    return info ? read_sysreg(v, info->id) : 0;
}

// What an MSR stores (bits the register does not hold read as zero).
std::uint64_t stored(const SysregAccess& a) {
    if (a.reg->name == "VBAR_EL1") return a.value & ~0x7ffull;  // bits 10..0 RES0
    if (a.reg->name == "DAIF") return a.value & kDaifMask;       // only D, A, I, F
    return a.value;
}

std::string store_rule(const SysregAccess& a) {
    if (a.reg->name == "VBAR_EL1") return "bits 10..0 of VBAR_EL1 are RES0: the VMM stores the value with them cleared";
    if (a.reg->name == "DAIF") return "DAIF holds only bits 9..6 (D, A, I, F): the rest of the value is not kept";
    if (a.reg->name == "SP_EL0")
        return "at EL1 with SPSel = 1, SP_EL0 is the banked EL0 stack pointer, not the current SP";
    return "the VMM keeps the value in the vCPU's virtual state";
}

// Runs one trapped MSR/MRS on the reference handlers: the exit it makes and the state after.
struct Ran {
    Exit exit;
    std::uint64_t xt = 0, reg = 0, next_pc = 0;
};
Ran run_access(const SysregAccess& a) {
    Machine m(kV2, {a.word(), kNop});
    Vcpu& v = m.vcpu();
    if (a.read) {
        if (a.reg->name == "DAIF") v.set_daif(static_cast<std::uint32_t>(a.value));
        else if (a.reg->name == "SP_EL0") v.set_sp_el0(a.value);
        else if (a.reg->name == "CNTV_CVAL_EL0") v.timer.cval = a.value;
        else if (const SysregInfo* info = find_sysreg(SysRegIss::decode(a.iss())); info && a.reg->name != "CurrentEL")
            v.set_sysreg(info->id, a.value);
    } else {
        v.set_x(a.rt, a.value);
    }
    Ran ran;
    ran.exit = v.cpu().run(10).exit;
    m.monitor.handle_exit(v, ran.exit);
    ran.xt = v.x(a.rt);
    ran.reg = held(v, a);
    ran.next_pc = v.pc();
    return ran;
}

Question sysreg_trap(Random& random) {
    const SysregAccess a = random_access(random);
    Question q;
    q.title = a.read ? "the guest reads a system register" : "the guest writes a system register";
    const std::string before = a.read
                                   ? fmt::format("{} holds {:#x} in the vCPU's virtual state.\n", a.reg->name, a.value)
                                   : fmt::format("x{} = {:#x}.\n", a.rt, a.value);
    q.situation = fmt::format("The guest kernel (virtual EL1, really EL0) executes, at pc={:#x}:\n    {}\n{}", kLoad,
                              disassemble(a.word(), kLoad), before);
    q.ask = fmt::format("It traps. Give the ESR's EC and ISS (and the ISS fields Op0, Op1, CRn, CRm, Op2, Rt and the "
                        "direction), {}, and the PC the guest continues at.",
                        a.read ? fmt::format("the value x{} receives", a.rt)
                               : fmt::format("the value {} holds afterwards", a.reg->name));
    const Ran ran = run_access(a);
    const SysRegIss iss = SysRegIss::decode(ran.exit.iss());
    const std::string effect = a.read ? fmt::format("x{}", a.rt) : std::string(a.reg->name);
    q.answer = {{"EC", hex(static_cast<unsigned>(ran.exit.ec()))},
                {"ISS", hex(ran.exit.iss())},
                {"Op0 Op1 CRn CRm Op2", fmt::format("{} {} {} {} {}", iss.op0, iss.op1, iss.crn, iss.crm, iss.op2)},
                {"Rt", fmt::format("x{}", iss.rt)},
                {"direction", iss.read ? "read (MRS)" : "write (MSR)"},
                {effect, hex(a.read ? ran.xt : ran.reg)},
                {"next PC", hex(ran.next_pc)}};
    const Register& r = *a.reg;
    q.derived = {{"EC", "0x18"},
                 {"ISS", hex(a.iss())},
                 {"Op0 Op1 CRn CRm Op2", fmt::format("{} {} {} {} {}", r.op0, r.op1, r.crn, r.crm, r.op2)},
                 {"Rt", fmt::format("x{}", a.rt)},
                 {"direction", a.read ? "read (MRS)" : "write (MSR)"},
                 {effect, hex(a.read ? a.value : stored(a))},
                 {"next PC", hex(kLoad + 4)}};
    q.reasoning = {
        "MSR and MRS of EL1 registers are system ISA: at EL0 they trap with EC 0x18 (MSR, MRS or system "
        "instruction).",
        fmt::format("{} is Op0={} Op1={} CRn={} CRm={} Op2={} in the manual's encoding tables.", r.name, r.op0, r.op1,
                    r.crn, r.crm, r.op2),
        fmt::format("ISS = Op0<<20 | Op2<<17 | Op1<<14 | CRn<<10 | Rt<<5 | CRm<<1 | Direction = {:#x}, with "
                    "Rt = {} and Direction = {} ({}).",
                    a.iss(), a.rt, a.read ? 1 : 0, a.read ? "a read" : "a write"),
        a.read ? fmt::format("{} holds {:#x}{}: the VMM puts it in x{}.", r.name, a.value,
                             r.name == "CurrentEL" ? " (EL1 in bits 3..2)" : "", a.rt)
               : fmt::format("{}: {} = {:#x}.", store_rule(a), r.name, stored(a)),
        "The instruction is emulated, so the guest continues after it (PC + 4).",
    };
    return q;
}

Question esr_decode(Random& random) {
    const SysregAccess a = random_access(random);
    const Ran ran = run_access(a);
    Question q;
    q.title = "decode a syndrome";
    q.situation = fmt::format("A trapped instruction reaches the VMM with ESR = {:#010x}.\n", ran.exit.esr);
    q.ask = "What kind of exit is it? Which system register does the guest access, in which direction, and with "
            "which general-purpose register? Write the instruction.";
    const SysRegIss iss = SysRegIss::decode(ran.exit.iss());
    q.answer = {{"EC", hex(static_cast<unsigned>(ran.exit.ec()))},
                {"register", sysreg_name(iss)},
                {"direction", iss.read ? "read (MRS)" : "write (MSR)"},
                {"Rt", fmt::format("x{}", iss.rt)},
                {"instruction", disassemble(ran.exit.instruction, ran.exit.pc)}};
    const std::uint32_t esr = a.esr();
    const unsigned op0 = (esr >> 20) & 3, op2 = (esr >> 17) & 7, op1 = (esr >> 14) & 7, crn = (esr >> 10) & 15,
                   rt = (esr >> 5) & 31, crm = (esr >> 1) & 15;
    q.derived = {{"EC", hex(esr >> 26)},
                 {"register", std::string(a.reg->name)},
                 {"direction", (esr & 1) ? "read (MRS)" : "write (MSR)"},
                 {"Rt", fmt::format("x{}", rt)},
                 {"instruction", a.text()}};
    q.reasoning = {
        fmt::format("EC = ESR[31:26] = {:#x}: a trapped MSR, MRS or system instruction. IL = ESR[25] = 1.", esr >> 26),
        fmt::format("ISS = ESR[24:0] = {:#x}: Op0 = ISS[21:20] = {}, Op2 = ISS[19:17] = {}, Op1 = ISS[16:14] = {}, "
                    "CRn = ISS[13:10] = {}, Rt = ISS[9:5] = {}, CRm = ISS[4:1] = {}, Direction = ISS[0] = {}.",
                    esr & 0x1ffffff, op0, op2, op1, crn, rt, crm, esr & 1),
        fmt::format("(Op0, Op1, CRn, CRm, Op2) = ({}, {}, {}, {}, {}) is {} in the manual's encoding tables; direction "
                    "{} is {}.",
                    op0, op1, crn, crm, op2, a.reg->name, esr & 1, (esr & 1) ? "a read: MRS" : "a write: MSR"),
    };
    return q;
}

Question virq(Random& random) {
    constexpr std::uint32_t kModes[] = {0b0000, 0b0100, 0b0101};  // EL0t, EL1t, EL1h
    const std::uint32_t mode = kModes[random.below(3)];
    std::uint32_t daif = static_cast<std::uint32_t>(random.below(16)) << 6;
    if (random.chance(65)) daif &= ~kI;  // most of the time the guest can take it
    const std::uint32_t nzcv = static_cast<std::uint32_t>(random.below(16)) << 28;
    const std::uint32_t spsr = nzcv | daif | mode;
    const std::uint64_t vbar = 0x4009'0000 + random.below(32) * 0x800;
    const std::uint64_t pc = kLoad + 4 * random.below(3);
    Question q;
    q.title = "the virtual timer fires";
    q.situation = fmt::format(
        "The guest's PSTATE: {}.\nVBAR_EL1 = {:#x}. The next instruction, at pc={:#x}, is `add x1, x1, #1`.\n"
        "The virtual timer fires; the guest has routed it through the GIC as an IRQ (INTID 27, group 1, enabled).\n",
        pstate_text(spsr), vbar, pc);
    q.ask = "Is the vIRQ taken now? If so give ELR_EL1, SPSR_EL1, the PC the guest continues at, and its PSTATE; "
            "if not, say what happens.";

    Machine m(kV2, {kAddX1, kAddX1, kAddX1, kNop});
    Vcpu& v = m.vcpu();
    v.set_pstate(spsr);
    v.set_sysreg(SysregId::VBAR_EL1, vbar);
    v.set_pc(pc);
    m.raise_timer_irq();
    const bool taken = v.virqs_injected > 0;
    q.answer = {{"taken", taken ? "yes" : "no: it stays pending in the GIC"},
                {"ELR_EL1", hex(v.sysreg(SysregId::ELR_EL1))},
                {"SPSR_EL1", hex(v.sysreg(SysregId::SPSR_EL1))},
                {"PC", hex(v.pc())},
                {"PSTATE", pstate_text(v.pstate())}};

    const bool can_take = !(daif & kI);
    const std::uint64_t block = mode == 0b0000 ? 0x400 : (mode & 1) ? 0x200 : 0x000;
    const std::uint32_t entered = nzcv | kDaifMask | 0b0101;
    q.derived = {{"taken", can_take ? "yes" : "no: it stays pending in the GIC"},
                 {"ELR_EL1", hex(can_take ? pc : 0)},
                 {"SPSR_EL1", hex(can_take ? spsr : 0)},
                 {"PC", hex(can_take ? vbar + block + 0x80 : pc)},
                 {"PSTATE", pstate_text(can_take ? entered : spsr)}};
    if (!can_take) {
        q.reasoning = {
            "PSTATE.I (the lecture's irq_bit) is set: the guest has masked IRQs, so the VMM does not inject.",
            "Nothing changes: the guest goes on at pc, ELR_EL1 and SPSR_EL1 keep their values (0 here), and the "
            "interrupt stays pending in the GIC until the guest unmasks I (MSR DAIFClr, or an ERET to a state with I "
            "clear); then it is taken at once.",
        };
        return q;
    }
    const std::string where = mode == 0b0000 ? "a lower EL (EL0) using AArch64: the block at +0x400"
                              : (mode & 1)   ? "the current EL with SP_EL1 (EL1h): the block at +0x200"
                                             : "the current EL with SP_EL0 (EL1t): the block at +0x000";
    q.reasoning = {
        "PSTATE.I is clear, so the VMM injects the vIRQ now, doing what the hardware would do on taking an IRQ to EL1.",
        fmt::format("ELR_EL1 = {:#x}, the interrupted PC: that instruction has not run, and ERET will come back to it.",
                    pc),
        fmt::format("SPSR_EL1 = {:#x}, the PSTATE at the interrupt: flags, DAIF and M = {}.", spsr, mode_text(spsr)),
        fmt::format("The vector: the IRQ comes from {}, and the IRQ entry is +0x80 inside it: PC = VBAR_EL1 + {:#x} = "
                    "{:#x}.",
                    where, block + 0x80, vbar + block + 0x80),
        "PSTATE: EL1 with SP_EL1 (EL1h), all of D, A, I and F masked; the flags stay as they were.",
    };
    return q;
}

Question eret(Random& random) {
    constexpr std::uint32_t kModes[] = {0b0000, 0b0100, 0b0101};
    const std::uint32_t spsr = (static_cast<std::uint32_t>(random.below(16)) << 28) |
                               (static_cast<std::uint32_t>(random.below(16)) << 6) | kModes[random.below(3)];
    const std::uint64_t elr = kLoad + 0x100 + 4 * random.below(0x400);
    Question q;
    q.title = "the guest returns from its handler";
    q.situation = fmt::format(
        "The guest kernel, in its IRQ handler at EL1h with DAIF all masked, executes `eret` at pc={:#x}.\n"
        "ELR_EL1 = {:#x}, SPSR_EL1 = {:#x}.\n",
        kLoad, elr, spsr);
    q.ask = "ERET is UNDEFINED at EL0, so it traps (EC 0x00). Where does the guest continue, and in which PSTATE?";

    Machine m(kV2, {kEret, kNop});
    Vcpu& v = m.vcpu();
    v.set_sysreg(SysregId::ELR_EL1, elr);
    v.set_sysreg(SysregId::SPSR_EL1, spsr);
    m.step();
    q.answer = {{"PC", hex(v.pc())}, {"PSTATE", pstate_text(v.pstate())}};
    q.derived = {{"PC", hex(elr)}, {"PSTATE", pstate_text(spsr)}};
    q.reasoning = {
        "ERET returns to ELR_EL1 in the state saved in SPSR_EL1; the VMM does on the vCPU what the instruction "
        "would have done at EL1.",
        fmt::format("PC = ELR_EL1 = {:#x}.", elr),
        fmt::format("SPSR_EL1 = {:#x}: M[3:0] = {:#06b} is {}, DAIF = bits 9..6: {}, NZCV = bits 31..28: {}.", spsr,
                    spsr & 0xf, mode_text(spsr), daif_text(spsr & kDaifMask), nzcv_text(spsr & 0xf000'0000)),
        (spsr & kI) ? "I stays masked after the return." : "I is clear after the return: a pending vIRQ would be taken "
                                                           "at once, at the ERET's target.",
    };
    return q;
}

Question daif_immediate(Random& random) {
    const bool set = random.chance(50);
    const unsigned imm = static_cast<unsigned>(random.below(16));
    const std::uint32_t before = static_cast<std::uint32_t>(random.below(16)) << 6;
    const std::uint32_t word = (set ? 0xd50340df : 0xd50340ff) | (imm << 8);
    Question q;
    q.title = "irq_bit: DAIFSet and DAIFClr";
    q.situation = fmt::format("PSTATE.DAIF: {}. The guest executes, at pc={:#x}:\n    {}\n", daif_text(before), kLoad,
                              disassemble(word, kLoad));
    q.ask = "Which of D, A, I and F are masked afterwards, and where does the guest continue?";

    Machine m(kV2, {word, kNop});
    Vcpu& v = m.vcpu();
    v.set_daif(before);
    m.step();
    q.answer = {{"DAIF", daif_text(v.daif())}, {"next PC", hex(v.pc())}};
    const std::uint32_t bits = imm << 6;
    q.derived = {{"DAIF", daif_text(set ? before | bits : before & ~bits)}, {"next PC", hex(kLoad + 4)}};
    q.reasoning = {
        "MSR DAIFSet/DAIFClr, #imm is MSR (immediate) to a PSTATE field: at EL0 it traps with EC 0x18, Op0 = 0, "
        "CRn = 4, and the immediate in CRm.",
        fmt::format("imm4 = {:#06b}: bit 3 is D, bit 2 A, bit 1 I, bit 0 F, i.e. DAIF bits 9..6 = {}.", imm,
                    daif_text(bits)),
        fmt::format("{} those bits: {} -> {}.", set ? "DAIFSet sets" : "DAIFClr clears", daif_text(before),
                    q.derived[0].second),
        "The guest continues after the instruction (PC + 4).",
    };
    return q;
}

Question psci_call(Random& random) {
    constexpr std::pair<std::uint32_t, std::string_view> kCalls[] = {
        {psci::kVersion, "PSCI_VERSION"}, {psci::kFeatures, "PSCI_FEATURES"}, {psci::kFeatures, "PSCI_FEATURES"},
        {psci::kSystemOff, "SYSTEM_OFF"}, {psci::kCpuOn, "CPU_ON"},           {0x8400'0050, "an unassigned ID"}};
    constexpr std::pair<std::uint32_t, std::string_view> kAsked[] = {
        {psci::kVersion, "PSCI_VERSION"}, {psci::kSystemOff, "SYSTEM_OFF"},    {psci::kSystemReset, "SYSTEM_RESET"},
        {psci::kCpuOn, "CPU_ON"},         {psci::kCpuSuspend, "CPU_SUSPEND"}, {psci::kFeatures, "PSCI_FEATURES"}};
    const auto& [function, name] = kCalls[random.below(std::size(kCalls))];
    const auto& [asked, asked_name] = kAsked[random.below(std::size(kAsked))];
    const bool features = function == psci::kFeatures;
    Question q;
    q.title = "PSCI over HVC on v2";
    const std::string x1 = features ? fmt::format(" and x1 = {:#x} ({})", asked, asked_name) : "";
    q.situation = fmt::format("The guest executes `hvc #0` at pc={:#x} with x0 = {:#x} ({}){}.\n", kLoad, function,
                              name, x1);
    q.ask = "What does the v2 VMM do: what is in x0 afterwards, does the VM go on, and from where?";

    Machine m(kV2, {kHvc, kNop});
    Vcpu& v = m.vcpu();
    v.set_x(0, function);
    v.set_x(1, asked);
    m.step();
    q.answer = {{"x0", hex(v.x(0))}, {"the VM", vm_outcome(m.vm)}, {"next PC", hex(v.pc())}};

    const bool known = asked == psci::kVersion || asked == psci::kFeatures || asked == psci::kSystemOff ||
                       asked == psci::kSystemReset;
    std::string x0 = hex(function), why;
    std::string outcome = "goes on", next_pc = hex(kLoad + 4);
    if (function == psci::kVersion) {
        x0 = "0x10001";
        why = "PSCI_VERSION returns the version in x0: major in bits 31..16, minor in 15..0: 1.1 = 0x10001.";
    } else if (features) {
        x0 = known ? "0x0" : hex(~0ull);
        why = fmt::format("PSCI_FEATURES asks whether the function in x1 is implemented: v2 implements PSCI_VERSION, "
                          "PSCI_FEATURES, SYSTEM_OFF and SYSTEM_RESET, so {} gets {}.",
                          asked_name, known ? "SUCCESS (0)" : "NOT_SUPPORTED (-1, all ones in x0)");
    } else if (function == psci::kSystemOff) {
        outcome = "powered off";
        next_pc = hex(kLoad);
        why = "SYSTEM_OFF powers the VM off; x0 is left as it was, and the PC stays at the HVC.";
    } else if (function == psci::kCpuOn) {
        outcome = "stopped: not virtualized here, v7 adds it";
        next_pc = hex(kLoad);
        why = "CPU_ON is not virtualized in v2 (one vCPU): the VM stops at the HVC with a message naming v7, which "
              "adds it.";
    } else {
        x0 = hex(~0ull);
        why = "An ID no PSCI function has: the VMM answers NOT_SUPPORTED (-1) and the guest goes on.";
    }
    q.derived = {{"x0", x0}, {"the VM", outcome}, {"next PC", next_pc}};
    q.reasoning = {"HVC traps with EC 0x16; the PSCI function ID is in x0, its result goes back in x0.", why};
    return q;
}

constexpr QuestionKind kKinds[] = {
    {"sysreg", sysreg_trap}, {"esr", esr_decode}, {"virq", virq}, {"eret", eret}, {"daif", daif_immediate},
    {"psci", psci_call},
};

}  // namespace

const QuizVersion& quiz_v2() {
    static const QuizVersion v{"v2", kKinds};
    return v;
}

}  // namespace trapeze::quiz
