// The run as a timeline: one track per pCPU, on which slices say which VM/vCPU ran (or that
// the pCPU idled while its vCPU waited in WFI) and instants mark the traps. Built from the
// trace's events; written as Chrome Trace Event JSON (--timeline FILE.json, which Perfetto
// and chrome://tracing open) and drawn in the HTML report.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "vmm/trace.h"

namespace trapeze {

struct TimelineSlice {
    unsigned pcpu = 0;
    unsigned vm = 0;
    unsigned vcpu = 0;
    bool idle = false;  // the pCPU had nothing to run: its vCPU waited in WFI
    std::uint64_t start_ns = 0;
    std::uint64_t end_ns = 0;
};

struct TimelineInstant {
    unsigned pcpu = 0;
    unsigned vm = 0;
    unsigned vcpu = 0;
    std::uint64_t time_ns = 0;
    std::string name;      // "MSR VBAR_EL1, x11", "physical timer", "vIRQ INTID 27"
    std::string category;  // the exception class ("SYS64"), or the event's kind ("physical-timer", "virq")
    std::uint64_t pc = 0;
    std::string symbol;
    std::string instruction;  // disassembly, if any
    std::string action;
};

class Timeline {
public:
    void add(const TraceEvent& event);
    // Close what is still open at the last time seen (a run that ended without a stop event).
    void close();

    const std::vector<TimelineSlice>& slices() const { return slices_; }
    const std::vector<TimelineInstant>& instants() const { return instants_; }
    std::uint64_t end_ns() const { return end_ns_; }
    unsigned pcpus() const { return pcpus_; }

private:
    struct Open {
        bool open = false;
        TimelineSlice slice;
    };
    void start(unsigned pcpu, unsigned vm, unsigned vcpu, bool idle, std::uint64_t at);
    void end(unsigned pcpu, std::uint64_t at);

    std::map<unsigned, Open> open_;  // by pCPU
    std::vector<TimelineSlice> slices_;
    std::vector<TimelineInstant> instants_;
    std::uint64_t end_ns_ = 0;
    unsigned pcpus_ = 0;
};

// The timeline as a Chrome Trace Event JSON document (the "JSON Object Format": traceEvents
// plus displayTimeUnit). `vm_names` names the VMs by index ("vm0"); `title` names the process.
std::string chrome_trace_json(const Timeline& timeline, const std::vector<std::string>& vm_names,
                              const std::string& title);

// --timeline FILE.json: collects the events, writes the file when the run is over.
class ChromeTraceSink final : public TraceSink {
public:
    explicit ChromeTraceSink(std::string path);  // throws std::runtime_error if FILE cannot be written
    void write(const TraceEvent& event) override { timeline_.add(event); }
    void finish(const RunSummary& summary) override;

private:
    std::string path_;
    Timeline timeline_;
};

}  // namespace trapeze
