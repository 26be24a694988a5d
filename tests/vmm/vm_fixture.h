// A VM around a few instruction words, with a version's handlers installed, for handler tests.
#pragma once

#include <string>
#include <vector>

#include "support/elf_builder.h"
#include "vmm/monitor.h"
#include "vmm/vm.h"

namespace trapeze::test {

struct VmFixture {
    std::vector<std::string> console;
    Tracer tracer;
    VersionHooks hooks;
    Vm vm;
    Monitor monitor;
    PhysicalCpu& pcpu;  // the monitor's pCPU 0, with vCPU 0 loaded on it

    VmFixture(void (*install)(VersionHooks&), const std::vector<std::uint32_t>& words,
              MonitorOptions options = {}, const VmConfig& config = small_vm())
        : hooks(installed(install)),
          vm(0, config, ElfImage::parse(tiny_elf(words), "test"),
             [this](const std::string& line) { console.push_back(line); }),
          monitor(hooks, tracer, options),
          pcpu(monitor.pcpu(0)) {
        pcpu.load(vcpu());
        pcpu.cpu.regs = vcpu().saved_registers();
    }

    static VmConfig small_vm() {
        VmConfig c;
        c.ram_size = 1 << 20;
        return c;
    }

    static VersionHooks installed(void (*install)(VersionHooks&)) {
        VersionHooks h;
        install(h);
        return h;
    }

    Vcpu& vcpu() { return vm.vcpu(0); }

    // The exit a trapped instruction word would make at the vCPU's PC.
    Exit exit_for(std::uint32_t esr, std::uint32_t word = 0, std::uint64_t far = 0) {
        Exit e;
        e.reason = ExitReason::Exception;
        e.esr = esr;
        e.pc = vcpu().pc();
        e.instruction = word;
        e.far = far;
        return e;
    }
    static std::uint32_t sysreg_esr(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2, unsigned rt,
                                    bool read) {
        return make_esr(ExceptionClass::SysRegister, SysRegIss{op0, op1, crn, crm, op2, rt, read}.encode());
    }
};

}  // namespace trapeze::test
