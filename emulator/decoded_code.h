// Decoded code belongs to the VM: its guest memory keeps, by guest-physical page, which pages
// some interpreter decoded code from, and one cache of decoded pages for each interpreter (each
// pCPU) that runs the VM. A pCPU keeps its cache of every VM it ran across switches, and a store
// by any vCPU to a page of code makes that page stale in every cache.
//
// Why a cache per interpreter and not one shared by all: pages are decoded lazily, each slot
// rewritten in place the first time it runs, and reset in place when its page is written. In
// --threads mode the interpreters of one VM run on different host threads; sharing the slots
// would make every slot's read in the hot loop an atomic one (and a decode racing an execution
// of the same slot), or cost a lock. Each interpreter therefore owns its decoded pages and only
// the page-of-code marks and the invalidation requests cross threads, on the slow paths.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "emulator/inst.h"

namespace trapeze {

inline constexpr std::uint64_t kPageBits = 12;
inline constexpr std::uint64_t kPageSize = 1ull << kPageBits;
inline constexpr std::uint64_t kPageMask = kPageSize - 1;
inline constexpr std::size_t kInstsPerPage = kPageSize / 4;

// One guest page of code, decoded lazily: every slot starts as a stub that decodes the
// word in place on first execution. One extra slot past the end continues on the next page.
struct DecodedPage {
    std::uint64_t pa = 0;
    const std::uint8_t* host = nullptr;
    bool tracked = false;  // marked as code in the VM's DecodedCode (see Cpu::track)
    Inst insts[kInstsPerPage + 1];
};

// Every slot of `page` back to the decode stub (emulator/cpu.cpp, beside the stubs).
void reset_decoded_page(DecodedPage& page);

// One interpreter's decoded pages of one VM. Only its interpreter's thread touches the pages;
// other threads post invalidations to it through the VM's DecodedCode.
class CodeCache {
public:
    DecodedPage* find(std::uint64_t pa_page) {
        const auto it = pages_.find(pa_page);
        return it == pages_.end() ? nullptr : it->second.get();
    }
    // The decoded page for guest-physical page `pa_page` at `host`, made (all stubs) if new.
    DecodedPage& page(std::uint64_t pa_page, const std::uint8_t* host);
    void reset(std::uint64_t pa, std::uint64_t len);
    void reset_all();
    // Another interpreter (or the VMM) asked this cache to drop some pages since it last looked.
    bool has_posted() const { return posted_.load(std::memory_order_acquire); }

private:
    friend class DecodedCode;
    std::unordered_map<std::uint64_t, std::unique_ptr<DecodedPage>> pages_;  // by guest-physical page
    // Guarded by the DecodedCode's mutex:
    const void* owner_ = nullptr;                 // the interpreter whose cache this is
    std::atomic<std::uint32_t>* attention_ = nullptr;  // its attention word while it runs this VM
    std::vector<std::uint64_t> posted_pages_;     // guest-physical pages to drop
    bool posted_all_ = false;                     // drop everything
    std::atomic<bool> posted_{false};
};

// The decoded code of one VM's memory: the caches, and which RAM pages hold code some
// interpreter decoded. Every member is safe to call from any thread.
class DecodedCode {
public:
    // The attention bits an interpreter is asked to honour (Cpu's attention word).
    static constexpr std::uint32_t kFlushWriteCache = 1u << 1;
    static constexpr std::uint32_t kInvalidateCode = 1u << 2;

    DecodedCode(std::uint64_t ram_base, std::uint64_t ram_size);

    // The interpreter `owner` runs this VM from now on and hears of requests through
    // `attention`; its cache of the VM (new, or the one it kept from the last time) is returned.
    CodeCache& attach(const void* owner, std::atomic<std::uint32_t>* attention);
    // That interpreter runs another VM, or none: its cache stays, and keeps receiving invalidations.
    void detach(CodeCache& cache);

    // `by` decoded code from guest-physical page `pa_page`: from now on a store there by any
    // interpreter must reach stored(). The others attached are asked to drop their write caches.
    void mark_code(std::uint64_t pa_page, const CodeCache& by);
    // Whether a store to `pa_page` must invalidate code (it keeps the page out of write caches).
    bool holds_code(std::uint64_t pa_page) const {
        const std::uint64_t index = pa_page - first_page_;
        return index < page_count_ && code_[index].load(std::memory_order_acquire);
    }
    // `by` stores to guest-physical page `pa_page`: if it holds code, `by`'s own copy is reset
    // now, and every other cache is asked to drop the page (at its interpreter's next check).
    void stored(std::uint64_t pa_page, CodeCache& by);
    // The code in [pa, pa + len) (or all code) changed: `own` (may be null) drops it now, every
    // other cache at its interpreter's next check.
    void invalidate(std::uint64_t pa, std::uint64_t len, CodeCache* own);
    void invalidate_all(CodeCache* own);
    // Drop what other threads posted to `cache` (its interpreter's thread only).
    void take_posted(CodeCache& cache);

private:
    static constexpr std::size_t kMostPostedPages = 256;
    void post(CodeCache& to, const std::uint64_t* pages, std::size_t count, bool all);

    std::uint64_t first_page_;
    std::uint64_t page_count_;
    std::unique_ptr<std::atomic<std::uint8_t>[]> code_;  // by RAM page: some cache decoded code there
    std::mutex mutex_;  // the list of caches, and what is posted to each
    std::vector<std::unique_ptr<CodeCache>> caches_;
};

}  // namespace trapeze
