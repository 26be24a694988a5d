// --report FILE.html: one self-contained page about a run, for a student who never opened
// Perfetto: what each VM did, the timeline of the pCPUs with their traps, the VM exits by
// class, and the first traps one by one. No script, no request: inline CSS and SVG only, and
// a Content-Security-Policy that forbids the page to load anything.
#pragma once

#include <string>

#include "vmm/run_summary.h"
#include "vmm/timeline.h"

namespace trapeze {

std::string render_report(const RunSummary& summary, const Timeline& timeline);

class HtmlReportSink final : public TraceSink {
public:
    explicit HtmlReportSink(std::string path);  // throws std::runtime_error if FILE cannot be written
    void write(const TraceEvent& event) override { timeline_.add(event); }
    void finish(const RunSummary& summary) override;

private:
    std::string path_;
    Timeline timeline_;
};

}  // namespace trapeze
