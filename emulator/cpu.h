// The CPU at EL0: runs guest code from pre-decoded pages until something leaves the
// interpreter as an exit. It knows nothing of VMs; the layer above owns everything
// privileged and calls run() again after it has handled the exit.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>

#include "emulator/decoded_code.h"
#include "emulator/exclusive_monitor.h"
#include "emulator/exit.h"
#include "emulator/guest_memory.h"
#include "emulator/inst.h"
#include "emulator/mmu.h"
#include "emulator/registers.h"
#include "emulator/tlb.h"

namespace trapeze {

class Cpu {
public:
    // A CPU attached to nothing yet (a physical CPU before it runs a vCPU), or to `memory`.
    Cpu();
    explicit Cpu(GuestMemory& memory);
    Cpu(const Cpu&) = delete;
    Cpu& operator=(const Cpu&) = delete;
    ~Cpu();

    RegisterFile regs;

    GuestMemory& memory() { return *memory_; }
    // Run another VM's code from now on: its memory; every cached translation of the old one
    // is dropped, and the local exclusive monitor is cleared. The old VM's decoded code stays
    // in its memory (this CPU's cache there, for the next time it runs that VM).
    // This CPU is alone on the memory (its own global monitor, as vCPU 0).
    void attach(GuestMemory& memory);
    // Run vCPU `vcpu_index` of a VM whose vCPUs share `memory` and its global exclusive monitor.
    void attach(GuestMemory& memory, GlobalMonitor& monitor, unsigned vcpu_index);
    GlobalMonitor& global_monitor() { return *monitor_; }
    unsigned vcpu_index() const { return vcpu_index_; }

    // Callable from any thread: run() returns at the next point it checks (before its first
    // instruction, then every kAttentionInterval instructions) with ExitReason::Kick, the
    // count of retired instructions exact. A kick before run() makes it return at once.
    void kick() { attention_.fetch_or(kAttentionKick, std::memory_order_relaxed); }
    // After an instruction that may have woken a waiting vCPU (SEV, a store that cleared another
    // vCPU's exclusive mark): if that kicked this interpreter, it stops after this instruction
    // rather than within kAttentionInterval, so the VMM wakes the waiter at once.
    void notice_own_kick() {
        if (!(attention_.load(std::memory_order_relaxed) & kAttentionKick)) [[likely]] return;
        held_back_ += left_;
        left_ = 0;
    }
    // Callable from any thread: empty the write cache at the next such point (the VM's dirty
    // log starts or is fetched: every page's next write must take the slow path again).
    void request_write_cache_flush() { attention_.fetch_or(GlobalMonitor::kFlushWriteCache, std::memory_order_relaxed); }
    // Invalidations of decoded code reach this CPU at the same points, through its VM's
    // memory (GuestMemory::decoded_code()): until then it may run the old instructions, as a PE
    // may until an invalidation has completed for it.

    // Run from regs.pc for at most `max_instructions`, or until an exception exit. The
    // result stays valid until the next run().
    const RunResult& run(std::uint64_t max_instructions);

    // The layer above wrote guest memory itself (an image, DC ZVA...), or the guest invalidated
    // its instruction cache: forget decoded code there, at once on this CPU and at their next
    // check on the others that run (or ran) the same memory.
    void invalidate_code(std::uint64_t pa, std::uint64_t len);
    void invalidate_all_code();
    // The guest's translation regime (virtual EL, SCTLR, TCR, TTBRs, MAIR): the VMM pushes it
    // whenever one of them changes. Takes effect at the next instruction the CPU fetches. A
    // change of EL alone keeps every cache (each EL has its own bank of the fast caches); any
    // other change empties the fast caches but never the guest's TLB.
    void set_translation(const TranslationRegime& regime);
    const TranslationRegime& translation() const { return regime_; }
    // TLB maintenance (TLBI): the translations the guest's TLB holds survive changes to the
    // tables until the matching invalidation, as the architecture allows.
    void invalidate_tlb(const TlbInvalidation& what);
    // Translate one address as an access at `el` would (AT, DC ZVA, debuggers). No exit.
    // Stage 1 only: the PA need not be RAM. The guest's TLB may keep what the walk gave.
    Translation translate_address(std::uint64_t va, AccessType access, unsigned el);
    // The walk for `va` step by step (the debugger's `pt`), from the tables as they are now
    // (not from the TLB, and without filling it). format_walk() prints it.
    WalkDescription describe_walk(std::uint64_t va);
    const Tlb& tlb() const { return tlb_; }
    // Forget every cached translation (the interpreter's own caches, not the guest's TLB).
    void flush_tlb();
    // With the MMU off, data accesses are to Device memory and unaligned ones fault; tests
    // (and the differential harness, as Unicorn) may treat flat memory as Normal instead.
    void set_strict_alignment(bool strict);
    bool strict_alignment() const { return flat_strict_; }
    // PSTATE.IL after an illegal exception return: the next instruction raises EC 0x0E.
    void set_illegal_state(bool il) {
        illegal_state_ = il;
        regime_changed_ = true;  // an exit handled in place must fetch anew to notice
    }
    bool illegal_state() const { return illegal_state_; }
    // Let `hook` handle exception exits inside run() (see ExitHook); null turns it off.
    void set_exit_hook(ExitHook hook, void* context) {
        exit_hook_ = hook;
        exit_hook_context_ = context;
    }
    // Instructions retired so far in the current run() (for an exit hook that needs the time).
    std::uint64_t retired_in_run() const { return run_length_ - left_ - held_back_; }
    // An exception entry or return clears the local exclusive monitor (and this vCPU's mark
    // in the global one).
    void clear_exclusive_monitor() {
        exclusive_valid_ = false;
        monitor_->clear(vcpu_index_);
    }
    // Whether CPACR_EL1.FPEN lets the current virtual EL use FP/SIMD. When it does not, every
    // FP/SIMD instruction (and MRS/MSR of FPCR/FPSR) raises EC 0x07 and does not retire. The
    // layer above pushes it whenever CPACR_EL1 or the virtual EL changes; each FP/SIMD
    // instruction checks it, so integer code pays nothing for it.
    void set_fp_enabled(bool enabled) { fp_enabled_ = enabled; }
    bool fp_enabled() const { return fp_enabled_; }

    // ---- what the semantics (exec_*.cpp) use ----
    std::uint64_t pc_of(const Inst* ip) const {
        return current_va_ + (static_cast<std::uint64_t>(ip - current_page_->insts) << 2);
    }
    // Continue at `target`: within the current page without a lookup.
    const Inst* branch(std::uint64_t target) {
        if (((target ^ current_va_) >> kPageBits) == 0 && (target & 3) == 0)
            return current_page_->insts + ((target & kPageMask) >> 2);
        regs.pc = target;
        return nullptr;
    }
    // Go on to the next instruction in the same straight-line run: call its semantics
    // directly (a tail call), so each instruction has its own indirect jump and the host's
    // branch predictor learns the guest's instruction sequences. Branches return to run()'s
    // loop instead, which bounds the chain to one page even where the call is not a tail call.
    const Inst* next(const Inst* following) {
        if (left_ == 0) return following;
        --left_;
        return following->exec(*this, following);
    }
    // Stop before `ip` with an exception: the instruction does not retire. `op` names the
    // instruction for the layer above when it is a trapped system instruction.
    const Inst* raise(const Inst* ip, std::uint32_t esr, std::uint64_t far = 0, Op op = Op::UNDEFINED);

    template <typename T>
    bool load(const Inst* ip, std::uint64_t va, T& out) {
        return load_via(*bank_, el_, ip, va, out);
    }
    template <typename T>
    bool store(const Inst* ip, std::uint64_t va, T value) {
        return store_via(*bank_, el_, ip, va, value);
    }
    // The unprivileged forms (LDTR, STTR...): the access EL0 would make, at either EL.
    template <typename T>
    bool load_unprivileged(const Inst* ip, std::uint64_t va, T& out) {
        return load_via(banks_[0], 0, ip, va, out);
    }
    template <typename T>
    bool store_unprivileged(const Inst* ip, std::uint64_t va, T value) {
        return store_via(banks_[0], 0, ip, va, value);
    }
    // SCTLR_EL1.SA (EL1) or SA0 (EL0): a load or store whose base is a misaligned SP faults.
    // Only the SP-based forms ask (see exec_common.h: sp_checked).
    bool sp_misaligned() const { return (regs.sp() & sp_align_mask_) != 0; }
    // Exclusive and atomic accesses: always naturally aligned (an alignment fault otherwise).
    // Returns the host address of the whole access, or nullptr after raising an exit. A fault
    // on an atomic read-modify-write (LDADD, SWP, CAS...) reports WnR = 0 when a read would
    // have had it too, and 1 otherwise (a read-only page), as the manual's ESR_ELx.WnR says.
    enum class Atomic : std::uint8_t { Read, Write, ReadModifyWrite };
    std::uint8_t* atomic_access(const Inst* ip, std::uint64_t va, unsigned size, Atomic kind);
    // After the bytes of an atomic that writes landed (a store-exclusive that failed too):
    // clear the other vCPUs' marks on them, and send their events. After, not before: a vCPU
    // woken by the clear reads the new value (else it would read the old one and wait again,
    // with nothing left to wake it).
    void atomic_landed(unsigned size);

    // The local exclusive monitor (LDXR marks, STXR checks and clears).
    void mark_exclusive(std::uint64_t va, unsigned size) {
        exclusive_va_ = va;
        exclusive_size_ = size;
        exclusive_valid_ = true;
    }
    // A reservation as snapshots save it: the local monitor's address and size, the
    // guest-physical address marked in the VM's global monitor, what the load-exclusive read.
    struct ExclusiveReservation {
        std::uint64_t va = 0, pa = 0;
        unsigned size = 0;
        std::uint8_t loaded[16] = {};
    };
    bool exclusive_reservation(ExclusiveReservation& out) const {
        out.va = exclusive_va_;
        out.pa = exclusive_pa_;
        out.size = exclusive_size_;
        std::memcpy(out.loaded, exclusive_value_, sizeof out.loaded);
        return exclusive_valid_;
    }
    void restore_exclusive(const ExclusiveReservation& r) {
        mark_exclusive(r.va, r.size);
        exclusive_pa_ = r.pa;
        std::memcpy(exclusive_value_, r.loaded, sizeof exclusive_value_);
        monitor_->mark(vcpu_index_, r.pa);
    }
    bool check_and_clear_exclusive(std::uint64_t va, unsigned size) {
        const bool ok = exclusive_covers(va, size);
        exclusive_valid_ = false;
        return ok;
    }
    bool exclusive_covers(std::uint64_t va, unsigned size) const {
        return exclusive_valid_ && exclusive_va_ == va && exclusive_size_ == size;
    }
    // A load-exclusive of `size` bytes at `va`, after its atomic_access() and before it reads:
    // mark it in the local monitor and the VM's global one. Mark, then read; a store on another
    // thread writes, then looks for marks (store_landed): one of the two sees the other, so a
    // load-exclusive that read the old value has its mark cleared, and its event sent.
    void mark_exclusive_access(std::uint64_t va, unsigned size) {
        mark_exclusive(va, size);
        exclusive_pa_ = last_pa_;
        monitor_->mark(vcpu_index_, last_pa_);
        std::atomic_thread_fence(std::memory_order_seq_cst);
    }
    // ...and what it read, which the store-exclusive compares the memory with.
    void keep_exclusive_value(const void* loaded, unsigned size) { std::memcpy(exclusive_value_, loaded, size); }
    // The store-exclusive the local monitor covers may store (after its atomic_access()):
    // true if no other vCPU's store cleared the global mark meanwhile. Either way the
    // monitors are clear afterwards. `loaded` is what the load-exclusive read: the store is a
    // compare-and-swap against it, atomic with respect to every other host thread.
    bool take_exclusive(const void*& loaded) {
        exclusive_valid_ = false;
        loaded = exclusive_value_;
        return monitor_->take(vcpu_index_, exclusive_pa_);
    }

    // Slot fillers used by the page decoder.
    static const Inst* exec_decode_stub(Cpu& cpu, const Inst* ip);
    static const Inst* exec_next_page(Cpu& cpu, const Inst* ip);

private:
    // The fast caches: direct-mapped, by virtual page, of what the guest's TLB allows at one EL.
    // A read (write) entry means the page is RAM and readable (writable) at that EL, and of a
    // memory type the fast path's alignment rule covers.
    struct FastEntry {
        std::uint64_t page = ~0ull;  // virtual page number
        std::uint8_t* host = nullptr;
    };
    static constexpr std::size_t kFastEntries = 256;
    struct FetchEntry {
        std::uint64_t page = ~0ull;
        DecodedPage* decoded = nullptr;  // the page is executable at that EL
    };
    struct FastBank {
        FastEntry read[kFastEntries];
        FastEntry write[kFastEntries];
        FetchEntry fetch[kFastEntries];
    };

    bool fast_ok(std::uint64_t va, unsigned size) const {
        // Within one page, and aligned when the memory type demands it.
        return (va & kPageMask) <= kPageSize - size && (va & (size - 1) & align_mask_) == 0;
    }
    template <typename T>
    bool load_via(FastBank& bank, unsigned el, const Inst* ip, std::uint64_t va, T& out) {
        const FastEntry& e = bank.read[(va >> kPageBits) % kFastEntries];
        if (e.page == (va >> kPageBits) && fast_ok(va, sizeof(T))) [[likely]] {
            std::memcpy(&out, e.host + (va & kPageMask), sizeof(T));
            return true;
        }
        return access_slow(ip, va, &out, sizeof(T), AccessType::Read, el);
    }
    template <typename T>
    bool store_via(FastBank& bank, unsigned el, const Inst* ip, std::uint64_t va, T value) {
        const FastEntry& e = bank.write[(va >> kPageBits) % kFastEntries];
        if (e.page == (va >> kPageBits) && fast_ok(va, sizeof(T))) [[likely]] {
            std::memcpy(e.host + (va & kPageMask), &value, sizeof(T));
            return true;
        }
        return access_slow(ip, va, &value, sizeof(T), AccessType::Write, el);
    }
    bool access_slow(const Inst* ip, std::uint64_t va, void* data, unsigned size, AccessType access, unsigned el);
    // The host address of va's page for a data access at `el`, or nullptr after raising the
    // exit (with `wnr` in its syndrome). `cacheable` says whether the fast caches may keep it.
    // A write makes any code decoded from the page stale.
    std::uint8_t* host_page(const Inst* ip, std::uint64_t va, AccessType access, unsigned el, bool misaligned,
                            bool& cacheable, bool wnr);
    // The one translation function: stage 1 of the guest (flat with the MMU off), through the
    // guest's TLB, with the alignment check for Device memory (`misaligned` data accesses)
    // and the permission check, in the manual's order.
    Translation translate(std::uint64_t va, AccessType access, unsigned el, bool misaligned);
    // The regime's derived state: the current bank, alignment masks, ASID.
    void apply_regime();
    const Inst* enter(std::uint64_t va);  // the decoded slot for va, or nullptr with an exit raised
    const Inst* raise_at(std::uint64_t pc, std::uint32_t esr, std::uint64_t far, std::uint32_t word,
                         Op op = Op::UNDEFINED);
    // An access whose guest-physical address is not RAM: the layer above emulates a device
    // there or reports an external abort.
    const Inst* stage2_abort(const Inst* ip, std::uint64_t va, std::uint64_t pa, bool write);
    // An exit is in result_: let the exit hook handle it in place, if there is one.
    const Inst* offer_exit_to_hook();
    // A stage-1 fault (translation, permission, alignment...): the ISS EL1 sees (no ISV).
    const Inst* data_abort(const Inst* ip, std::uint64_t va, bool write, std::uint32_t fsc);
    void track(DecodedPage& page);
    // This CPU's decoded code is the cache it keeps in `memory`'s DecodedCode.
    void use_code_of(GuestMemory& memory);

    // What another thread asks of this CPU (kick(), the global monitor's and the decoded
    // code's kFlushWriteCache, an invalidation of decoded code): run() looks at it before its
    // first instruction and then once per kAttentionInterval instructions. Not once per
    // straight-line stretch: that load, test and branch in the hot loop cost the interpreter
    // 3.5% of its speed.
    static constexpr std::uint64_t kAttentionInterval = 1024;
    static constexpr std::uint32_t kAttentionKick = 1u << 0;
    static_assert(GlobalMonitor::kFlushWriteCache == 1u << 1 && DecodedCode::kFlushWriteCache == 1u << 1);
    static_assert(GlobalMonitor::kWakeWaiters == kAttentionKick);
    static constexpr std::uint32_t kAttentionInvalidateCode = DecodedCode::kInvalidateCode;
    static_assert(GlobalMonitor::kDropMarkedPages == 1u << 3 && kAttentionInvalidateCode == 1u << 2);
    // Honour what the attention word asks; true if that is a kick (run() returns). `stored`:
    // this run may have stored through the write cache already.
    bool attend(bool stored);
    void flush_write_cache();
    // Drop from the write cache the pages other vCPUs' new marks are in. `stored`: a store this
    // interpreter made there through the cache since the mark cleared nothing, so each of those
    // vCPUs is sent the event it may have missed (WFE may wake for no reason; never for none).
    void drop_pages_marked_by_others(bool stored);
    bool write_cache_holds(std::uint64_t page) const;
    // After the bytes of a slow-path store to guest-physical [pa, pa + size) landed: clear the
    // other vCPUs' marks there (their event), and invalidate decoded code there.
    void store_landed(std::uint64_t pa, unsigned size);

    GuestMemory* memory_ = nullptr;
    GlobalMonitor* monitor_ = &own_monitor_;
    unsigned vcpu_index_ = 0;
    bool kicked_ = false;
    std::uint64_t last_pa_ = 0;        // the guest-physical address of the last slow-path access
    TranslationRegime regime_{};
    unsigned el_ = 1;                // regime_.el
    std::uint16_t asid_ = 0;         // the ASID new translations are tagged with
    bool flat_strict_ = true;        // MMU off: flat memory is Device memory
    bool regime_changed_ = false;    // set_translation ran while an exit was handled in place
    bool illegal_state_ = false;
    bool fp_enabled_ = true;  // the bare runner and the tests expect FP/SIMD to work
    bool align_always_ = false;      // SCTLR_EL1.A: every data access must be aligned
    std::uint64_t align_mask_ = ~0ull;   // the fast path's: ~0 when what it caches needs alignment
    std::uint64_t sp_align_mask_ = 0;    // 15 when SCTLR_EL1.SA/SA0 applies at this EL
    std::uint64_t left_ = 0;  // instructions this run may still retire (before the attention check)
    std::uint64_t held_back_ = 0;  // ...and after it: the rest of the run
    std::atomic<std::uint32_t> attention_{0};
    std::uint64_t run_length_ = 0;  // the max_instructions of the current run
    ExitHook exit_hook_ = nullptr;
    void* exit_hook_context_ = nullptr;
    bool exit_pending_ = false;
    RunResult result_{};  // raise() writes the exit here in place; run() returns it

    DecodedPage* current_page_ = nullptr;
    std::uint64_t current_va_ = 0;  // virtual address of current_page_

    FastBank banks_[2];           // by EL
    FastBank* bank_ = &banks_[1];  // the current EL's
    Tlb tlb_;
    std::shared_ptr<DecodedCode> code_;  // the decoded code of memory_'s VM
    CodeCache* cache_ = nullptr;         // this CPU's decoded pages there

    std::uint64_t exclusive_va_ = 0;
    unsigned exclusive_size_ = 0;
    bool exclusive_valid_ = false;
    std::uint64_t exclusive_pa_ = 0;
    alignas(16) std::uint8_t exclusive_value_[16] = {};  // what the load-exclusive read
    GlobalMonitor own_monitor_;  // the global monitor while this CPU is alone on its memory
};

}  // namespace trapeze
