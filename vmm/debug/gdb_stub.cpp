// The GDB stub: a socket, the packets GDB sends, and the run control they drive.
#include "vmm/debug/gdb_stub.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "vmm/debug/commands.h"
#include "vmm/debug/expression.h"
#include "vmm/debug/inspect.h"
#include "vmm/sysreg_emulation.h"
#include "vmm/vm.h"

namespace trapeze {
namespace {

// Register numbers, in the order of the target description: x0..x30, sp, pc, cpsr (the
// org.gnu.gdb.aarch64.core feature GDB requires), then the virtual EL1 registers.
constexpr unsigned kSp = 31, kPc = 32, kCpsr = 33, kFirstSysreg = 34;
constexpr std::uint64_t kMaxMemoryPacket = 4096;

// The virtual system registers GDB sees: every one that reads without side effects, except
// the constant ID registers.
const std::vector<SysregId>& gdb_sysregs() {
    static const std::vector<SysregId> ids = [] {
        std::vector<SysregId> out;
        for (const SysregInfo& r : sysreg_table())
            if (r.group != SysregGroup::Id && r.group != SysregGroup::Native && r.access != SysregAccess::WO &&
                r.id != SysregId::ICC_IAR1_EL1)
                out.push_back(r.id);
        return out;
    }();
    return ids;
}

std::string make_target_xml() {
    std::string xml =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n"
        "<architecture>aarch64</architecture>\n<feature name=\"org.gnu.gdb.aarch64.core\">\n";
    for (unsigned n = 0; n < 31; ++n) xml += fmt::format("<reg name=\"x{}\" bitsize=\"64\" regnum=\"{}\"/>\n", n, n);
    xml += "<reg name=\"sp\" bitsize=\"64\" type=\"data_ptr\" regnum=\"31\"/>\n"
           "<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"32\"/>\n"
           "<reg name=\"cpsr\" bitsize=\"32\" regnum=\"33\"/>\n</feature>\n"
           "<feature name=\"org.trapeze.virtual-el1\">\n";
    unsigned n = kFirstSysreg;
    for (const SysregId id : gdb_sysregs())
        xml += fmt::format("<reg name=\"{}\" bitsize=\"64\" regnum=\"{}\" group=\"system\"/>\n", sysreg_info(id).name, n++);
    xml += fmt::format("<reg name=\"SP_EL1\" bitsize=\"64\" regnum=\"{}\" group=\"system\"/>\n", n);
    xml += "</feature>\n</target>\n";
    return xml;
}

std::vector<std::string> split(const std::string& text, char by) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t at = text.find(by, start);
        out.push_back(text.substr(start, at - start));
        if (at == std::string::npos) return out;
        start = at + 1;
    }
}

}  // namespace

GdbStub::GdbStub(Vm& vm, std::string_view version, std::string target, unsigned port, bool wait)
    : RunControl(vm, version), target_(std::move(target)), target_xml_(make_target_xml()) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener_ < 0) throw std::runtime_error(fmt::format("--gdb: cannot make a socket: {}", std::strerror(errno)));
    const int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0 || ::listen(listener_, 1) < 0) {
        const std::string why = std::strerror(errno);
        ::close(listener_);
        throw std::runtime_error(fmt::format("--gdb: cannot listen on 127.0.0.1:{}: {}", port, why));
    }
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    std::fprintf(stderr, "%s: waiting for GDB on 127.0.0.1:%u (gdb-multiarch GUEST.elf -ex 'target remote :%u')%s\n",
                 target_.c_str(), port_, port_, wait ? "; the guest starts when GDB continues" : "");
    std::fflush(stderr);
    if (!wait) resume();
}

GdbStub::~GdbStub() {
    close_client();
    if (listener_ >= 0) ::close(listener_);
}

bool GdbStub::accept_client(bool block) {
    if (client_ >= 0) return true;
    if (!block) {
        pollfd p{listener_, POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0) return false;
    }
    client_ = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client_ < 0) return false;
    const int one = 1;
    ::setsockopt(client_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ack_mode_ = true;
    reader_ = gdb::PacketReader{};
    return true;
}

void GdbStub::close_client() {
    if (client_ >= 0) ::close(client_);
    client_ = -1;
    waiting_for_stop_ = false;
}

bool GdbStub::read_some(bool block) {
    if (client_ < 0) return false;
    if (!block) {
        pollfd p{client_, POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0) return true;
    }
    char buffer[4096];
    const ssize_t n = ::recv(client_, buffer, sizeof buffer, 0);
    if (n <= 0) {
        if (n < 0 && errno == EINTR) return true;
        return false;
    }
    reader_.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
    return true;
}

void GdbStub::send_raw(std::string_view bytes) {
    while (client_ >= 0 && !bytes.empty()) {
        const ssize_t n = ::send(client_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) continue;
            close_client();
            return;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

void GdbStub::send_packet(std::string_view payload) { send_raw(gdb::frame(payload)); }

bool GdbStub::interrupt_requested() {
    if (client_ < 0) {
        // Not attached yet (no --gdb-wait): GDB attaching stops the guest where it is.
        if (accept_client(false)) {
            interrupted_ = true;
            return true;
        }
        return false;
    }
    if (!read_some(false)) {
        close_client();
        detach();
        return false;
    }
    while (auto in = reader_.next()) {
        if (in->kind == gdb::Incoming::Kind::Interrupt) {
            interrupted_ = true;
            return true;
        }
    }
    return false;
}

void GdbStub::on_event(const TraceEvent& event) {
    if (trace_on_ && client_ >= 0 && waiting_for_stop_) send_packet("O" + gdb::to_hex(format_trace_text(event) + "\n"));
}

std::vector<Vcpu*> GdbStub::machine_vcpus() const {
    std::vector<Vcpu*> out;
    for (Vm* vm : machine_vms())
        for (auto& v : vm->vcpus()) out.push_back(v.get());
    return out;
}

bool GdbStub::attached(const Vm& vm) const { return !multiprocess_ || attached_.contains(vm.id()); }

Vcpu& GdbStub::shown(Vcpu& held) const {
    if (attached(held.vm())) return held;
    for (Vm* vm : machine_vms())
        if (attached(*vm)) return vm->vcpu(0);
    return held;
}

std::string GdbStub::attach(const std::string& pid) {
    const auto vcpu = parse_thread("p" + pid);
    if (!multiprocess_ || !vcpu || !*vcpu) return "E01";
    attached_.insert((*vcpu)->vm().id());
    return "T05thread:" + thread_id(**vcpu) + ";";
}

// D;PID: GDB lets go of one VM (its breakpoints go); the last one ends the session.
bool GdbStub::detach_process(const std::string& pid, std::string& reply) {
    const auto vcpu = parse_thread("p" + pid);
    if (!multiprocess_ || !vcpu || !*vcpu || !attached((*vcpu)->vm())) {
        reply = "E01";
        return false;
    }
    const unsigned id = (*vcpu)->vm().id();
    attached_.erase(id);
    std::vector<unsigned> gone;
    for (const Breakpoint& b : breakpoints())
        if (b.vm == id) gone.push_back(b.id);
    for (const unsigned b : gone) remove(b);
    reply = "OK";
    return attached_.empty();
}

std::string GdbStub::thread_id(const Vcpu& vcpu) const {
    if (multiprocess_) return fmt::format("p{:x}.{:x}", vcpu.vm().id() + 1, vcpu.id() + 1);
    const std::vector<Vcpu*> all = machine_vcpus();
    const auto at = std::find(all.begin(), all.end(), &vcpu);
    return fmt::format("{:x}", (at - all.begin()) + 1);
}

std::optional<Vcpu*> GdbStub::parse_thread(std::string_view text) const {
    // A number as GDB writes one: hex, or -1 for "all".
    const auto number = [](std::string_view digits) -> std::optional<std::int64_t> {
        if (digits == "-1") return -1;
        const auto n = gdb::parse_hex(std::string(digits));
        if (!n || *n > 0xffff'ffff) return std::nullopt;
        return static_cast<std::int64_t>(*n);
    };
    if (text.starts_with('p')) {
        const std::size_t dot = text.find('.');
        const auto pid = number(text.substr(1, dot == std::string_view::npos ? std::string_view::npos : dot - 1));
        const auto tid = dot == std::string_view::npos ? std::optional<std::int64_t>(0) : number(text.substr(dot + 1));
        if (!pid || !tid) return std::nullopt;
        if (*pid == -1) return nullptr;
        for (Vm* vm : machine_vms()) {
            if (vm->id() + 1 != *pid) continue;
            if (*tid <= 0) return &vm->vcpu(0);
            if (static_cast<std::uint64_t>(*tid) <= vm->vcpus().size()) return &vm->vcpu(static_cast<unsigned>(*tid - 1));
        }
        return std::nullopt;
    }
    const auto tid = number(text);
    if (!tid) return std::nullopt;
    if (*tid <= 0) return nullptr;
    const std::vector<Vcpu*> all = machine_vcpus();
    if (static_cast<std::uint64_t>(*tid) > all.size()) return std::nullopt;
    return all[static_cast<std::size_t>(*tid - 1)];
}

std::string GdbStub::stop_reply(Vcpu& held) const {
    const std::string thread = fmt::format("thread:{};", thread_id(shown(held)));
    if (interrupted_) return "T02" + thread;
    if (at_history_start()) return "T05replaylog:begin;" + thread;  // gdb: "No more reverse-execution history"
    if (const auto address = watch_hit()) return fmt::format("T05watch:{:x};{}", *address, thread);
    return "T05" + thread;
}

std::optional<std::uint64_t> GdbStub::register_value_at(Vcpu& vcpu, unsigned n, unsigned& bytes) const {
    bytes = 8;
    if (n < 31) return vcpu.x(n);
    if (n == kSp) return vcpu.regs().sp();
    if (n == kPc) return vcpu.pc();
    if (n == kCpsr) {
        bytes = 4;
        return vcpu.pstate();
    }
    const auto& ids = gdb_sysregs();
    if (n - kFirstSysreg < ids.size()) return peek_sysreg(vcpu, ids[n - kFirstSysreg]).value_or(0);
    if (n == kFirstSysreg + ids.size()) return vcpu.sp_el1();
    return std::nullopt;
}

bool GdbStub::set_register_at(Vcpu& vcpu, unsigned n, std::uint64_t value) {
    if (n < 31) vcpu.set_x(n, value);
    else if (n == kSp) vcpu.regs().sp() = value;
    else if (n == kPc) vcpu.set_pc(value & ~3ull);
    else if (n == kCpsr) vcpu.set_pstate(static_cast<std::uint32_t>(value));
    else if (n - kFirstSysreg < gdb_sysregs().size()) {
        const SysregInfo& info = sysreg_info(gdb_sysregs()[n - kFirstSysreg]);
        if (info.access == SysregAccess::RO) return false;
        poke_sysreg(vcpu, info.id, value);
    } else {
        return false;  // SP_EL1 is not writable from here while SP_EL0 is live
    }
    return true;
}

// `g`: the core registers only; GDB reads the virtual EL1 ones with `p`. A short reply fits
// whatever target description GDB holds (an inferior added by `attach` starts with the
// default one, and a longer reply than that is refused).
std::string GdbStub::read_registers(Vcpu& vcpu) const {
    std::string out;
    for (unsigned n = 0; n < kFirstSysreg; ++n) {
        unsigned bytes = 8;
        const auto v = register_value_at(vcpu, n, bytes);
        out += gdb::register_hex(v.value_or(0), bytes);
    }
    return out;
}

std::string GdbStub::monitor_command(Vcpu& vcpu, const std::string& hex) {
    const auto bytes = gdb::parse_hex_bytes(hex);
    if (!bytes) return "E01";
    const std::string line(bytes->begin(), bytes->end());
    std::string out;
    const std::size_t start = line.find_first_not_of(" \t");
    const std::string name = start == std::string::npos ? "" : line.substr(start, line.find_first_of(" \t", start) - start);
    const DebugCommand* command = find_debug_command(name);
    if (name.empty() || name == "help") {
        out = "monitor commands (the stepper's, those that only look):\n";
        for (const DebugCommand& c : debug_commands())
            if (c.inspects_only && c.name != "help") out += fmt::format("  monitor {:<10} {:<12} {}\n", c.name, c.args, c.help);
    } else if (!command) {
        out = fmt::format("no monitor command '{}' (monitor help lists them)\n", name);
    } else if (!command->inspects_only) {
        out = fmt::format("'{}' is the stepper's; from GDB use its own commands (stepi, continue, break, watch, set $reg)\n",
                          name);
    } else {
        CommandContext context{vcpu, *this, out, trace_on_, nullptr, nullptr};
        run_debug_command(context, line);
    }
    send_packet("O" + gdb::to_hex(out));
    return "OK";
}

std::string GdbStub::query(Vcpu& vcpu, const std::string& p) {
    if (p.starts_with("qSupported")) {
        std::string features = "PacketSize=4000;qXfer:features:read+;QStartNoAckMode+;vContSupported+;ReverseStep+;ReverseContinue+";
        // Several VMs: each an inferior, when GDB speaks the multiprocess extension.
        multiprocess_ = several_vms() && p.find("multiprocess+") != std::string::npos;
        attached_ = {machine_vms().front()->id()};
        if (multiprocess_) features += ";multiprocess+";
        return features;
    }
    if (p == "QStartNoAckMode") {
        send_packet("OK");
        ack_mode_ = false;
        return {};
    }
    if (p.starts_with("qXfer:features:read:")) {
        const auto fields = split(p.substr(20), ':');
        if (fields.size() != 2) return "E01";
        if (fields[0] != "target.xml") return "E00";
        const auto range = split(fields[1], ',');
        const auto offset = range.size() == 2 ? gdb::parse_hex(range[0]) : std::nullopt;
        const auto length = range.size() == 2 ? gdb::parse_hex(range[1]) : std::nullopt;
        if (!offset || !length) return "E01";
        if (*offset >= target_xml_.size()) return "l";
        const std::string chunk = target_xml_.substr(*offset, *length);
        return (*offset + chunk.size() >= target_xml_.size() ? "l" : "m") + chunk;
    }
    if (p == "qAttached" || p.starts_with("qAttached:")) return "1";
    if (p == "qC") return "QC" + thread_id(shown(vcpu));
    if (p == "qfThreadInfo") {
        std::string out = "m";
        for (const Vcpu* v : machine_vcpus())
            if (attached(v->vm())) out += (out.size() > 1 ? "," : "") + thread_id(*v);
        return out;
    }
    if (p == "qsThreadInfo") return "l";
    if (p.starts_with("qThreadExtraInfo,")) {
        const auto v = parse_thread(p.substr(17));
        if (!v || !*v) return "E01";
        return gdb::to_hex(fmt::format("{}/vcpu{}, virtual EL{}", (*v)->vm().name(), (*v)->id(), (*v)->el()));
    }
    if (p.starts_with("qRcmd,")) return monitor_command(selected(vcpu), p.substr(6));
    if (p == "qSymbol::") return "OK";
    return {};  // not supported: an empty reply
}

std::string GdbStub::breakpoint(Vcpu& vcpu, const std::string& p) {
    const bool insert = p[0] == 'Z';
    const auto fields = split(p.substr(1), ',');
    if (fields.size() < 3) return "E01";
    const auto type = gdb::parse_hex(fields[0]);
    const auto address = gdb::parse_hex(fields[1]);
    const auto kind = gdb::parse_hex(fields[2].substr(0, fields[2].find(';')));
    if (!type || !address || !kind) return "E01";
    try {
        switch (*type) {
            case 0:  // software and hardware breakpoints are the same thing here: a PC check
            case 1:
                // An inferior's breakpoint is in its VM only (GDB selects one of its threads first).
                if (insert) add_address(*address, fmt::format("{:#x} (GDB)", *address), multiprocess_ ? &vcpu.vm() : nullptr);
                else remove_address(*address, multiprocess_ ? std::optional<unsigned>(vcpu.vm().id()) : std::nullopt);
                return "OK";
            case 2:  // write watchpoints
                if (*kind == 0 || *kind > 4096) return "E01";
                if (insert) add_watch(vcpu, *address, *kind);
                else remove_watch(*address, *kind);
                return "OK";
            default: return {};  // read and access watchpoints: not supported
        }
    } catch (const std::exception&) {
        return "E0e";
    }
}

bool GdbStub::resume_from(Vcpu& vcpu, const std::string& p, std::string& reply) {
    // c [addr], s [addr], vCont;ACTION[:thread]...: the machine runs as the monitor runs it; a
    // step action stops when its thread (the Hc thread, for `s`) has made a step.
    char action = p[0];
    std::string rest = p.substr(1);
    Vcpu* step_thread = resume_thread_;
    if (p.starts_with("vCont;")) {
        action = 0;
        rest.clear();
        for (const std::string& item : split(p.substr(6), ';')) {
            const char kind = item.empty() ? 0 : item[0];
            const std::size_t colon = item.find(':');
            if (std::string_view("cCsS").find(kind) == std::string_view::npos || kind == 0 ||
                (colon != std::string::npos && colon != (kind == 'C' || kind == 'S' ? 3 : 1)) ||
                (colon == std::string::npos && item.size() != (kind == 'C' || kind == 'S' ? 3 : 1))) {
                reply = "E01";
                return false;
            }
            const auto thread = colon == std::string::npos ? std::optional<Vcpu*>(nullptr) : parse_thread(item.substr(colon + 1));
            if (!thread) {
                reply = "E01";
                return false;
            }
            if (kind == 's' || kind == 'S') {
                if (action == 's') continue;  // the first step action decides
                action = 's';
                step_thread = *thread;
            } else if (action == 0) {
                action = 'c';
            }
        }
    } else if ((action == 'C' || action == 'S')) {
        rest.clear();  // the signal number means nothing to a VM
    }
    if (!rest.empty()) {
        const auto address = gdb::parse_hex(rest);
        if (!address) {
            reply = "E01";
            return false;
        }
        vcpu.set_pc(*address);
        state_changed();
    }
    if (action == 's' || action == 'S') step(1, step_thread);
    else if (action == 'c' || action == 'C') resume();
    else {
        reply = "E01";
        return false;
    }
    interrupted_ = false;
    waiting_for_stop_ = true;
    return true;
}

bool GdbStub::serve(Vcpu& held, const std::string& p) {
    std::string reply;
    Vcpu& vcpu = selected(held);  // what registers, memory and breakpoints act on
    if (p.empty()) {
        reply = "";
    } else if (p == "?") {
        reply = stop_reply(held);
    } else if (p[0] == 'q' || p[0] == 'Q') {
        reply = query(held, p);
        if (p == "QStartNoAckMode") return false;
    } else if (p == "g") {
        reply = read_registers(vcpu);
    } else if (p[0] == 'G') {
        const std::string hex = p.substr(1);
        unsigned n = 0;
        std::size_t at = 0;
        reply = "OK";
        for (; at < hex.size(); ++n) {
            unsigned bytes = 8;
            if (!register_value_at(vcpu, n, bytes)) break;
            const auto v = gdb::parse_register_hex(hex.substr(at, 2 * bytes), bytes);
            if (!v) {
                reply = "E01";
                break;
            }
            unsigned width = 8;
            if (register_value_at(vcpu, n, width) != *v && set_register_at(vcpu, n, *v)) state_changed();
            at += 2 * bytes;
        }
    } else if (p[0] == 'p') {
        const auto n = gdb::parse_hex(p.substr(1));
        unsigned bytes = 8;
        const auto v = n ? register_value_at(vcpu, static_cast<unsigned>(*n), bytes) : std::nullopt;
        reply = v ? gdb::register_hex(*v, bytes) : "E01";
    } else if (p[0] == 'P') {
        const std::size_t eq = p.find('=');
        const auto n = eq == std::string::npos ? std::nullopt : gdb::parse_hex(p.substr(1, eq - 1));
        unsigned bytes = 8;
        const bool exists = n && register_value_at(vcpu, static_cast<unsigned>(*n), bytes);
        const auto v = exists ? gdb::parse_register_hex(p.substr(eq + 1), bytes) : std::nullopt;
        reply = v && set_register_at(vcpu, static_cast<unsigned>(*n), *v) ? "OK" : "E01";
        if (reply == "OK") state_changed();
    } else if (p[0] == 'm' || p[0] == 'M') {
        const std::size_t comma = p.find(',');
        const std::size_t colon = p.find(':');
        const auto address = comma == std::string::npos ? std::nullopt : gdb::parse_hex(p.substr(1, comma - 1));
        const auto length = comma == std::string::npos ? std::nullopt
                            : gdb::parse_hex(p.substr(comma + 1, p[0] == 'M' && colon != std::string::npos
                                                                      ? colon - comma - 1
                                                                      : std::string::npos));
        std::string error;
        if (!address || !length || *length > kMaxMemoryPacket) {
            reply = "E01";
        } else if (p[0] == 'm') {
            std::vector<std::uint8_t> bytes;
            reply = read_guest(vcpu, *address, *length, bytes, error) ? gdb::to_hex(bytes) : "E0e";
        } else {
            const auto bytes = colon == std::string::npos ? std::nullopt : gdb::parse_hex_bytes(p.substr(colon + 1));
            if (!bytes || bytes->size() != *length) reply = "E01";
            else reply = write_guest(vcpu, *address, *bytes, error) ? "OK" : "E0e";
            if (reply == "OK") state_changed();
        }
    } else if (p[0] == 'Z' || p[0] == 'z') {
        reply = breakpoint(vcpu, p);
    } else if (p == "vCont?") {
        reply = "vCont;c;C;s;S";
    } else if (p == "bs" || p == "bc") {  // reverse-stepi, reverse-continue
        try {
            if (p == "bs") reverse_step(1);
            else reverse_continue();
            interrupted_ = false;
            waiting_for_stop_ = true;
            return true;
        } catch (const std::exception&) {
            reply = at_history_start() ? stop_reply(held) : "E01";
        }
    } else if (p[0] == 'c' || p[0] == 's' || p[0] == 'C' || p[0] == 'S' || p.starts_with("vCont;")) {
        if (resume_from(vcpu, p, reply)) return true;
    } else if (p[0] == 'H') {  // Hg: the thread registers and memory are read from; Hc: the one `s` steps
        reply = "E01";
        if (p.size() > 2 && (p[1] == 'g' || p[1] == 'c')) {
            if (const auto thread = parse_thread(std::string_view(p).substr(2))) {
                (p[1] == 'g' ? general_ : resume_thread_) = *thread;
                reply = "OK";
            }
        }
    } else if (p[0] == 'T') {
        const auto thread = parse_thread(std::string_view(p).substr(1));
        reply = thread && *thread ? "OK" : "E01";
    } else if (p.starts_with("D;")) {
        if (!detach_process(p.substr(2), reply)) {
            send_packet(reply);
            return false;
        }
        send_packet("OK");  // the last inferior: as D
        close_client();
        detach();
        return true;
    } else if (p.starts_with("vAttach;")) {
        reply = attach(p.substr(8));
    } else if (p == "!") {
        reply = "OK";  // extended-remote: `attach PID` adds a VM as an inferior
    } else if (p[0] == 'D') {
        send_packet("OK");
        close_client();
        detach();  // the guest runs on by itself, with no breakpoints
        return true;
    } else if (p == "k" || p.starts_with("vKill")) {
        stop_machine("killed from GDB");  // every VM: the inferiors end together
        if (p != "k") send_packet("OK");
        close_client();
        return true;
    }
    send_packet(reply);
    return false;
}

void GdbStub::on_hold(Vcpu& vcpu) {
    if (client_ < 0) accept_client(true);
    general_ = nullptr;  // a stop reply makes the thread that stopped GDB's general thread too
    if (waiting_for_stop_) {
        send_packet(stop_reply(vcpu));
        waiting_for_stop_ = false;
    }
    for (;;) {
        while (auto in = reader_.next()) {
            switch (in->kind) {
                case gdb::Incoming::Kind::Packet:
                    if (ack_mode_) send_raw("+");
                    if (serve(vcpu, in->payload)) return;
                    break;
                case gdb::Incoming::Kind::BadPacket:
                    if (ack_mode_) send_raw("-");  // ask again
                    else send_packet("E01");
                    break;
                case gdb::Incoming::Kind::Interrupt:
                case gdb::Incoming::Kind::Ack:
                case gdb::Incoming::Kind::Nak: break;
            }
        }
        if (!read_some(true)) {  // GDB went away: let the guest run on
            close_client();
            detach();
            return;
        }
    }
}

void GdbStub::finish() {
    if (client_ < 0) return;
    if (waiting_for_stop_ || held()) {
        // W: the process exited with a status; a VM that powered off exits with 0. With several
        // VMs the machine ends at once: GDB hears it of the first inferior.
        const Vm& first = shown(machine_vms().front()->vcpu(0)).vm();
        const std::string process = multiprocess_ ? fmt::format(";process:{:x}", first.id() + 1) : "";
        send_packet(fmt::format("W{:02x}{}", first.status == VmStatus::PoweredOff ? 0 : 1, process));
    }
    close_client();
}

}  // namespace trapeze
