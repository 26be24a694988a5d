// Slices and instants from trace events, and the Chrome Trace Event form of them.
#include "vmm/timeline.h"

#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "emulator/exception_class.h"
#include "vmm/run_summary.h"

namespace trapeze {

void Timeline::start(unsigned pcpu, unsigned vm, unsigned vcpu, bool idle, std::uint64_t at) {
    Open& o = open_[pcpu];
    o.open = true;
    o.slice = {pcpu, vm, vcpu, idle, at, at};
}

void Timeline::end(unsigned pcpu, std::uint64_t at) {
    Open& o = open_[pcpu];
    if (!o.open) return;
    o.open = false;
    o.slice.end_ns = at;
    if (o.slice.end_ns > o.slice.start_ns) slices_.push_back(o.slice);
}

void Timeline::add(const TraceEvent& e) {
    using Kind = TraceEvent::Kind;
    end_ns_ = std::max(end_ns_, e.time_ns);
    pcpus_ = std::max(pcpus_, e.pcpu + 1);
    // The first event of a pCPU: its vCPU has run since the start (a switch says so itself).
    if (!open_.contains(e.pcpu) && e.kind != Kind::VmSwitch && e.kind != Kind::VcpuSwitch)
        start(e.pcpu, e.vm, e.vcpu, false, 0);
    switch (e.kind) {
        case Kind::Exit:
        case Kind::PhysicalTimer:
        case Kind::VirtualIrq:
        case Kind::Forward: {
            TimelineInstant i;
            i.pcpu = e.pcpu;
            i.vm = e.vm;
            i.vcpu = e.vcpu;
            i.time_ns = e.time_ns;
            i.pc = e.pc;
            i.symbol = e.symbol;
            i.instruction = e.disassembly;
            i.action = e.action;
            if (e.kind == Kind::Exit) {
                i.name = e.what;
                i.category = std::string(exception_class_name(esr_ec(e.esr)));
            } else {
                i.name = e.kind == Kind::PhysicalTimer ? "physical timer" : e.what.substr(0, e.what.find(" taken"));
                i.category = std::string(trace_kind_name(e.kind));
            }
            instants_.push_back(std::move(i));
            break;
        }
        case Kind::Wakeup:
            end(e.pcpu, e.time_ns);
            start(e.pcpu, e.vm, e.vcpu, false, e.time_ns);
            break;
        case Kind::VmSwitch:
        case Kind::VcpuSwitch:
            end(e.pcpu, e.time_ns);
            start(e.pcpu, e.vm, e.vcpu, false, e.time_ns);
            break;
        case Kind::Stop: end(e.pcpu, e.time_ns); break;
    }
    if (e.blocked && e.kind != Kind::Stop) {
        end(e.pcpu, e.time_ns);
        start(e.pcpu, e.vm, e.vcpu, true, e.time_ns);
    }
}

void Timeline::close() {
    for (auto& [pcpu, o] : open_) end(pcpu, end_ns_);
}

namespace {

double microseconds(std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

std::string vm_name(const std::vector<std::string>& names, unsigned vm) {
    return vm < names.size() ? names[vm] : fmt::format("vm{}", vm);
}

}  // namespace

std::string chrome_trace_json(const Timeline& timeline, const std::vector<std::string>& vm_names,
                              const std::string& title) {
    using nlohmann::json;
    constexpr int kPid = 1;
    json events = json::array();
    events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", kPid}, {"tid", 0}, {"args", {{"name", title}}}});
    for (unsigned p = 0; p < timeline.pcpus(); ++p) {
        events.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", kPid}, {"tid", p},
                          {"args", {{"name", fmt::format("pCPU {}", p)}}}});
        events.push_back({{"ph", "M"}, {"name", "thread_sort_index"}, {"pid", kPid}, {"tid", p}, {"args", {{"sort_index", p}}}});
    }
    for (const TimelineSlice& s : timeline.slices()) {
        const std::string who = fmt::format("{}/vcpu{}", vm_name(vm_names, s.vm), s.vcpu);
        events.push_back({{"ph", "X"},
                          {"name", s.idle ? "idle (" + who + " waits in WFI)" : who},
                          {"cat", s.idle ? "idle" : "vcpu"},
                          {"pid", kPid},
                          {"tid", s.pcpu},
                          {"ts", microseconds(s.start_ns)},
                          {"dur", microseconds(s.end_ns - s.start_ns)},
                          {"args", {{"vm", vm_name(vm_names, s.vm)}, {"vcpu", s.vcpu}, {"start_ns", s.start_ns},
                                    {"end_ns", s.end_ns}}}});
    }
    for (const TimelineInstant& i : timeline.instants()) {
        json args = {{"vm", vm_name(vm_names, i.vm)}, {"vcpu", i.vcpu}, {"time_ns", i.time_ns},
                     {"pc", fmt::format("{:#x}", i.pc)}, {"symbol", i.symbol}, {"action", i.action}};
        if (!i.instruction.empty()) args["instruction"] = i.instruction;
        events.push_back({{"ph", "i"}, {"s", "t"}, {"name", i.name}, {"cat", i.category}, {"pid", kPid},
                          {"tid", i.pcpu}, {"ts", microseconds(i.time_ns)}, {"args", std::move(args)}});
    }
    const json document = {{"displayTimeUnit", "ns"}, {"traceEvents", std::move(events)}};
    return document.dump(1) + "\n";
}

ChromeTraceSink::ChromeTraceSink(std::string path) : path_(std::move(path)) {
    std::ofstream probe(path_);
    if (!probe) throw std::runtime_error("cannot write the timeline " + path_);
}

void ChromeTraceSink::finish(const RunSummary& summary) {
    timeline_.close();
    std::vector<std::string> names;
    for (const VmSummary& vm : summary.vms) names.push_back(vm.name);
    std::string guests;
    for (const VmSummary& vm : summary.vms) guests += (guests.empty() ? "" : ", ") + vm.guest;
    std::ofstream out(path_);
    out << chrome_trace_json(timeline_, names, fmt::format("{} {}", summary.target, guests));
    if (!out) throw std::runtime_error("cannot write the timeline " + path_);
}

}  // namespace trapeze
