// The trace: one event per VM exit, virtual interrupt, wake-up and stop, sent to every sink
// chosen on the command line (text for people, JSON lines for tools).
#pragma once

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace trapeze {

struct TraceEvent {
    enum class Kind : std::uint8_t { Exit, PhysicalTimer, VirtualIrq, Wakeup, Stop, Switch };
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
    std::uint32_t esr = 0;       // exits only
    std::string what;            // the decoded syndrome: "MSR VBAR_EL1, x0"
    std::string action;          // what the VMM did
};

std::string_view trace_kind_name(TraceEvent::Kind kind);
std::string format_trace_text(const TraceEvent& event);
nlohmann::json trace_json(const TraceEvent& event);

class TraceSink {
public:
    virtual ~TraceSink() = default;
    virtual void write(const TraceEvent& event) = 0;
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

private:
    std::vector<std::unique_ptr<TraceSink>> sinks_;
};

}  // namespace trapeze
