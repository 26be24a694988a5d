// The HTML report: a page of tables and one SVG, written from the summary and the timeline.
#include "vmm/report.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "emulator/exception_class.h"

namespace trapeze {
namespace {

std::string escape(std::string_view text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

// One colour per kind of trap, the same in the timeline, its legend and the table.
struct Colour {
    std::string_view category;
    std::string_view colour;
    std::string_view meaning;
};
constexpr Colour kTrapColours[] = {
    {"SYS64", "#1f77b4", "a trapped MSR/MRS: the guest touched a system register"},
    {"DABT_LOW", "#ff7f0e", "a data abort: an access to a device (MMIO) or to memory the VM does not have"},
    {"HVC64", "#2ca02c", "a hypercall (PSCI: the guest's firmware interface)"},
    {"WFx", "#9467bd", "WFI/WFE: the guest waits for an interrupt"},
    {"UNKNOWN", "#8c564b", "an instruction EL0 may not execute (ERET returning from the guest's handler)"},
    {"SVC64", "#e377c2", "a system call"},
    {"physical-timer", "#7f7f7f", "the physical timer: the quantum expired and the VMM took the CPU back"},
    {"virq", "#d62728", "a virtual interrupt injected into the guest"},
    {"forward", "#bcbd22", "an exception forwarded to the guest kernel"},
};
constexpr std::string_view kOtherColour = "#17becf";
constexpr std::string_view kVmColours[] = {"#9ecae1", "#a1d99b", "#fdd0a2", "#dadaeb", "#fcbba1", "#c7e9c0"};

std::string_view colour_of(std::string_view category) {
    for (const Colour& c : kTrapColours)
        if (c.category == category) return c.colour;
    return kOtherColour;
}

std::string time_text(std::uint64_t ns) {
    if (ns >= 1'000'000) return fmt::format("{:.3f} ms", static_cast<double>(ns) / 1e6);
    if (ns >= 1'000) return fmt::format("{:.3f} µs", static_cast<double>(ns) / 1e3);
    return fmt::format("{} ns", ns);
}

constexpr std::string_view kStyle = R"(
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1040px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .6em 0; } th, td { padding: .25em .7em; text-align: left; }
th { background: #f3f3f3; } tr:nth-child(even) td { background: #fafafa; }
td.n { text-align: right; font-variant-numeric: tabular-nums; } code, td.code { font-family: ui-monospace, monospace; font-size: .92em; }
.bar { display: inline-block; height: .8em; vertical-align: middle; }
.swatch { display: inline-block; width: .9em; height: .9em; vertical-align: -.1em; margin-right: .3em; border: 1px solid #0003; }
.lead { color: #555; } .legend span { margin-right: 1.2em; white-space: nowrap; } svg text { font: 12px system-ui, sans-serif; fill: #333; }
)";

std::string summary_section(const RunSummary& s) {
    std::string out = "<section id=\"summary\"><h2>What each VM did</h2>\n<table>\n<tr><th>VM</th><th>guest</th>"
                      "<th>how it ended</th><th>instructions</th><th>virtual time</th><th>VM exits</th>"
                      "<th>physical timer</th><th>vIRQs</th></tr>\n";
    for (const VmSummary& vm : s.vms)
        out += fmt::format("<tr><td>{}</td><td class=\"code\">{}</td><td>{}: {}</td><td class=\"n\">{}</td><td class=\"n\">{}"
                           "</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                           escape(vm.name), escape(vm.guest), vm_status_name(vm.status), escape(vm.stop_reason),
                           vm.retired, time_text(vm.time_ns), vm.exits(), vm.physical_timer_exits, vm.virqs);
    return out + "</table>\n</section>\n";
}

std::string exits_section(const RunSummary& s) {
    struct Row {
        std::string name;
        std::uint64_t count;
        std::string_view colour, meaning;
    };
    std::vector<Row> rows;
    const auto by_ec = s.exits_by_ec();
    for (const auto& info : kExceptionClasses) {
        const std::uint64_t n = by_ec[static_cast<std::size_t>(info.ec)];
        if (!n) continue;
        std::string_view meaning = info.description;
        for (const Colour& c : kTrapColours)
            if (c.category == info.name) meaning = c.meaning;
        rows.push_back({std::string(info.name), n, colour_of(info.name), meaning});
    }
    rows.push_back({"physical timer", s.physical_timer_exits(), colour_of("physical-timer"),
                    kTrapColours[6].meaning});
    std::uint64_t most = 1;
    for (const Row& r : rows) most = std::max(most, r.count);
    std::string out = "<section id=\"exits\"><h2>VM exits by class</h2>\n<p>Each VM exit is the guest doing something "
                      "it may not do at EL0, caught by the interpreter with the syndrome (ESR) real hardware would "
                      "report, and handled by the VMM; the physical timer's exits are the VMM taking the CPU back.</p>\n"
                      "<table>\n<tr><th>class</th><th>count</th><th></th><th>what it is</th></tr>\n";
    for (const Row& r : rows)
        out += fmt::format("<tr><td><span class=\"swatch\" style=\"background:{}\"></span>{}</td><td class=\"n\">{}</td>"
                           "<td><span class=\"bar\" style=\"background:{};width:{}px\"></span></td><td>{}</td></tr>\n",
                           r.colour, escape(r.name), r.count, r.colour, 1 + 240 * r.count / most, escape(r.meaning));
    return out + "</table>\n</section>\n";
}

// The timeline as SVG: a lane per pCPU; slices coloured by VM (grey hatching: idle); a mark
// per pixel column and kind of trap, with a tooltip that counts them.
std::string timeline_section(const RunSummary& s, const Timeline& t) {
    // Each kind of trap has its own row of marks under the slices, in the legend's order.
    std::map<std::string, int> rows;
    for (const TimelineInstant& i : t.instants()) rows[i.category] = 0;
    int next_row = 0;
    for (auto& [category, row] : rows) row = next_row++;
    constexpr int kLeft = 110, kWidth = 900, kTop = 10, kRow = 9;
    const int lane = 44 + kRow * static_cast<int>(rows.size());
    const std::uint64_t end = std::max<std::uint64_t>(t.end_ns(), 1);
    const unsigned pcpus = std::max(t.pcpus(), 1u);
    const int height = kTop + static_cast<int>(pcpus) * lane + 30;
    const auto x_of = [&](std::uint64_t ns) {
        return kLeft + static_cast<double>(ns) * kWidth / static_cast<double>(end);
    };
    const auto vm_name = [&](unsigned vm) { return vm < s.vms.size() ? s.vms[vm].name : fmt::format("vm{}", vm); };
    std::string svg = fmt::format(
        "<svg id=\"timeline-svg\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\" "
        "aria-label=\"timeline\">\n<defs><pattern id=\"idle\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
        "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#eee\"/><line x1=\"0\" y1=\"0\" x2=\"0\" "
        "y2=\"6\" stroke=\"#bbb\" stroke-width=\"2\"/></pattern></defs>\n",
        kLeft + kWidth + 10, height);
    for (unsigned p = 0; p < pcpus; ++p) {
        const int y = kTop + static_cast<int>(p) * lane;
        svg += fmt::format("<text x=\"4\" y=\"{}\">pCPU {}</text>\n", y + 22, p);
        for (const auto& [category, row] : rows)
            svg += fmt::format("<text x=\"4\" y=\"{}\" style=\"font-size:9px\">{}</text>\n", y + 44 + kRow * row,
                               escape(category));
        for (const TimelineSlice& sl : t.slices()) {
            if (sl.pcpu != p) continue;
            const double x0 = x_of(sl.start_ns), x1 = x_of(sl.end_ns);
            const std::string who = fmt::format("{}/vcpu{}", vm_name(sl.vm), sl.vcpu);
            svg += fmt::format(
                "<rect class=\"slice\" x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"28\" fill=\"{}\" stroke=\"#fff\" "
                "stroke-width=\"0.5\"><title>{}: {} to {}</title></rect>\n",
                x0, y + 4, std::max(x1 - x0, 0.5), sl.idle ? "url(#idle)" : kVmColours[sl.vm % std::size(kVmColours)],
                sl.idle ? "idle: " + who + " waits in WFI" : who + " runs", time_text(sl.start_ns), time_text(sl.end_ns));
            if (!sl.idle && x1 - x0 > 60)
                svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\">{}</text>\n", x0 + 4, y + 22, escape(who));
        }
        // Trap marks, binned by pixel column and kind.
        std::map<std::pair<int, std::string>, std::pair<std::size_t, const TimelineInstant*>> bins;
        for (const TimelineInstant& i : t.instants()) {
            if (i.pcpu != p) continue;
            auto& bin = bins[{static_cast<int>(x_of(i.time_ns)), i.category}];
            if (bin.first++ == 0) bin.second = &i;
        }
        for (const auto& [key, bin] : bins) {
            const TimelineInstant& first = *bin.second;
            const std::string tip = bin.first == 1 ? fmt::format("{} at {}: {} ({})", first.category, time_text(first.time_ns),
                                                                 first.name, first.action)
                                                   : fmt::format("{} {} exits from {}, the first: {}", bin.first,
                                                                 first.category, time_text(first.time_ns), first.name);
            const int top = y + 36 + kRow * rows[key.second];
            svg += fmt::format("<line class=\"trap\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" "
                               "stroke-width=\"1.5\"><title>{}</title></line>\n",
                               key.first, top, key.first, top + kRow - 2, colour_of(key.second), escape(tip));
        }
    }
    const int axis = kTop + static_cast<int>(pcpus) * lane + 4;
    svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#555\"/>\n", kLeft, axis, kLeft + kWidth, axis);
    for (int k = 0; k <= 4; ++k) {
        const std::uint64_t ns = end * static_cast<std::uint64_t>(k) / 4;
        const double x = x_of(ns);
        svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#555\"/><text x=\"{3:.1f}\" "
                           "y=\"{4}\">{5}</text>\n",
                           x, axis, axis + 5, k == 4 ? x - 60 : x, axis + 18, time_text(ns));
    }
    svg += "</svg>\n";

    std::string legend = "<p class=\"legend\">";
    for (unsigned vm = 0; vm < s.vms.size(); ++vm)
        legend += fmt::format("<span><span class=\"swatch\" style=\"background:{}\"></span>{} runs</span>",
                              kVmColours[vm % std::size(kVmColours)], escape(s.vms[vm].name));
    legend += "<span><span class=\"swatch\" style=\"background:#e4e4e4\"></span>idle (WFI)</span>";
    std::map<std::string, bool> seen;
    for (const TimelineInstant& i : t.instants()) seen[i.category] = true;
    for (const auto& [category, unused] : seen)
        legend += fmt::format("<span><span class=\"swatch\" style=\"background:{}\"></span>{}</span>", colour_of(category),
                              escape(category));
    legend += "</p>\n";

    return "<section id=\"timeline\"><h2>Timeline</h2>\n<p>Time runs left to right in <em>virtual</em> time: one retired "
           "guest instruction is one nanosecond. Each physical CPU (pCPU) has a lane: the long bars say which vCPU ran "
           "on it (hatched: nothing to run, the vCPU waits in WFI for an interrupt), and the marks below say when the "
           "traps happened, one colour per kind. Hover over a mark or a bar for details.</p>\n" +
           svg + legend + "</section>\n";
}

std::string first_traps_section(const Timeline& t, const RunSummary& s) {
    constexpr std::size_t kShown = 40;
    std::string out = fmt::format("<section id=\"first-traps\"><h2>The first traps, one by one</h2>\n<p>{} events in all; "
                                  "the first {} of them:</p>\n<table>\n<tr><th>virtual time</th><th>vCPU</th><th>pc</th>"
                                  "<th>instruction</th><th>trap</th><th>what the VMM did</th></tr>\n",
                                  t.instants().size(), std::min(kShown, t.instants().size()));
    for (std::size_t n = 0; n < t.instants().size() && n < kShown; ++n) {
        const TimelineInstant& i = t.instants()[n];
        const std::string vm = i.vm < s.vms.size() ? s.vms[i.vm].name : fmt::format("vm{}", i.vm);
        out += fmt::format("<tr><td class=\"n\">{} ns</td><td>{}/vcpu{}</td><td class=\"code\">{:#x} {}</td><td class=\"code\">"
                           "{}</td><td><span class=\"swatch\" style=\"background:{}\"></span>{}</td><td>{}</td></tr>\n",
                           i.time_ns, escape(vm), i.vcpu, i.pc, escape(i.symbol), escape(i.instruction),
                           colour_of(i.category), escape(i.name), escape(i.action));
    }
    return out + "</table>\n</section>\n";
}

}  // namespace

std::string render_report(const RunSummary& s, const Timeline& t) {
    std::string guests;
    for (const VmSummary& vm : s.vms) guests += (guests.empty() ? "" : ", ") + vm.guest;
    std::string page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
                       "'unsafe-inline'\">\n";
    page += fmt::format("<title>Trapeze: {} {}</title>\n<style>{}</style>\n</head>\n<body>\n", escape(s.target),
                        escape(guests), kStyle);
    page += fmt::format("<h1>{} — {}</h1>\n<p class=\"lead\">A run on Trapeze, lecture version {}: {} instructions "
                        "retired, {} in virtual time.</p>\n",
                        escape(s.target), escape(guests), escape(s.version), s.retired(),
                        time_text(t.end_ns()));
    page += summary_section(s) + timeline_section(s, t) + exits_section(s) + first_traps_section(t, s);
    page += "<footer><p class=\"lead\">Made by Trapeze with <code>--report</code>. The same run, event by event: "
            "<code>--trace</code> (text) and <code>--trace-json</code> (JSON lines); as a timeline for Perfetto or "
            "chrome://tracing: <code>--timeline</code>.</p></footer>\n</body>\n</html>\n";
    return page;
}

HtmlReportSink::HtmlReportSink(std::string path) : path_(std::move(path)) {
    std::ofstream probe(path_);
    if (!probe) throw std::runtime_error("cannot write the report " + path_);
}

void HtmlReportSink::finish(const RunSummary& summary) {
    timeline_.close();
    std::ofstream out(path_);
    out << render_report(summary, timeline_);
    if (!out) throw std::runtime_error("cannot write the report " + path_);
}

}  // namespace trapeze
