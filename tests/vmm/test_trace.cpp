// Trace events as a person reads them (text) and as a tool reads them (JSON).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "emulator/exception_class.h"
#include "vmm/trace.h"

using namespace trapeze;

namespace {
TraceEvent msr_vbar() {
    TraceEvent e;
    e.kind = TraceEvent::Kind::Exit;
    e.time_ns = 32794;
    e.vm = 0;
    e.vcpu = 0;
    e.pc = 0x4008'082c;
    e.symbol = "main+0x20";
    e.instruction = 0xd518c00b;
    e.has_instruction = true;
    e.disassembly = "msr vbar_el1, x11";
    e.esr = make_esr(ExceptionClass::SysRegister, SysRegIss{3, 0, 12, 0, 0, 11, false}.encode());
    e.what = "MSR VBAR_EL1, x11";
    e.action = "irq_handler: set VBAR_EL1";
    return e;
}
}  // namespace

TEST_CASE("a text trace line has the time, vCPU, PC, symbol, instruction, EC, syndrome and action") {
    const std::string line = format_trace_text(msr_vbar());
    CHECK(line.find("32794 vm0/vcpu0 exit") != std::string::npos);
    CHECK(line.find("pc=0x4008082c main+0x20") != std::string::npos);
    CHECK(line.find("msr vbar_el1, x11") != std::string::npos);
    CHECK(line.find("EC=0x18 SYS64") != std::string::npos);
    CHECK(line.find("MSR VBAR_EL1, x11 -> irq_handler: set VBAR_EL1") != std::string::npos);
}

TEST_CASE("a JSON trace event carries the same, with the syndrome split into EC and ISS") {
    const TraceEvent e = msr_vbar();
    const nlohmann::json j = nlohmann::json::parse(trace_json(e).dump());
    CHECK(j["kind"] == "exit");
    CHECK(j["time_ns"] == 32794);
    CHECK(j["pc"] == 0x4008'082c);
    CHECK(j["symbol"] == "main+0x20");
    CHECK(j["instruction"] == 0xd518c00b);
    CHECK(j["ec"] == 0x18);
    CHECK(j["ec_name"] == "SYS64");
    CHECK(j["iss"] == esr_iss(e.esr));
    CHECK(j["what"] == "MSR VBAR_EL1, x11");
    CHECK(j["action"] == "irq_handler: set VBAR_EL1");
}

TEST_CASE("events that are not exits have no syndrome fields") {
    TraceEvent e;
    e.kind = TraceEvent::Kind::VirtualIrq;
    const nlohmann::json j = trace_json(e);
    CHECK(j["kind"] == "virq");
    CHECK_FALSE(j.contains("ec"));
    CHECK(format_trace_text(e).find("EC=") == std::string::npos);
}

TEST_CASE("the registers a handler changed follow the action, old -> new, in both forms") {
    TraceEvent e = msr_vbar();
    e.changes = {{"VBAR_EL1", 0, 0x4008'0800}, {"x3", 0x10, 0x20}};
    CHECK(format_trace_text(e).ends_with(
        "MSR VBAR_EL1, x11 -> irq_handler: set VBAR_EL1 ; VBAR_EL1 0x0 -> 0x40080800, x3 0x10 -> 0x20"));
    const nlohmann::json j = trace_json(e);
    REQUIRE(j["changes"].size() == 2);
    CHECK(j["changes"][0] == nlohmann::json({{"register", "VBAR_EL1"}, {"old", 0}, {"new", 0x4008'0800}}));
    CHECK(j["changes"][1]["register"] == "x3");
    CHECK_FALSE(j.contains("blocked"));
    e.blocked = true;
    CHECK(trace_json(e)["blocked"] == true);
}

TEST_CASE("every kind of event has its name") {
    using K = TraceEvent::Kind;
    CHECK(trace_kind_name(K::Stop) == "stop");
    CHECK(trace_kind_name(K::Forward) == "forward");
    CHECK(trace_kind_name(K::VmSwitch) == "vm-switch");
    CHECK(trace_kind_name(K::VcpuSwitch) == "vcpu-switch");
}
