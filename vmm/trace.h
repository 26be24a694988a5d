// The trace: one event per VM exit, virtual interrupt, wake-up, switch and stop, sent to every
// sink chosen on the command line (text and JSON lines as the run goes; the timeline and
// the HTML report at its end) and to the debuggers. The JSON form is documented in
// docs/trace-schema.md and checked against docs/trace.schema.json.
#pragma once

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace trapeze {

struct RunSummary;

// One register a handler changed: "VBAR_EL1" 0x0 -> 0x40080800.
struct RegisterChange {
    std::string name;
    std::uint64_t before = 0;
    std::uint64_t after = 0;
    bool operator==(const RegisterChange&) const = default;
};

struct TraceEvent {
    // Exit: a VM exit the VMM handled (a trap); PhysicalTimer: the quantum expired;
    // VirtualIrq: a vIRQ injected into the guest; Wakeup: a blocked vCPU runs again;
    // Stop: a VM stopped (powered off, or stopped with a reason); Forward: an exception
    // forwarded to the guest kernel (v3 on); VmSwitch, VcpuSwitch: the scheduler switched a
    // pCPU to another VM or vCPU (v5, v7).
    enum class Kind : std::uint8_t { Exit, PhysicalTimer, VirtualIrq, Wakeup, Stop, Forward, VmSwitch, VcpuSwitch };
    Kind kind = Kind::Exit;
    std::uint64_t time_ns = 0;  // the pCPU's virtual clock
    unsigned pcpu = 0;
    unsigned vm = 0;
    unsigned vcpu = 0;
    std::uint64_t pc = 0;
    std::string symbol;          // "main+0x14"
    std::uint32_t instruction = 0;
    bool has_instruction = false;
    std::string disassembly;     // Capstone's text (or the decoder's)
    std::uint32_t esr = 0;       // an exit's; a Forward's: the ESR_EL1 the guest kernel sees
    std::string what;            // the decoded syndrome: "MSR VBAR_EL1, x0"
    std::string action;          // what the VMM did
    std::vector<RegisterChange> changes;  // the registers the handler changed
    bool blocked = false;        // the vCPU blocked after this event (WFI): its pCPU idles
};

std::string_view trace_kind_name(TraceEvent::Kind kind);
std::string format_trace_text(const TraceEvent& event);
nlohmann::json trace_json(const TraceEvent& event);

class TraceSink {
public:
    virtual ~TraceSink() = default;
    virtual void write(const TraceEvent& event) = 0;
    // The run is over: sinks that write whole files (the timeline, the report) write them now.
    // Throws std::runtime_error if the file cannot be written.
    virtual void finish(const RunSummary&) {}
};

class TextTraceSink final : public TraceSink {
public:
    explicit TextTraceSink(std::FILE* out) : out_(out) {}
    void write(const TraceEvent& event) override;

private:
    std::FILE* out_;
};

class JsonLinesTraceSink final : public TraceSink {
public:
    explicit JsonLinesTraceSink(const std::string& path);  // throws std::runtime_error if it cannot open
    void write(const TraceEvent& event) override;

private:
    std::ofstream out_;
};

class Tracer {
public:
    void add(std::unique_ptr<TraceSink> sink) { sinks_.push_back(std::move(sink)); }
    bool enabled() const { return !sinks_.empty(); }
    void emit(const TraceEvent& event) {
        for (auto& s : sinks_) s->write(event);
    }
    void finish(const RunSummary& summary) {
        for (auto& s : sinks_) s->finish(summary);
    }

private:
    std::vector<std::unique_ptr<TraceSink>> sinks_;
};

}  // namespace trapeze
