// The interpreter loop, decoding on first execution, and the slow paths of memory access.
#include "emulator/cpu.h"

#include <utility>

#include "emulator/page_walk.h"
#include "emulator/semantics.h"
#include "emulator/syndrome.h"

namespace trapeze {

Cpu::Cpu() { apply_regime(); }
Cpu::Cpu(GuestMemory& memory) : memory_(&memory) {
    apply_regime();
    use_code_of(memory);
}

void Cpu::attach(GuestMemory& memory) { attach(memory, own_monitor_, 0); }

void Cpu::attach(GuestMemory& memory, GlobalMonitor& monitor, unsigned vcpu_index) {
    // The local monitor only: the vCPU this interpreter ran keeps its mark in its VM's global
    // monitor while it is off the pCPU -- it may wait in WFE for a store there to clear it.
    exclusive_valid_ = false;
    if (monitor_ != &monitor || vcpu_index_ != vcpu_index) {
        monitor_->detach(vcpu_index_, &attention_);
        monitor_ = &monitor;
        vcpu_index_ = vcpu_index;
        monitor.attach(vcpu_index, &attention_);
        // It kept out the pages the other vCPUs watch: now others are "other". Their requests
        // so far are met by this flush (take them first: one that comes after is met by it too).
        monitor.take_mark_requests(vcpu_index);
        flush_write_cache();
    }
    if (memory_ == &memory) return;
    memory_ = &memory;
    use_code_of(memory);
    invalidate_tlb({TlbInvalidation::Scope::All});
    flush_tlb();
}

Cpu::~Cpu() {
    monitor_->detach(vcpu_index_, &attention_);
    if (cache_) code_->detach(*cache_);
}

void Cpu::use_code_of(GuestMemory& memory) {
    if (cache_) code_->detach(*cache_);
    code_ = memory.share_decoded_code();
    cache_ = &code_->attach(this, &attention_);
    // What the other vCPUs invalidated while this CPU ran other VMs.
    if (cache_->has_posted()) code_->take_posted(*cache_);
}

bool Cpu::attend(bool stored) {
    std::uint32_t asked = attention_.exchange(0, std::memory_order_acquire);
    while (asked & GlobalMonitor::kDropMarkedPages) {
        drop_pages_marked_by_others(stored);
        // An event just sent to a waiter kicks this interpreter; a new mark may have come too.
        asked = (asked & ~GlobalMonitor::kDropMarkedPages) | attention_.exchange(0, std::memory_order_acquire);
    }
    if (asked & GlobalMonitor::kFlushWriteCache) flush_write_cache();
    if (asked & kAttentionInvalidateCode) code_->take_posted(*cache_);
    if (!(asked & kAttentionKick)) return false;
    kicked_ = true;
    return true;
}

void Cpu::flush_write_cache() {
    for (FastBank& bank : banks_)
        for (auto& e : bank.write) e = FastEntry{};
}

void Cpu::drop_pages_marked_by_others(bool stored) {
    const std::uint32_t asked_by = monitor_->take_mark_requests(vcpu_index_);
    if (stored)
        for (unsigned other = 0; other < GlobalMonitor::kMaxVcpus; ++other)
            if ((asked_by >> other & 1) && write_cache_holds(monitor_->marked_page(other)))
                monitor_->send_event(other, vcpu_index_);
    flush_write_cache();
}

bool Cpu::write_cache_holds(std::uint64_t page) const {
    const std::uint8_t* host = memory_ ? memory_->host(page << kPageBits, kPageSize) : nullptr;
    if (!host) return false;
    for (const FastBank& bank : banks_)
        for (const FastEntry& e : bank.write)
            if (e.host == host) return true;
    return false;
}

const RunResult& Cpu::run(std::uint64_t max_instructions) {
    exit_pending_ = false;
    kicked_ = false;
    result_.exit_handled = false;
    left_ = run_length_ = max_instructions;
    const Inst* ip = left_ ? enter(regs.pc) : nullptr;
    while (ip) {
        // What other threads asked, looked at before the first instruction and then once
        // per kAttentionInterval instructions, never inside the hot loop.
        if (attention_.load(std::memory_order_relaxed)) [[unlikely]] {
            if (attend(left_ != run_length_)) break;
        }
        held_back_ = left_ > kAttentionInterval ? left_ - kAttentionInterval : 0;
        left_ -= held_back_;
        // The hot loop: each call runs a straight-line stretch of instructions, one chained
        // to the next (Cpu::next), and comes back at a branch, a page's end, an exit or when
        // the count is used up.
        while (left_ != 0) {
            --left_;
            ip = ip->exec(*this, ip);
            if (!ip) [[unlikely]] {
                if (exit_pending_) break;
                ip = enter(regs.pc);
                if (!ip) break;
            }
        }
        left_ += std::exchange(held_back_, 0);
        if (left_ == 0) break;
    }
    // A mark another vCPU made during this run, in a page the run may have stored to through
    // the write cache: the event such a store owes goes now, not at the next run (which may
    // be long after). The fence: a mark that comes after this look finds the stores landed.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (attention_.load(std::memory_order_relaxed) & GlobalMonitor::kDropMarkedPages) [[unlikely]] {
        attention_.fetch_and(~GlobalMonitor::kDropMarkedPages, std::memory_order_acquire);
        drop_pages_marked_by_others(true);
    }
    if (ip) regs.pc = pc_of(ip);
    result_.retired = max_instructions - left_;
    if (!exit_pending_) {
        result_.exit.reason = kicked_ ? ExitReason::Kick : ExitReason::InstructionLimit;
        result_.exit.pc = regs.pc;
    }
    return result_;
}

const Inst* Cpu::raise_at(std::uint64_t pc, std::uint32_t esr, std::uint64_t far, std::uint32_t word, Op op) {
    regs.pc = pc;
    exit_pending_ = true;
    Exit& e = result_.exit;
    e.reason = ExitReason::Exception;
    e.esr = esr;
    e.far = far;
    e.pc = pc;
    e.instruction = word;
    e.op = op;
    e.stage2 = false;
    e.ipa = 0;
    return nullptr;
}

const Inst* Cpu::raise(const Inst* ip, std::uint32_t esr, std::uint64_t far, Op op) {
    ++left_;  // the instruction that raised did not retire
    raise_at(pc_of(ip), esr, far, ip->raw, op);
    return offer_exit_to_hook();
}

const Inst* Cpu::offer_exit_to_hook() {
    if (!exit_hook_) return nullptr;
    result_.exit_handled = true;
    regime_changed_ = false;
    if (!exit_hook_(exit_hook_context_, result_.exit)) return nullptr;
    exit_pending_ = false;
    result_.exit_handled = false;
    // Handled in place: go on where the layer above put the PC, through a fresh fetch if it
    // changed the translation (an exception entry or return, a TTBR write).
    return regime_changed_ ? nullptr : branch(regs.pc);
}

const Inst* Cpu::data_abort(const Inst* ip, std::uint64_t va, bool write, std::uint32_t fsc) {
    // ESR_EL1 gets no instruction syndrome (ISV = 0): only stage-2 aborts taken to EL2 carry one.
    DataAbortIss iss;
    iss.wnr = write;
    iss.dfsc = fsc;
    return raise(ip, make_esr(ExceptionClass::DataAbortLower, iss.encode()), va);
}

const Inst* Cpu::stage2_abort(const Inst* ip, std::uint64_t va, std::uint64_t pa, bool write) {
    ++left_;
    raise_at(pc_of(ip), make_esr(ExceptionClass::DataAbortLower, data_abort_iss(ip->raw, write, kFscTranslationLevel0)),
             va, ip->raw);
    result_.exit.stage2 = true;
    result_.exit.ipa = pa;
    return offer_exit_to_hook();
}

Translation Cpu::translate(std::uint64_t va, AccessType access, unsigned el, bool misaligned) {
    Translation t;
    const bool data = access != AccessType::Execute;
    if (!regime_.mmu_on()) {
        // Flat: PA = VA, up to the PA size. Data accesses are to Device-nGnRnE memory (unless
        // a test asked for Normal), instruction fetches to Normal memory.
        if (va >> kPaBits) {
            t.fsc = kFscAddressSizeLevel0;
            return t;
        }
        t.device = data && flat_strict_;
        if (misaligned && t.device) {
            t.fsc = kFscAlignment;
            return t;
        }
        t.ok = true;
        t.pa = va;
        t.attr = t.device ? 0x00 : 0xff;
        t.sh = 0b10;
        return t;
    }
    const TlbEntry* entry = tlb_.lookup(va, asid_);
    if (!entry) {
        const WalkResult walked = walk_tables(regime_, *memory_, va);
        if (!walked.ok) {
            t.fsc = walked.fsc;
            return t;
        }
        entry = &tlb_.insert(walked.entry);
    }
    // An instruction fetch from Device memory the tables let execute is CONSTRAINED
    // UNPREDICTABLE: it goes ahead here, as from Normal memory.
    if (misaligned && data && entry->device()) {
        t.fsc = kFscAlignment;
        return t;
    }
    if (!access_permitted(*entry, access, el, regime_.sctlr & sctlr::kWXN)) {
        t.fsc = kFscPermissionLevel0 + entry->level;
        return t;
    }
    t.ok = true;
    t.pa = entry->pa | (va & (entry->size() - 1));
    t.device = entry->device();
    t.attr = entry->attr;
    t.sh = entry->sh;
    return t;
}

void Cpu::set_strict_alignment(bool strict) {
    flat_strict_ = strict;
    apply_regime();
    flush_tlb();  // the fast caches held flat pages under the other rule
}

void Cpu::set_translation(const TranslationRegime& regime) {
    if (regime == regime_) return;
    TranslationRegime same_but_el = regime_;
    same_but_el.el = regime.el;
    const bool el_only = same_but_el == regime;
    regime_ = regime;
    regime_changed_ = true;  // an exit handled in place must fetch anew
    apply_regime();
    if (!el_only) flush_tlb();
}

void Cpu::apply_regime() {
    el_ = regime_.el == 0 ? 0 : 1;
    bank_ = &banks_[el_];
    asid_ = current_asid(regime_);
    align_always_ = regime_.sctlr & sctlr::kA;
    // The fast caches hold Normal pages with the MMU on, and flat (Device, unless a test said
    // otherwise) ones with it off: only those need the alignment rule on the fast path.
    const bool fast_pages_need_alignment = align_always_ || (!regime_.mmu_on() && flat_strict_);
    align_mask_ = fast_pages_need_alignment ? ~0ull : 0;
    const std::uint64_t sp_check = el_ == 0 ? sctlr::kSA0 : sctlr::kSA;
    sp_align_mask_ = (regime_.sctlr & sp_check) ? 15 : 0;
}

void Cpu::invalidate_tlb(const TlbInvalidation& what) {
    tlb_.invalidate(what, asid_mask(regime_));
    flush_tlb();               // the fast caches are caches of the TLB
    regime_changed_ = true;    // and the running page's translation may be gone too
}

Translation Cpu::translate_address(std::uint64_t va, AccessType access, unsigned el) {
    return translate(va, access, el == 0 ? 0 : 1, false);
}

WalkDescription Cpu::describe_walk(std::uint64_t va) {
    WalkDescription walk;
    walk.va = va;
    walk.mmu_on = regime_.mmu_on();
    if (!walk.mmu_on) {
        walk.result = translate(va, AccessType::Read, el_, false);
        return walk;
    }
    describe_table_walk(regime_, *memory_, va, walk);
    return walk;
}

void Cpu::flush_tlb() {
    for (FastBank& bank : banks_) {
        for (auto& e : bank.read) e = FastEntry{};
        for (auto& e : bank.write) e = FastEntry{};
        for (auto& e : bank.fetch) e = FetchEntry{};
    }
}

bool Cpu::access_slow(const Inst* ip, std::uint64_t va, void* data, unsigned size, AccessType access, unsigned el) {
    const bool write = access == AccessType::Write;
    const bool misaligned = (va & (size - 1)) != 0;
    // SCTLR_EL1.A checks alignment before anything else; Device memory after the walk.
    if (misaligned && align_always_) {
        data_abort(ip, va, write, kFscAlignment);
        return false;
    }
    bool cacheable = false;
    std::uint8_t* host = host_page(ip, va, access, el, misaligned, cacheable, write);
    if (!host) return false;
    const std::uint64_t offset = va & kPageMask;
    auto* bytes = static_cast<std::uint8_t*>(data);
    if (offset > kPageSize - size) {
        // The access crosses into the next page: both pages translate before any byte moves,
        // so a fault on the second leaves memory as it was. FAR names the second page's first byte.
        bool cacheable_too = false;
        const std::uint64_t first_pa = last_pa_;
        std::uint8_t* next = host_page(ip, (va | kPageMask) + 1, access, el, true, cacheable_too, write);
        if (!next) return false;
        const std::size_t first = kPageSize - offset;
        if (write) {
            // The bytes land before the other vCPUs' marks go (and their event with it): one
            // woken by the clear reads the new value.
            std::memcpy(host + offset, bytes, first);
            std::memcpy(next, bytes + first, size - first);
            store_landed(first_pa, static_cast<unsigned>(first));
            store_landed(last_pa_, static_cast<unsigned>(size - first));
        } else {
            std::memcpy(bytes, host + offset, first);
            std::memcpy(bytes + first, next, size - first);
        }
        return true;
    }
    const std::uint64_t vpage = va >> kPageBits;
    FastBank& bank = banks_[el];
    if (write) {
        // A page another vCPU holds an exclusive mark in stays out of the write cache: each
        // store there must reach the global monitor.
        std::memcpy(host + offset, data, size);
        store_landed(last_pa_, size);
        if (cacheable && !monitor_->watched_by_others(vcpu_index_, last_pa_ >> kPageBits))
            bank.write[vpage % kFastEntries] = {vpage, host};
    } else {
        if (cacheable) bank.read[vpage % kFastEntries] = {vpage, host};
        std::memcpy(data, host + offset, size);
    }
    return true;
}

std::uint8_t* Cpu::atomic_access(const Inst* ip, std::uint64_t va, unsigned size, Atomic kind) {
    const bool write = kind != Atomic::Read;
    if ((va & (size - 1)) != 0) {
        data_abort(ip, va, kind == Atomic::Write, kFscAlignment);  // a read would fault too
        return nullptr;
    }
    if (kind == Atomic::ReadModifyWrite) {
        const Translation t = translate(va, AccessType::Write, el_, false);
        if (!t.ok) {
            const bool read_faults_too = !translate(va, AccessType::Read, el_, false).ok;
            data_abort(ip, va, !read_faults_too, t.fsc);
            return nullptr;
        }
    }
    // Naturally aligned, so the access stays inside one page. What is left to fault for a
    // read-modify-write (the PA is not RAM) would fault for a read too.
    bool cacheable = false;
    std::uint8_t* host = host_page(ip, va, write ? AccessType::Write : AccessType::Read, el_, false, cacheable,
                                   kind == Atomic::Write);
    if (!host) return nullptr;
    return host + (va & kPageMask);
}

std::uint8_t* Cpu::host_page(const Inst* ip, std::uint64_t va, AccessType access, unsigned el, bool misaligned,
                             bool& cacheable, bool wnr) {
    const Translation t = translate(va, access, el, misaligned);
    if (!t.ok) {
        data_abort(ip, va, wnr, t.fsc);
        return nullptr;
    }
    last_pa_ = t.pa;
    std::uint8_t* host = memory_->host(t.pa & ~kPageMask, kPageSize);
    if (!host) {
        // MMIO or memory the VM does not own: the layer above decides which.
        stage2_abort(ip, va, t.pa, wnr);
        return nullptr;
    }
    // The dirty log sees the first write to each page here, before the write cache may hold it.
    if (access == AccessType::Write) memory_->dirty_log().record(t.pa);
    if (access == AccessType::Write) {
        // Drop first what other vCPUs' stores made stale here, so that this store's own
        // effect on the code after it is exact even if one of theirs cleared the mark.
        if (cache_->has_posted()) code_->take_posted(*cache_);
        // Code was decoded from this page (by any vCPU): the store makes it stale. Every slot
        // of this CPU's copy becomes the decode stub again, so even the rest of the running
        // page sees the new words; the other CPUs drop theirs at their next check.
        code_->stored(t.pa >> kPageBits, *cache_);
    }
    // Device pages (MMU on) stay out of the fast caches: their alignment rule is not the fast path's.
    cacheable = !(t.device && regime_.mmu_on());
    return host;
}

void reset_decoded_page(DecodedPage& page) {
    // Only the exec pointers change: an instruction that is executing now (the store that
    // made this page stale) still reads its own operands after this returns.
    for (std::size_t i = 0; i < kInstsPerPage; ++i) page.insts[i].exec = Cpu::exec_decode_stub;
    page.insts[kInstsPerPage].exec = Cpu::exec_next_page;
    page.tracked = false;
}

void Cpu::track(DecodedPage& page) {
    // From now on stores to this page, through any virtual address and by any vCPU, must take
    // the slow path, which invalidates it: the VM marks it as code (the other CPUs drop their
    // write caches), and this CPU drops its own. The mark comes before the words are read
    // (see store_landed).
    page.tracked = true;
    code_->mark_code(page.pa >> kPageBits, *cache_);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    flush_write_cache();
}

void Cpu::atomic_landed(unsigned size) {
    std::atomic_thread_fence(std::memory_order_seq_cst);  // as store_landed's, for the same reason
    monitor_->store(vcpu_index_, last_pa_, size);
    notice_own_kick();
}

void Cpu::store_landed(std::uint64_t pa, unsigned size) {
    // The bytes land before the other vCPUs' marks go (and their event with it): one woken by
    // the clear reads the new value. And host_page looked for code before they landed; an
    // interpreter on another thread may have marked the page since, as code or exclusive, and
    // read the old bytes. Each marks, then reads; a store writes, then looks: with the fences
    // between, one of the two sees the other.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    monitor_->store(vcpu_index_, pa, size);
    notice_own_kick();
    if (code_->holds_code(pa >> kPageBits)) [[unlikely]] code_->stored(pa >> kPageBits, *cache_);
}

const Inst* Cpu::enter(std::uint64_t va) {
    if (va & 3) return raise_at(va, make_esr(ExceptionClass::PcAlignment, 0), va, 0);
    const std::uint64_t vpage = va >> kPageBits;
    FetchEntry& cached = bank_->fetch[vpage % kFastEntries];
    if (cached.page != vpage) {
        const Translation t = translate(va, AccessType::Execute, el_, false);
        if (!t.ok) return raise_at(va, make_esr(ExceptionClass::InstructionAbortLower, t.fsc), va, 0);
        std::uint8_t* host = memory_->host(t.pa & ~kPageMask, kPageSize);
        if (!host) {
            raise_at(va, make_esr(ExceptionClass::InstructionAbortLower, kFscTranslationLevel0), va, 0);
            result_.exit.stage2 = true;
            result_.exit.ipa = t.pa;
            return nullptr;
        }
        cached = {vpage, &cache_->page(t.pa >> kPageBits, host)};
    }
    if (illegal_state_) return raise_at(va, make_esr(ExceptionClass::IllegalState, 0), 0, 0);
    current_page_ = cached.decoded;
    current_va_ = vpage << kPageBits;
    return current_page_->insts + ((va & kPageMask) >> 2);
}

const Inst* Cpu::exec_decode_stub(Cpu& cpu, const Inst* ip) {
    DecodedPage& page = *cpu.current_page_;
    if (!page.tracked) cpu.track(page);
    const std::size_t index = static_cast<std::size_t>(ip - page.insts);
    std::uint32_t word;
    std::memcpy(&word, page.host + index * 4, 4);
    Inst& slot = page.insts[index];
    prepare_inst(word, slot);
    return slot.exec(cpu, &slot);
}

const Inst* Cpu::exec_next_page(Cpu& cpu, const Inst*) {
    ++cpu.left_;  // the page's end is not an instruction
    cpu.regs.pc = cpu.current_va_ + kPageSize;
    return nullptr;
}

void Cpu::invalidate_code(std::uint64_t pa, std::uint64_t len) {
    if (code_) code_->invalidate(pa, len, cache_);
}

void Cpu::invalidate_all_code() {
    if (code_) code_->invalidate_all(cache_);
}

}  // namespace trapeze
