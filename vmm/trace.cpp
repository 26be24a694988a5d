// Trace sinks: the text line a person reads and the JSON object a tool reads.
#include "vmm/trace.h"

#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "emulator/exception_class.h"

namespace trapeze {

std::string_view trace_kind_name(TraceEvent::Kind kind) {
    constexpr std::string_view names[] = {"exit", "physical-timer", "virq", "wakeup", "stop", "switch"};
    return names[static_cast<std::size_t>(kind)];
}

std::string format_trace_text(const TraceEvent& e) {
    std::string line = fmt::format("{:>12} vm{}/vcpu{} {:<14} pc={:#010x} {:<20}", e.time_ns, e.vm, e.vcpu,
                                   trace_kind_name(e.kind), e.pc, e.symbol);
    if (e.has_instruction) line += fmt::format(" {:<28}", e.disassembly);
    if (e.kind == TraceEvent::Kind::Exit)
        line += fmt::format(" EC={:#04x} {:<8}", static_cast<unsigned>(esr_ec(e.esr)), exception_class_name(esr_ec(e.esr)));
    if (!e.what.empty()) line += " " + e.what;
    if (!e.action.empty()) line += " -> " + e.action;
    return line;
}

nlohmann::json trace_json(const TraceEvent& e) {
    nlohmann::json j = {{"kind", trace_kind_name(e.kind)}, {"time_ns", e.time_ns}, {"pcpu", e.pcpu},
                        {"vm", e.vm}, {"vcpu", e.vcpu}, {"pc", e.pc}, {"symbol", e.symbol}};
    if (e.has_instruction) {
        j["instruction"] = e.instruction;
        j["disassembly"] = e.disassembly;
    }
    if (e.kind == TraceEvent::Kind::Exit) {
        j["esr"] = e.esr;
        j["ec"] = static_cast<unsigned>(esr_ec(e.esr));
        j["ec_name"] = exception_class_name(esr_ec(e.esr));
        j["iss"] = esr_iss(e.esr);
    }
    j["what"] = e.what;
    j["action"] = e.action;
    return j;
}

void TextTraceSink::write(const TraceEvent& event) { std::fprintf(out_, "%s\n", format_trace_text(event).c_str()); }

JsonLinesTraceSink::JsonLinesTraceSink(const std::string& path) : out_(path) {
    if (!out_) throw std::runtime_error("cannot open trace file " + path);
}

void JsonLinesTraceSink::write(const TraceEvent& event) { out_ << trace_json(event).dump() << '\n'; }

}  // namespace trapeze
