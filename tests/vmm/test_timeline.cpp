// The timeline built from trace events: slices per pCPU (running, idle in WFI, switched) and
// an instant per trap; and its Chrome Trace Event form.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "emulator/exception_class.h"
#include "vmm/timeline.h"

using namespace trapeze;

namespace {
TraceEvent event(TraceEvent::Kind kind, std::uint64_t t, unsigned pcpu = 0, unsigned vm = 0, unsigned vcpu = 0) {
    TraceEvent e;
    e.kind = kind;
    e.time_ns = t;
    e.pcpu = pcpu;
    e.vm = vm;
    e.vcpu = vcpu;
    return e;
}
TraceEvent wfi(std::uint64_t t) {
    TraceEvent e = event(TraceEvent::Kind::Exit, t);
    e.esr = make_esr(ExceptionClass::WfiWfe, 0);
    e.what = "WFI";
    e.action = "vCPU blocks until an interrupt";
    e.blocked = true;
    return e;
}
std::vector<std::tuple<unsigned, unsigned, bool, std::uint64_t, std::uint64_t>> shape(const Timeline& t) {
    std::vector<std::tuple<unsigned, unsigned, bool, std::uint64_t, std::uint64_t>> out;
    for (const TimelineSlice& s : t.slices()) out.emplace_back(s.pcpu, s.vm, s.idle, s.start_ns, s.end_ns);
    return out;
}
}  // namespace

TEST_CASE("a vCPU runs from 0, idles from its WFI to its wakeup, and stops") {
    Timeline t;
    t.add(event(TraceEvent::Kind::PhysicalTimer, 100));
    t.add(wfi(250));
    t.add(event(TraceEvent::Kind::Wakeup, 900));
    t.add(event(TraceEvent::Kind::VirtualIrq, 900));
    t.add(event(TraceEvent::Kind::Stop, 1000));
    t.close();
    using S = std::tuple<unsigned, unsigned, bool, std::uint64_t, std::uint64_t>;
    CHECK(shape(t) == std::vector<S>{{0, 0, false, 0, 250}, {0, 0, true, 250, 900}, {0, 0, false, 900, 1000}});
    REQUIRE(t.instants().size() == 3);
    CHECK(t.instants()[1].name == "WFI");
    CHECK(t.instants()[1].category == "WFx");
    CHECK(t.instants()[0].category == "physical-timer");
    CHECK(t.end_ns() == 1000);
}

TEST_CASE("switches end one slice and start the next; each pCPU has its own track") {
    Timeline t;
    t.add(event(TraceEvent::Kind::PhysicalTimer, 10, 0, 0));
    t.add(event(TraceEvent::Kind::VmSwitch, 20, 0, 1));
    t.add(event(TraceEvent::Kind::PhysicalTimer, 15, 1, 2));
    t.add(event(TraceEvent::Kind::Stop, 40, 0, 1));
    t.add(event(TraceEvent::Kind::Stop, 50, 1, 2));
    t.close();
    using S = std::tuple<unsigned, unsigned, bool, std::uint64_t, std::uint64_t>;
    CHECK(shape(t) == std::vector<S>{{0, 0, false, 0, 20}, {0, 1, false, 20, 40}, {1, 2, false, 0, 50}});
    CHECK(t.pcpus() == 2);
}

TEST_CASE("the Chrome form: metadata names the pCPU tracks, X slices in microseconds, instant events") {
    Timeline t;
    t.add(wfi(2500));
    t.add(event(TraceEvent::Kind::Wakeup, 4000));
    t.add(event(TraceEvent::Kind::Stop, 5000));
    t.close();
    const auto doc = nlohmann::json::parse(chrome_trace_json(t, {"web"}, "trapeze-v2 g.elf"));
    CHECK(doc["displayTimeUnit"] == "ns");
    const auto& ev = doc["traceEvents"];
    CHECK(ev[0] == nlohmann::json({{"ph", "M"}, {"name", "process_name"}, {"pid", 1}, {"tid", 0},
                                   {"args", {{"name", "trapeze-v2 g.elf"}}}}));
    CHECK(ev[1]["args"]["name"] == "pCPU 0");
    std::vector<nlohmann::json> slices, instants;
    for (const auto& e : ev) {
        if (e["ph"] == "X") slices.push_back(e);
        if (e["ph"] == "i") instants.push_back(e);
    }
    REQUIRE(slices.size() == 3);
    CHECK(slices[0]["name"] == "web/vcpu0");
    CHECK(slices[0]["ts"] == 0.0);
    CHECK(slices[0]["dur"] == 2.5);
    CHECK(slices[1]["name"] == "idle (web/vcpu0 waits in WFI)");
    CHECK(slices[1]["cat"] == "idle");
    CHECK(slices[1]["dur"] == 1.5);
    REQUIRE(instants.size() == 1);
    CHECK(instants[0]["name"] == "WFI");
    CHECK(instants[0]["s"] == "t");
    CHECK(instants[0]["ts"] == 2.5);
}
