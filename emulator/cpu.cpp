// The interpreter loop, the decoded-page cache, and the slow paths of memory access.
#include "emulator/cpu.h"

#include "emulator/semantics.h"
#include "emulator/syndrome.h"

namespace trapeze {

Cpu::Cpu() = default;
Cpu::Cpu(GuestMemory& memory) : memory_(&memory) {}

void Cpu::attach(GuestMemory& memory) {
    if (memory_ == &memory) return;
    memory_ = &memory;
    pages_.clear();
    invalidate_tlb({TlbInvalidation::Scope::All});
    flush_tlb();
    clear_exclusive_monitor();
}
Cpu::~Cpu() = default;

const RunResult& Cpu::run(std::uint64_t max_instructions) {
    exit_pending_ = false;
    result_.exit_handled = false;
    left_ = run_length_ = max_instructions;
    const Inst* ip = left_ ? enter(regs.pc) : nullptr;
    if (ip) {
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
        if (ip) regs.pc = pc_of(ip);
    }
    result_.retired = max_instructions - left_;
    if (!exit_pending_) {
        result_.exit.reason = ExitReason::InstructionLimit;
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
    return raise(ip, make_esr(ExceptionClass::DataAbortLower, data_abort_iss(ip->raw, write, fsc)), va);
}

const Inst* Cpu::stage2_abort(const Inst* ip, std::uint64_t va, std::uint64_t pa, bool write) {
    ++left_;
    raise_at(pc_of(ip), make_esr(ExceptionClass::DataAbortLower, data_abort_iss(ip->raw, write, kFscTranslationLevel0)),
             va, ip->raw);
    result_.exit.stage2 = true;
    result_.exit.ipa = pa;
    return offer_exit_to_hook();
}

bool Cpu::translate(std::uint64_t va, Access, std::uint64_t& pa, std::uint32_t&) {
    pa = va;  // MMU off: stage 1 is flat. Stage 2 is GuestMemory: what is not RAM or MMIO faults.
    return true;
}

void Cpu::set_strict_alignment(bool strict) {
    flat_strict_ = strict;
    align_mask_ = strict ? ~0ull : 0;
}

void Cpu::set_translation(const TranslationRegime& regime) {
    if (regime == regime_) return;
    regime_ = regime;
    regime_changed_ = true;
    flush_tlb();
}

void Cpu::invalidate_tlb(const TlbInvalidation&) { flush_tlb(); }

Translation Cpu::translate_address(std::uint64_t va, AccessType, unsigned) {
    Translation t;
    t.ok = true;
    t.pa = va;
    t.device = true;
    return t;
}

void Cpu::flush_tlb() {
    for (auto& e : read_tlb_) e = TlbEntry{};
    for (auto& e : write_tlb_) e = TlbEntry{};
    for (auto& e : fetch_cache_) e = FetchEntry{};
}

bool Cpu::access_slow(const Inst* ip, std::uint64_t va, void* data, unsigned size, Access access) {
    const bool write = access == Access::Write;
    if ((va & (size - 1) & align_mask_) != 0) {
        data_abort(ip, va, write, kFscAlignment);
        return false;
    }
    // An access that crosses a page is done a byte at a time, each byte translated.
    if ((va & kPageMask) > kPageSize - size) {
        auto* bytes = static_cast<std::uint8_t*>(data);
        for (unsigned i = 0; i < size; ++i) {
            const bool ok = write ? store<std::uint8_t>(ip, va + i, bytes[i]) : load<std::uint8_t>(ip, va + i, bytes[i]);
            if (!ok) return false;  // FAR names the first byte that faulted
        }
        return true;
    }
    std::uint8_t* host = host_page(ip, va, access);
    if (!host) return false;
    const std::uint64_t vpage = va >> kPageBits;
    if (write) {
        write_tlb_[vpage % kTlbEntries] = {vpage, host};
        std::memcpy(host + (va & kPageMask), data, size);
    } else {
        read_tlb_[vpage % kTlbEntries] = {vpage, host};
        std::memcpy(data, host + (va & kPageMask), size);
    }
    return true;
}

std::uint8_t* Cpu::atomic_access(const Inst* ip, std::uint64_t va, unsigned size, bool write) {
    if ((va & (size - 1)) != 0) {
        data_abort(ip, va, write, kFscAlignment);
        return nullptr;
    }
    // Naturally aligned, so the access stays inside one page.
    std::uint8_t* host = host_page(ip, va, write ? Access::Write : Access::Read);
    return host ? host + (va & kPageMask) : nullptr;
}

std::uint8_t* Cpu::host_page(const Inst* ip, std::uint64_t va, Access access) {
    const bool write = access == Access::Write;
    std::uint64_t pa = 0;
    std::uint32_t fsc = 0;
    if (!translate(va, access, pa, fsc)) {
        data_abort(ip, va, write, fsc);
        return nullptr;
    }
    std::uint8_t* host = memory_->host(pa & ~kPageMask, kPageSize);
    if (!host) {
        // MMIO or memory the VM does not own: the layer above decides which.
        stage2_abort(ip, va, pa, write);
        return nullptr;
    }
    if (write) {
        if (auto it = pages_.find(pa >> kPageBits); it != pages_.end() && it->second->tracked) {
            // Code was decoded from this page: the store makes it stale. Every slot becomes
            // the decode stub again, so even the rest of the running page sees the new words.
            reset_page(*it->second);
        }
    }
    return host;
}

void Cpu::reset_page(DecodedPage& page) {
    // Only the exec pointers change: an instruction that is executing now (the store that
    // made this page stale) still reads its own operands after this returns.
    for (std::size_t i = 0; i < kInstsPerPage; ++i) page.insts[i].exec = exec_decode_stub;
    page.insts[kInstsPerPage].exec = exec_next_page;
    page.tracked = false;
}

void Cpu::track(DecodedPage& page) {
    // From now on stores to this page must take the slow path, which invalidates it.
    page.tracked = true;
    for (auto& e : write_tlb_) e = TlbEntry{};
}

DecodedPage& Cpu::decoded_page(std::uint64_t pa_page, std::uint8_t* host) {
    auto& slot = pages_[pa_page];
    if (!slot) {
        slot = std::make_unique<DecodedPage>();
        slot->pa = pa_page << kPageBits;
        slot->host = host;
        reset_page(*slot);
    }
    return *slot;
}

const Inst* Cpu::enter(std::uint64_t va) {
    if (va & 3) return raise_at(va, make_esr(ExceptionClass::PcAlignment, 0), va, 0);
    const std::uint64_t vpage = va >> kPageBits;
    FetchEntry& cached = fetch_cache_[vpage % kTlbEntries];
    if (cached.page != vpage) {
        std::uint64_t pa = 0;
        std::uint32_t fsc = 0;
        if (!translate(va, Access::Execute, pa, fsc))
            return raise_at(va, make_esr(ExceptionClass::InstructionAbortLower, fsc), va, 0);
        std::uint8_t* host = memory_->host(pa & ~kPageMask, kPageSize);
        if (!host) {
            raise_at(va, make_esr(ExceptionClass::InstructionAbortLower, kFscTranslationLevel0), va, 0);
            result_.exit.stage2 = true;
            result_.exit.ipa = pa;
            return nullptr;
        }
        cached = {vpage, &decoded_page(pa >> kPageBits, host)};
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
    if (len == 0) return;
    for (std::uint64_t page = pa >> kPageBits; page <= (pa + len - 1) >> kPageBits; ++page)
        if (auto it = pages_.find(page); it != pages_.end()) reset_page(*it->second);
}

void Cpu::invalidate_all_code() {
    for (auto& [page, decoded] : pages_) reset_page(*decoded);
}

}  // namespace trapeze
