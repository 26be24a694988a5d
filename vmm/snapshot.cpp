// Saving and restoring the whole machine: one short function per device and per part of the
// context, so that a field added to one is added here next to its siblings (the sizes checked
// in tests/vmm/test_snapshot.cpp fail until it is).
#include "vmm/snapshot.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "vmm/crc32.h"
#include "vmm/monitor.h"

namespace trapeze {
namespace {

constexpr char kMagic[8] = {'T', 'R', 'A', 'P', 'S', 'N', 'A', 'P'};
constexpr std::size_t kHeaderSize = 32;  // magic, version, flags, payload length, CRC-32, reserved
constexpr std::uint32_t kNone = 0xFFFF'FFFF;  // "no vCPU" where a vCPU is named
constexpr std::uint32_t kFlagMemoryElsewhere = 1;  // no MEM sections: a migration sent the pages
constexpr std::uint32_t kFlagOneVm = 2;            // one VM's sections, no pCPUs: a migration moves it alone

// ---- little-endian bytes ----

class Writer {
public:
    void u8(std::uint8_t v) { bytes_.push_back(v); }
    void u32(std::uint32_t v) {
        for (unsigned i = 0; i < 4; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void u64(std::uint64_t v) {
        for (unsigned i = 0; i < 8; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void raw(const void* data, std::size_t n) {
        const auto* p = static_cast<const std::uint8_t*>(data);
        bytes_.insert(bytes_.end(), p, p + n);
    }
    void str(std::string_view s) {
        u32(static_cast<std::uint32_t>(s.size()));
        raw(s.data(), s.size());
    }
    // A section: a four-letter tag and its length, patched when it ends.
    void begin(const char (&tag)[5]) {
        raw(tag, 4);
        open_ = bytes_.size();
        u64(0);
    }
    void end() {
        const std::uint64_t length = bytes_.size() - open_ - 8;
        for (unsigned i = 0; i < 8; ++i) bytes_[open_ + i] = static_cast<std::uint8_t>(length >> (8 * i));
    }
    std::vector<std::uint8_t>& bytes() { return bytes_; }

private:
    std::vector<std::uint8_t> bytes_;
    std::size_t open_ = 0;
};

class Reader {
public:
    explicit Reader(std::span<const std::uint8_t> bytes, std::string where = "snapshot")
        : bytes_(bytes), where_(std::move(where)) {}
    std::uint8_t u8() { return take(1)[0]; }
    std::uint32_t u32() {
        const auto b = take(4);
        std::uint32_t v = 0;
        for (unsigned i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(b[i]) << (8 * i);
        return v;
    }
    std::uint64_t u64() {
        const auto b = take(8);
        std::uint64_t v = 0;
        for (unsigned i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(b[i]) << (8 * i);
        return v;
    }
    void raw(void* out, std::size_t n) {
        const auto b = take(n);
        std::memcpy(out, b.data(), n);
    }
    std::string str() {
        const std::uint32_t n = u32();
        const auto b = take(n);
        return std::string(b.begin(), b.end());
    }
    bool flag() {
        const std::uint8_t v = u8();
        if (v > 1) fail(fmt::format("a flag holds {}", v));
        return v == 1;
    }
    // The next section, which must be `tag`; the reader of its contents.
    Reader section(std::string_view tag) {
        const auto t = take(4);
        if (std::string_view(reinterpret_cast<const char*>(t.data()), 4) != tag)
            fail(fmt::format("section '{}' expected, '{}' found", tag,
                             std::string(reinterpret_cast<const char*>(t.data()), 4)));
        const std::uint64_t length = u64();
        return Reader(take(length), std::string(tag));
    }
    std::size_t left() const { return bytes_.size() - at_; }
    void finish() const {
        if (at_ != bytes_.size()) fail(fmt::format("{} bytes left over", bytes_.size() - at_));
    }
    [[noreturn]] void fail(const std::string& what) const {
        throw SnapshotError(fmt::format("the snapshot is corrupt: in its {} section, {}", where_, what));
    }

private:
    std::span<const std::uint8_t> take(std::size_t n) {
        if (n > bytes_.size() - at_) fail("it ends early");
        const auto out = bytes_.subspan(at_, n);
        at_ += n;
        return out;
    }
    std::span<const std::uint8_t> bytes_;
    std::size_t at_ = 0;
    std::string where_;
};

// FNV-1a over what identifies a guest image: its entry, segments and symbols.
std::uint64_t image_digest(const ElfImage& image) {
    std::uint64_t h = 0xcbf2'9ce4'8422'2325ull;
    const auto mix = [&](std::uint64_t v) {
        for (unsigned i = 0; i < 8; ++i) h = (h ^ ((v >> (8 * i)) & 0xff)) * 0x100'0000'01b3ull;
    };
    mix(image.entry());
    for (const ElfSegment& s : image.segments()) {
        mix(s.address);
        mix(s.file_size);
        mix(s.memory_size);
    }
    for (const ElfSymbol& s : image.symbols()) {
        mix(s.address);
        for (char c : s.name) mix(static_cast<unsigned char>(c));
    }
    return h;
}

}  // namespace

bool page_is_zero(const std::uint8_t* page) {
    std::uint64_t any = 0;
    for (std::size_t i = 0; i < kPageSize; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, page + i, 8);
        any |= w;
        if ((i & 511) == 504 && any) return false;
    }
    return any == 0;
}

// The one place that reads and writes the private parts of the vCPU, the UART and the monitor.
class SnapshotAccess {
public:
    // ---- identity: what must match before anything is restored
    static void save_machine(Writer& w, const Monitor& m) { save_machine(w, m, m.vms_); }
    // The machine's identity, naming only `vms` (a VM that leaves alone names itself).
    static void save_machine(Writer& w, const Monitor& m, std::span<const Vm* const> vms) {
        w.begin("MACH");
        w.str(m.hooks_.version);
        w.u32(m.pcpu_count());
        w.u64(m.options_.quantum);
        w.u64(m.options_.lockstep_slice);
        w.u8(static_cast<std::uint8_t>(m.options_.policy));
        w.u8(m.options_.balance);
        w.u32(static_cast<std::uint32_t>(vms.size()));
        for (const Vm* vm : vms) {
            w.str(vm->name());
            w.u64(vm->memory_.ram_size());
            w.u32(static_cast<std::uint32_t>(vm->vcpus_.size()));
            w.u64(image_digest(vm->image()));
        }
        w.end();
    }
    static void check_machine(Reader r, const Monitor& m) {
        const auto differ = [](std::string what, auto snapshot, auto here) {
            throw SnapshotError(fmt::format("the snapshot is of another machine: {} {} there, {} here", what,
                                            snapshot, here));
        };
        const std::string version = r.str();
        if (version != m.hooks_.version) differ("the target's version", version, m.hooks_.version);
        if (const auto n = r.u32(); n != m.pcpu_count()) differ("physical CPUs", n, m.pcpu_count());
        if (const auto q = r.u64(); q != m.options_.quantum) differ("quantum (--quantum)", q, m.options_.quantum);
        if (const auto l = r.u64(); l != m.options_.lockstep_slice) differ("lock-step slice", l, m.options_.lockstep_slice);
        if (const auto p = r.u8(); p != static_cast<std::uint8_t>(m.options_.policy))
            differ("scheduler policy", p, static_cast<unsigned>(m.options_.policy));
        if (const auto b = r.u8(); b != m.options_.balance) differ("balancing", b, m.options_.balance);
        if (const auto n = r.u32(); n != m.vms_.size()) differ("VMs", n, m.vms_.size());
        for (const Vm* vm : m.vms_) {
            const std::string name = r.str();
            if (name != vm->name()) differ("a VM named", name, vm->name());
            if (const auto ram = r.u64(); ram != vm->memory_.ram_size())
                differ(fmt::format("{}'s RAM (bytes)", name), ram, vm->memory_.ram_size());
            if (const auto n = r.u32(); n != vm->vcpus_.size()) differ(fmt::format("{}'s vCPUs", name), n, vm->vcpus_.size());
            if (r.u64() != image_digest(vm->image()))
                throw SnapshotError(fmt::format("the snapshot is of another machine: {} ran another guest image", name));
        }
        r.finish();
    }

    // ---- devices, one function each
    static void save(Writer& w, const Pl011& u) {
        w.begin("UART");
        for (std::uint32_t reg : {u.cr_, u.lcr_h_, u.ibrd_, u.fbrd_, u.imsc_, u.ifls_, u.ilpr_, u.dmacr_, u.ris_}) w.u32(reg);
        w.str(u.line_);
        w.u64(u.written_);
        w.str(std::string(u.rx_.begin(), u.rx_.end()));
        w.end();
    }
    static void restore(Reader r, Pl011& u) {
        for (std::uint32_t* reg : {&u.cr_, &u.lcr_h_, &u.ibrd_, &u.fbrd_, &u.imsc_, &u.ifls_, &u.ilpr_, &u.dmacr_, &u.ris_})
            *reg = r.u32();
        u.line_ = r.str();
        const std::uint64_t written = r.u64();
        const std::string rx = r.str();
        r.finish();
        if (rx.size() > Pl011::kFifoDepth) r.fail("the receive FIFO holds more than it can");
        u.rx_.assign(rx.begin(), rx.end());
        if (written < u.line_.size()) r.fail("the partial line is longer than the output");
        // Going back in the same run drops what was written since; a fresh VM holds the partial line.
        if (written <= u.written_ && u.written_ - written <= u.output_.size())
            u.output_.resize(u.output_.size() - (u.written_ - written));
        else
            u.output_ = u.line_;
        u.written_ = written;
        // Whole lines before the snapshot were shown already (by this run or the one that saved it).
        u.emitted_ = std::max(u.emitted_, written - u.line_.size());
    }
    static void save(Writer& w, const GicDistributor& d) {
        w.begin("GICD");
        w.u32(d.ctlr);
        for (std::uint64_t bits : {d.spi_group1, d.spi_enabled, d.spi_latched, d.spi_line, d.spi_active, d.spi_edge})
            w.u64(bits);
        w.raw(d.spi_priority.data(), d.spi_priority.size());
        for (std::uint64_t route : d.spi_route) w.u64(route);
        w.u32(static_cast<std::uint32_t>(d.noted_.size()));  // the RAZ/WI registers the trace named
        for (const std::string& name : d.noted_) w.str(name);
        w.end();
    }
    static void restore(Reader r, GicDistributor& d) {
        d.ctlr = r.u32();
        for (std::uint64_t* bits : {&d.spi_group1, &d.spi_enabled, &d.spi_latched, &d.spi_line, &d.spi_active, &d.spi_edge})
            *bits = r.u64();
        r.raw(d.spi_priority.data(), d.spi_priority.size());
        for (std::uint64_t& route : d.spi_route) route = r.u64();
        const std::uint32_t noted = r.u32();
        if (noted > r.left()) r.fail("the named registers do not fit");
        d.noted_.clear();
        for (std::uint32_t i = 0; i < noted; ++i) d.noted_.push_back(r.str());
        r.finish();
    }
    static void save(Writer& w, const GicCpuInterface& g) {
        w.begin("GICR");
        for (std::uint32_t bits : {g.group1, g.enabled, g.pending, g.active, g.level}) w.u32(bits);
        w.raw(g.priority.data(), g.priority.size());
        w.u8(g.asleep);
        for (std::uint64_t reg : {g.pmr, g.bpr1, g.ctlr}) w.u64(reg);
        w.u8(g.igrpen1);
        w.u8(g.running_priority);
        w.raw(g.acked_from.data(), g.acked_from.size());
        for (std::uint32_t bits : g.active_priorities) w.u32(bits);
        w.end();
    }
    static void restore(Reader r, GicCpuInterface& g) {
        for (std::uint32_t* bits : {&g.group1, &g.enabled, &g.pending, &g.active, &g.level}) *bits = r.u32();
        r.raw(g.priority.data(), g.priority.size());
        g.asleep = r.flag();
        for (std::uint64_t* reg : {&g.pmr, &g.bpr1, &g.ctlr}) *reg = r.u64();
        g.igrpen1 = r.flag();
        g.running_priority = r.u8();
        r.raw(g.acked_from.data(), g.acked_from.size());
        for (std::uint32_t& bits : g.active_priorities) bits = r.u32();
        r.finish();
    }
    // The virtual timer (VTMR) and the physical one (PTMR): the same two registers.
    static void save(Writer& w, const GenericTimer& t, const char (&tag)[5]) {
        w.begin(tag);
        w.u64(t.ctl);
        w.u64(t.cval);
        w.end();
    }
    static void restore(Reader r, GenericTimer& t) {
        t.ctl = r.u64();
        t.cval = r.u64();
        r.finish();
    }

    // ---- memory: the pages that are not all zero, deflated
    static void save(Writer& w, const GuestMemory& memory) {
        auto& ram = const_cast<GuestMemory&>(memory);
        std::vector<std::uint8_t> pages;
        std::uint64_t count = 0;
        const std::uint64_t total = memory.ram_size() / kPageSize;
        for (std::uint64_t i = 0; i < total; ++i) {
            const std::uint8_t* page = ram.host(memory.ram_base() + i * kPageSize, kPageSize);
            if (page_is_zero(page)) continue;
            for (unsigned b = 0; b < 8; ++b) pages.push_back(static_cast<std::uint8_t>(i >> (8 * b)));
            pages.insert(pages.end(), page, page + kPageSize);
            ++count;
        }
        uLongf packed_size = compressBound(static_cast<uLong>(pages.size()));
        std::vector<std::uint8_t> packed(packed_size);
        if (compress2(packed.data(), &packed_size, pages.data(), static_cast<uLong>(pages.size()), 1) != Z_OK)
            throw SnapshotError("cannot compress the guest's memory");
        w.begin("MEM ");
        w.u64(count);
        w.u64(pages.size());
        w.u64(packed_size);
        w.raw(packed.data(), packed_size);
        w.end();
    }
    static void restore(Reader r, GuestMemory& memory) {
        const std::uint64_t count = r.u64();
        const std::uint64_t size = r.u64();
        const std::uint64_t packed_size = r.u64();
        const std::uint64_t total = memory.ram_size() / kPageSize;
        if (count > total || size != count * (8 + kPageSize)) r.fail("the page count does not fit the RAM");
        if (packed_size != r.left()) r.fail("the compressed pages are not the rest of it");
        std::vector<std::uint8_t> packed(packed_size);
        r.raw(packed.data(), packed_size);
        r.finish();
        std::vector<std::uint8_t> pages(size);
        uLongf got = static_cast<uLongf>(size);
        if (size > 0 &&
            (uncompress(pages.data(), &got, packed.data(), static_cast<uLong>(packed_size)) != Z_OK || got != size))
            r.fail("the compressed pages do not inflate");
        std::uint64_t next = 0;  // pages below it that the snapshot does not hold are zero
        const auto zero_up_to = [&](std::uint64_t end) {
            for (; next < end; ++next) {
                std::uint8_t* page = memory.host(memory.ram_base() + next * kPageSize, kPageSize);
                if (page_is_zero(page)) continue;
                std::memset(page, 0, kPageSize);
                memory.dirty_log().record(memory.ram_base() + next * kPageSize);  // a migration resends it
            }
        };
        for (std::uint64_t k = 0; k < count; ++k) {
            const std::uint8_t* entry = pages.data() + k * (8 + kPageSize);
            std::uint64_t index = 0;
            for (unsigned b = 0; b < 8; ++b) index |= static_cast<std::uint64_t>(entry[b]) << (8 * b);
            if (index >= total || index < next) r.fail("a page is out of order or outside RAM");
            zero_up_to(index);
            std::memcpy(memory.host(memory.ram_base() + index * kPageSize, kPageSize), entry + 8, kPageSize);
            memory.dirty_log().record(memory.ram_base() + index * kPageSize);
            next = index + 1;
        }
        zero_up_to(total);
    }

    // ---- a vCPU's context: registers, PSTATE and SP banks, system registers, run state
    static void save(Writer& w, const Vcpu& v) {
        w.begin("VCPU");
        const RegisterFile& regs = v.regs();  // the live ones: in the interpreter while loaded
        for (std::uint64_t x : regs.x) w.u64(x);
        w.u64(regs.pc);
        w.u32(regs.nzcv);
        w.u64(regs.tpidr_el0);
        for (const VReg& q : regs.v) {
            w.u64(q.lo);
            w.u64(q.hi);
        }
        w.u32(regs.fpcr);
        w.u32(regs.fpsr);
        w.u8(static_cast<std::uint8_t>(v.el_));
        w.u8(v.sp_sel_);
        w.u8(v.illegal_);
        w.u32(v.daif_);
        w.u64(v.other_sp_);
        w.u32(static_cast<std::uint32_t>(kSysregCount));
        for (const SysregInfo& r : sysreg_table()) {
            w.str(r.name);
            w.u64(v.sysreg(r.id));
        }
        Cpu::ExclusiveReservation reservation;
        const bool exclusive = v.loaded() && v.cpu().exclusive_reservation(reservation);
        w.u8(exclusive);
        w.u64(reservation.va);
        w.u32(reservation.size);
        w.u64(reservation.pa);
        w.raw(reservation.loaded, sizeof reservation.loaded);
        w.u8(static_cast<std::uint8_t>(v.state));
        w.u64(v.clock_ns);
        w.u32(v.home);
        w.u8(v.starting);
        w.u64(v.pass);
        w.u32(v.requests);
        w.u64(v.retired);
        for (std::uint64_t n : v.exits_by_ec) w.u64(n);
        for (std::uint64_t n : v.forwarded_by_ec) w.u64(n);
        w.u64(v.physical_timer_exits);
        w.u64(v.virqs_injected);
        w.u64(v.irq_handler_exits);
        w.u8(v.in_irq_handler);
        w.u64(v.directed_yields);
        w.u64(v.waits_for_events);
        w.u8(v.vm().exclusive_monitor().event_pending(v.id()));
        w.u8(v.waits_for_event);
        w.u64(v.event_stream_ns);
        w.end();
        save(w, v.timer, "VTMR");
        save(w, v.ptimer, "PTMR");
        save(w, v.gic);
    }
    // Into an unloaded vCPU; returns the exclusive reservation to put into the interpreter.
    struct Exclusive {
        bool valid = false;
        Cpu::ExclusiveReservation reservation;
    };
    static Exclusive restore_vcpu(Reader& outer, Vcpu& v, unsigned pcpus) {
        Reader r = outer.section("VCPU");
        RegisterFile& regs = v.saved_registers();
        for (std::uint64_t& x : regs.x) x = r.u64();
        regs.x[kZeroSlot] = 0;
        regs.pc = r.u64();
        regs.nzcv = r.u32();
        regs.tpidr_el0 = r.u64();
        for (VReg& q : regs.v) {
            q.lo = r.u64();
            q.hi = r.u64();
        }
        regs.fpcr = r.u32();
        regs.fpsr = r.u32();
        v.el_ = r.u8();
        if (v.el_ > 1) r.fail(fmt::format("vcpu{} is at EL{}", v.id(), v.el_));
        v.sp_sel_ = r.flag();
        v.illegal_ = r.flag();
        v.daif_ = r.u32();
        v.other_sp_ = r.u64();
        if (r.u32() != kSysregCount) r.fail("the system register table differs from this Trapeze's");
        for (const SysregInfo& info : sysreg_table()) {
            if (r.str() != info.name) r.fail("the system register table differs from this Trapeze's");
            v.sysregs_[static_cast<std::size_t>(info.id)] = r.u64();
        }
        Exclusive exclusive;
        exclusive.valid = r.flag();
        exclusive.reservation.va = r.u64();
        exclusive.reservation.size = r.u32();
        exclusive.reservation.pa = r.u64();
        r.raw(exclusive.reservation.loaded, sizeof exclusive.reservation.loaded);
        if (exclusive.reservation.size > sizeof exclusive.reservation.loaded) r.fail("an exclusive reservation is too large");
        const std::uint8_t state = r.u8();
        if (state > static_cast<std::uint8_t>(VcpuState::Stopped)) r.fail(fmt::format("vcpu{} is in state {}", v.id(), state));
        v.state = static_cast<VcpuState>(state);
        v.clock_ns = r.u64();
        v.home = r.u32();
        if (v.home >= pcpus) r.fail(fmt::format("vcpu{} belongs to pCPU {}", v.id(), v.home));
        v.starting = r.flag();
        v.pass = r.u64();
        // The interpreter is fresh: the regime must be pushed into it again.
        v.requests = r.u32() | kRequestTranslation;
        v.retired = r.u64();
        for (std::uint64_t& n : v.exits_by_ec) n = r.u64();
        for (std::uint64_t& n : v.forwarded_by_ec) n = r.u64();
        v.physical_timer_exits = r.u64();
        v.virqs_injected = r.u64();
        v.irq_handler_exits = r.u64();
        v.in_irq_handler = r.flag();
        v.directed_yields = r.u64();
        v.waits_for_events = r.u64();
        v.vm().exclusive_monitor().set_event(v.id(), r.flag());
        v.waits_for_event = r.flag();
        v.event_stream_ns = r.u64();
        if (v.waits_for_event && v.state != VcpuState::Blocked) r.fail(fmt::format("vcpu{} waits in WFE but is not blocked", v.id()));
        if (v.waits_for_event) v.vm().exclusive_monitor().begin_wait(v.id());
        else v.vm().exclusive_monitor().end_wait(v.id());
        r.finish();
        restore(outer.section("VTMR"), v.timer);
        restore(outer.section("PTMR"), v.ptimer);
        restore(outer.section("GICR"), v.gic);
        return exclusive;
    }

    static void save(Writer& w, const Vm& vm, SnapshotMemory memory) {
        w.begin("VM  ");
        w.u64(vm.counter_offset);
        w.u64(vm.budget);
        w.u64(vm.budget_left);
        w.u32(vm.weight);
        w.u32(vm.last_boosted_vcpu);
        w.u8(static_cast<std::uint8_t>(vm.status));
        w.str(vm.stop_reason);
        w.end();
        save(w, vm.uart_);
        save(w, vm.gicd_);
        if (memory == SnapshotMemory::Included) save(w, vm.memory_);
        for (const auto& v : vm.vcpus_) save(w, *v);
    }

    // ---- the pCPUs: clocks, what each runs, run queues, who sleeps where
    static void save_vcpu_ref(Writer& w, const Monitor& m, const Vcpu* v) {
        if (!v) {
            w.u32(kNone);
            w.u32(kNone);
            return;
        }
        const auto at = std::find(m.vms_.begin(), m.vms_.end(), &v->vm());
        w.u32(static_cast<std::uint32_t>(at - m.vms_.begin()));
        w.u32(v->id());
    }
    static Vcpu* restore_vcpu_ref(Reader& r, const Monitor& m) {
        const std::uint32_t vm = r.u32();
        const std::uint32_t id = r.u32();
        if (vm == kNone && id == kNone) return nullptr;
        if (vm >= m.vms_.size() || id >= m.vms_[vm]->vcpus_.size()) r.fail(fmt::format("it names vm{} vcpu{}", vm, id));
        return m.vms_[vm]->vcpus_[id].get();
    }
    static void save(Writer& w, const Monitor& m, const PhysicalCpu& p) {
        w.begin("PCPU");
        w.u64(p.clock_ns);
        save_vcpu_ref(w, m, p.current);
        w.u32(static_cast<std::uint32_t>(p.runqueue.size()));
        for (const Vcpu* v : p.runqueue.entries()) save_vcpu_ref(w, m, v);
        const auto& sleepers = m.sleeping_[p.id];
        w.u32(static_cast<std::uint32_t>(sleepers.size()));
        for (const Vcpu* v : sleepers) save_vcpu_ref(w, m, v);
        w.u64(p.quantum_left);
        w.u8(p.reschedule);
        w.u64(p.busy_ns);
        w.u64(p.idle_ns);
        w.u64(p.switches);
        save_vcpu_ref(w, m, p.last);
        save_vcpu_ref(w, m, p.yield_target);
        w.end();
    }
    static void restore(Reader r, Monitor& m, PhysicalCpu& p, const std::vector<Exclusive>& exclusives) {
        const std::uint64_t clock = r.u64();
        if (Vcpu* v = restore_vcpu_ref(r, m)) {
            if (v->loaded()) r.fail(fmt::format("vcpu{} runs on two pCPUs", v->id()));
            const std::uint32_t requests = v->requests;
            p.load(*v);
            v->requests = requests | kRequestTranslation;  // as saved, not as a fresh load makes them
            p.cpu.regs = v->saved_registers();
            const Exclusive& e = exclusives.at(index_of(m, *v));
            if (e.valid) p.cpu.restore_exclusive(e.reservation);
        }
        const std::uint32_t queued = r.u32();
        for (std::uint32_t i = 0; i < queued; ++i)
            if (Vcpu* v = restore_vcpu_ref(r, m)) p.runqueue.push(*v);
        const std::uint32_t sleeping = r.u32();
        for (std::uint32_t i = 0; i < sleeping; ++i)
            if (Vcpu* v = restore_vcpu_ref(r, m)) m.sleeping_[p.id].push_back(v);
        p.clock_ns = clock;
        p.quantum_left = r.u64();
        p.reschedule = r.flag();
        p.busy_ns = r.u64();
        p.idle_ns = r.u64();
        p.switches = r.u64();
        p.last = restore_vcpu_ref(r, m);
        p.yield_target = restore_vcpu_ref(r, m);
        r.finish();
    }
    static std::size_t index_of(const Monitor& m, const Vcpu& v) {
        std::size_t i = 0;
        for (const Vm* vm : m.vms_) {
            if (vm == &v.vm()) return i + v.id();
            i += vm->vcpus_.size();
        }
        return i;
    }

    static std::vector<std::uint8_t> save_all(const Monitor& m, SnapshotMemory memory) {
        Writer w;
        save_machine(w, m);
        for (const Vm* vm : m.vms_) save(w, *vm, memory);
        for (const auto& p : m.pcpus_) save(w, m, *p);
        // The gang policy's turn: whose it is and when it ends.
        w.begin("GANG");
        const auto gang = std::find(m.vms_.begin(), m.vms_.end(), m.gang_);
        w.u32(gang == m.vms_.end() ? kNone : static_cast<std::uint32_t>(gang - m.vms_.begin()));
        w.u64(m.gang_end_ns_);
        w.end();
        return std::move(w.bytes());
    }

    // One VM's sections (VM, UART, GICD, each vCPU's), into a VM no pCPU runs.
    static std::vector<Exclusive> restore_vm(Reader& r, Vm& vm, SnapshotMemory memory, unsigned pcpus) {
        Reader vr = r.section("VM  ");
        vm.counter_offset = vr.u64();
        vm.budget = vr.u64();
        vm.budget_left = vr.u64();
        vm.weight = vr.u32();
        vm.last_boosted_vcpu = vr.u32();
        if (vm.last_boosted_vcpu >= vm.vcpus_.size()) vr.fail(fmt::format("it boosted vcpu{} last", vm.last_boosted_vcpu));
        const std::uint8_t status = vr.u8();
        if (status > static_cast<std::uint8_t>(VmStatus::Migrated)) vr.fail(fmt::format("the VM's status is {}", status));
        vm.status = static_cast<VmStatus>(status);
        vm.stop_reason = vr.str();
        vr.finish();
        restore(r.section("UART"), vm.uart_);
        restore(r.section("GICD"), vm.gicd_);
        if (memory == SnapshotMemory::Included) restore(r.section("MEM "), vm.memory_);
        vm.wakeups_.clear();
        std::vector<Exclusive> exclusives;
        for (auto& v : vm.vcpus_) exclusives.push_back(restore_vcpu(r, *v, pcpus));
        return exclusives;
    }

    // ---- one VM alone (a live migration that takes it out of a machine of several, or puts it
    // into one): its identity and sections, without the pCPUs, which stay each machine's own.
    static std::vector<std::uint8_t> save_one(const Monitor& m, const Vm& vm) {
        Writer w;
        const Vm* const one[] = {&vm};
        save_machine(w, m, one);
        save(w, vm, SnapshotMemory::Elsewhere);
        return std::move(w.bytes());
    }
    // The identity of a snapshot of one VM (or of a machine of one VM) against `vm`: the same
    // Trapeze, name, RAM, vCPUs and guest image; the pCPUs, quantum and scheduler may differ.
    static void check_one(Reader r, const Monitor& m, const Vm& vm) {
        const auto differ = [](std::string what, auto there, auto here) {
            throw SnapshotError(fmt::format("the VM is another one: {} {} there, {} here", what, there, here));
        };
        const std::string version = r.str();
        if (version != m.hooks_.version) differ("the target's version", version, m.hooks_.version);
        r.u32();  // pCPUs
        r.u64();  // quantum
        r.u64();  // lock-step slice
        r.u8();   // policy
        r.u8();   // balancing
        if (const auto n = r.u32(); n != 1) throw SnapshotError(fmt::format("the snapshot holds {} VMs, not one", n));
        if (const std::string name = r.str(); name != vm.name()) differ("its name is", name, vm.name());
        if (const auto ram = r.u64(); ram != vm.memory_.ram_size()) differ("RAM (bytes)", ram, vm.memory_.ram_size());
        if (const auto n = r.u32(); n != vm.vcpus_.size()) differ("vCPUs", n, vm.vcpus_.size());
        if (r.u64() != image_digest(vm.image())) throw SnapshotError(fmt::format("the VM is another one: {} ran another guest image", vm.name()));
        r.finish();
    }
    static void restore_one(Monitor& m, Vm& vm, std::span<const std::uint8_t> payload, bool whole_machine,
                            std::int64_t shift_ns) {
        Reader r(payload);
        check_one(r.section("MACH"), m, vm);
        // Where the VM's vCPUs wait is this machine's placement, not the one it came from.
        std::vector<unsigned> homes;
        for (const auto& v : vm.vcpus_) homes.push_back(v->home);
        restore_vm(r, vm, SnapshotMemory::Elsewhere, ~0u);  // (an exclusive reservation is dropped)
        if (!whole_machine) r.finish();  // (a machine of this one VM: its pCPUs stay there)
        for (std::size_t i = 0; i < vm.vcpus_.size(); ++i) {
            Vcpu& v = *vm.vcpus_[i];
            v.home = homes[i];
            // The VM's time goes on from where it was: its vCPUs' clocks and its virtual counter
            // move with this machine's clock (the shift is whole ticks, so CNTVCT is the same).
            v.clock_ns = static_cast<std::uint64_t>(static_cast<std::int64_t>(v.clock_ns) + shift_ns);
            if (v.event_stream_ns != ~0ull)
                v.event_stream_ns = static_cast<std::uint64_t>(static_cast<std::int64_t>(v.event_stream_ns) + shift_ns);
        }
        vm.counter_offset = static_cast<std::uint64_t>(static_cast<std::int64_t>(vm.counter_offset) +
                                                       shift_ns / static_cast<std::int64_t>(kNanosecondsPerTick));
        for (auto& p : m.pcpus_) p->cpu.flush_tlb();
        vm.invalidate_all_code();
        for (auto& v : vm.vcpus_) v->sync_to_cpu();
    }

    static void restore_all(Monitor& m, std::span<const std::uint8_t> payload, SnapshotMemory memory) {
        Reader r(payload);
        check_machine(r.section("MACH"), m);
        // Everything is put away first: no vCPU loaded, no run queue, nobody asleep.
        for (auto& p : m.pcpus_) {
            if (Vcpu* v = p->current) {
                v->saved_registers() = p->cpu.regs;
                p->put();
            }
            while (!p->runqueue.empty()) p->runqueue.pick(SchedulerPolicy::RoundRobin);
        }
        for (auto& sleepers : m.sleeping_) sleepers.clear();
        std::vector<Exclusive> exclusives;
        for (Vm* vm : m.vms_)
            for (const Exclusive& e : restore_vm(r, *vm, memory, m.pcpu_count())) exclusives.push_back(e);
        for (auto& p : m.pcpus_) restore(r.section("PCPU"), m, *p, exclusives);
        Reader gr = r.section("GANG");
        const std::uint32_t gang = gr.u32();
        if (gang != kNone && gang >= m.vms_.size()) gr.fail(fmt::format("its gang is vm{}", gang));
        m.gang_ = gang == kNone ? nullptr : m.vms_[gang];
        m.gang_end_ns_ = gr.u64();
        gr.finish();
        r.finish();
        // The memory changed under every interpreter: no decoded code, no cached translation.
        for (auto& p : m.pcpus_) {
            if (p->current) p->cpu.invalidate_all_code();
            p->cpu.flush_tlb();
        }
        for (Vm* vm : m.vms_) {
            vm->invalidate_all_code();
            for (auto& v : vm->vcpus_) v->sync_to_cpu();
        }
    }
};

namespace {

std::vector<std::uint8_t> with_header(const std::vector<std::uint8_t>& payload, std::uint32_t flags) {
    Writer header;
    header.raw(kMagic, sizeof kMagic);
    header.u32(kSnapshotFormatVersion);
    header.u32(flags);
    header.u64(payload.size());
    header.u32(crc32_of(payload));
    header.u32(0);  // reserved
    std::vector<std::uint8_t> out = std::move(header.bytes());
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

}  // namespace

std::vector<std::uint8_t> save_snapshot(const Monitor& monitor, SnapshotMemory memory) {
    return with_header(SnapshotAccess::save_all(monitor, memory),
                       memory == SnapshotMemory::Elsewhere ? kFlagMemoryElsewhere : 0);
}

std::vector<std::uint8_t> save_vm_state(const Monitor& monitor, const Vm& vm) {
    return with_header(SnapshotAccess::save_one(monitor, vm), kFlagMemoryElsewhere | kFlagOneVm);
}

namespace {

// The payload of a well-formed snapshot (magic, version, flags, length and checksum right).
// With `one_vm`, a snapshot of one VM alone is accepted too, and *one_vm says whether it is one.
std::span<const std::uint8_t> snapshot_payload(std::span<const std::uint8_t> snapshot, SnapshotMemory memory,
                                               bool* one_vm = nullptr) {
    if (snapshot.size() < kHeaderSize || std::memcmp(snapshot.data(), kMagic, sizeof kMagic) != 0)
        throw SnapshotError("not a Trapeze snapshot (no TRAPSNAP magic at its start)");
    Reader header(snapshot.first(kHeaderSize), "header");
    std::uint8_t magic[8];
    header.raw(magic, sizeof magic);
    const std::uint32_t version = header.u32();
    if (version != kSnapshotFormatVersion)
        throw SnapshotError(fmt::format("snapshot format version {}; this Trapeze reads version {}", version,
                                        kSnapshotFormatVersion));
    const std::uint32_t flags = header.u32();
    if (flags & ~(kFlagMemoryElsewhere | kFlagOneVm))
        throw SnapshotError(fmt::format("the snapshot has flags {:#x}, which this Trapeze does not know", flags));
    if ((flags & kFlagOneVm) && !one_vm)
        throw SnapshotError("the snapshot holds one VM that a live migration moves, not a machine");
    if (one_vm) *one_vm = (flags & kFlagOneVm) != 0;
    const bool has_memory = !(flags & kFlagMemoryElsewhere);
    if (has_memory != (memory == SnapshotMemory::Included))
        throw SnapshotError(has_memory ? "a snapshot with memory where a migration's final state (without) was expected"
                                       : "the snapshot holds no memory: it is a live migration's final state, not a "
                                         "snapshot to restore");
    const std::uint64_t length = header.u64();
    const std::uint32_t crc = header.u32();
    const auto payload = snapshot.subspan(kHeaderSize);
    if (length != payload.size())
        throw SnapshotError(fmt::format("the snapshot is truncated or padded: its header says {} bytes follow, {} do",
                                        length, payload.size()));
    if (crc32_of(payload) != crc) throw SnapshotError("the snapshot is corrupt: its CRC-32 checksum does not match");
    return payload;
}

}  // namespace

void check_snapshot_machine(const Monitor& monitor, std::span<const std::uint8_t> snapshot, SnapshotMemory memory) {
    Reader r(snapshot_payload(snapshot, memory));
    SnapshotAccess::check_machine(r.section("MACH"), monitor);
}

void restore_snapshot(Monitor& monitor, std::span<const std::uint8_t> snapshot, SnapshotMemory memory) {
    const auto payload = snapshot_payload(snapshot, memory);
    // Check the whole payload against the machine before changing anything.
    {
        Reader r(payload);
        SnapshotAccess::check_machine(r.section("MACH"), monitor);
    }
    SnapshotAccess::restore_all(monitor, payload, memory);
}

void check_vm_state(const Monitor& monitor, const Vm& vm, std::span<const std::uint8_t> state) {
    bool one_vm = false;
    Reader r(snapshot_payload(state, SnapshotMemory::Elsewhere, &one_vm));
    SnapshotAccess::check_one(r.section("MACH"), monitor, vm);
}

bool is_vm_state(std::span<const std::uint8_t> state) {
    bool one_vm = false;
    snapshot_payload(state, SnapshotMemory::Elsewhere, &one_vm);
    return one_vm;
}

std::string vm_state_vm_name(std::span<const std::uint8_t> state) {
    bool one_vm = false;
    Reader r(snapshot_payload(state, SnapshotMemory::Elsewhere, &one_vm));
    Reader mach = r.section("MACH");
    mach.str();  // the target's version
    mach.u32();
    mach.u64();
    mach.u64();
    mach.u8();
    mach.u8();
    if (mach.u32() == 0) mach.fail("it names no VM");
    return mach.str();
}

void restore_vm_state(Monitor& monitor, Vm& vm, std::span<const std::uint8_t> state, std::int64_t shift_ns) {
    bool one_vm = false;
    const auto payload = snapshot_payload(state, SnapshotMemory::Elsewhere, &one_vm);
    {
        Reader r(payload);
        SnapshotAccess::check_one(r.section("MACH"), monitor, vm);
    }
    SnapshotAccess::restore_one(monitor, vm, payload, !one_vm, shift_ns);
}

void write_snapshot_file(const std::string& path, std::span<const std::uint8_t> snapshot) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(snapshot.data()), static_cast<std::streamsize>(snapshot.size()));
    out.close();
    if (!out) throw SnapshotError(fmt::format("cannot write the snapshot to {}", path));
}

std::vector<std::uint8_t> read_snapshot_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw SnapshotError(fmt::format("cannot read the snapshot {}", path));
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return bytes;
}

std::uint64_t vm_steps(const Vm& vm) {
    std::uint64_t steps = 0;
    for (const auto& v : const_cast<Vm&>(vm).vcpus()) {
        steps += v->retired + v->virqs_injected;
        for (std::uint64_t n : v->exits_by_ec) steps += n;
    }
    return steps;
}

std::uint64_t machine_instructions(const Monitor& monitor) {
    std::uint64_t n = 0;
    for (const Vm* vm : monitor.vms())
        for (const auto& v : const_cast<Vm*>(vm)->vcpus()) n += v->retired;
    return n;
}

SnapshotAtAgent::SnapshotAtAgent(Monitor& monitor, std::uint64_t instructions, std::string path)
    : monitor_(monitor), instructions_(instructions), path_(std::move(path)) {}

std::uint64_t SnapshotAtAgent::before_slice(Vcpu& vcpu) {
    if (written_ || !error.empty()) return ~0ull;
    const std::uint64_t now = machine_instructions(monitor_);
    if (now < instructions_) return ~0ull;
    try {
        write_snapshot_file(path_, save_snapshot(monitor_));
        written_ = true;
        taken_at_ = now;
    } catch (const std::exception& e) {
        error = e.what();
        vcpu.vm().stop(VmStatus::Failed, error);
    }
    return ~0ull;
}

}  // namespace trapeze
