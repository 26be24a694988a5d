// The decoded code of one VM: its interpreters' caches, the pages of code, and invalidation
// across interpreters (and host threads).
#include "emulator/decoded_code.h"

#include <algorithm>
#include <utility>

namespace trapeze {

DecodedPage& CodeCache::page(std::uint64_t pa_page, const std::uint8_t* host) {
    auto& slot = pages_[pa_page];
    if (!slot) {
        slot = std::make_unique<DecodedPage>();
        slot->pa = pa_page << kPageBits;
        slot->host = host;
        reset_decoded_page(*slot);
    }
    return *slot;
}

void CodeCache::reset(std::uint64_t pa, std::uint64_t len) {
    if (len == 0) return;
    for (std::uint64_t page = pa >> kPageBits; page <= (pa + len - 1) >> kPageBits; ++page)
        if (DecodedPage* decoded = find(page)) reset_decoded_page(*decoded);
}

void CodeCache::reset_all() {
    for (auto& [page, decoded] : pages_) reset_decoded_page(*decoded);
}

DecodedCode::DecodedCode(std::uint64_t ram_base, std::uint64_t ram_size)
    : first_page_(ram_base >> kPageBits),
      page_count_((ram_size + kPageMask) >> kPageBits),
      code_(new std::atomic<std::uint8_t>[page_count_]) {
    for (std::uint64_t i = 0; i < page_count_; ++i) code_[i].store(0, std::memory_order_relaxed);
}

CodeCache& DecodedCode::attach(const void* owner, std::atomic<std::uint32_t>* attention) {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(caches_.begin(), caches_.end(), [&](const auto& c) { return c->owner_ == owner; });
    if (it == caches_.end()) {
        caches_.push_back(std::make_unique<CodeCache>());
        it = caches_.end() - 1;
        (*it)->owner_ = owner;
    }
    (*it)->attention_ = attention;
    return **it;
}

void DecodedCode::detach(CodeCache& cache) {
    std::lock_guard lock(mutex_);
    cache.attention_ = nullptr;
}

void DecodedCode::mark_code(std::uint64_t pa_page, const CodeCache& by) {
    const std::uint64_t index = pa_page - first_page_;
    if (index >= page_count_ || code_[index].exchange(1, std::memory_order_acq_rel)) return;
    // The page was not code: another interpreter may have it in its write cache, where its
    // stores would not reach stored(). It drops that cache before its next instruction (at
    // once in lock-step mode, where it does not run now; within a straight-line stretch
    // of instructions in --threads mode).
    std::lock_guard lock(mutex_);
    for (const auto& cache : caches_)
        if (cache.get() != &by && cache->attention_)
            cache->attention_->fetch_or(kFlushWriteCache, std::memory_order_release);
}

void DecodedCode::stored(std::uint64_t pa_page, CodeCache& by) {
    const std::uint64_t index = pa_page - first_page_;
    if (index >= page_count_ || !code_[index].load(std::memory_order_acquire)) return;
    if (!code_[index].exchange(0, std::memory_order_acq_rel)) return;  // another store got there first
    // Every copy of the page is stale. The next execution there decodes and marks it again.
    if (DecodedPage* own = by.find(pa_page)) reset_decoded_page(*own);
    std::lock_guard lock(mutex_);
    for (const auto& cache : caches_)
        if (cache.get() != &by) post(*cache, &pa_page, 1, false);
}

void DecodedCode::invalidate(std::uint64_t pa, std::uint64_t len, CodeCache* own) {
    if (len == 0) return;
    if (own) own->reset(pa, len);
    std::vector<std::uint64_t> pages;
    for (std::uint64_t page = pa >> kPageBits; page <= (pa + len - 1) >> kPageBits; ++page) pages.push_back(page);
    std::lock_guard lock(mutex_);
    for (const auto& cache : caches_)
        if (cache.get() != own) post(*cache, pages.data(), pages.size(), false);
}

void DecodedCode::invalidate_all(CodeCache* own) {
    if (own) own->reset_all();
    std::lock_guard lock(mutex_);
    for (const auto& cache : caches_)
        if (cache.get() != own) post(*cache, nullptr, 0, true);
}

void DecodedCode::post(CodeCache& to, const std::uint64_t* pages, std::size_t count, bool all) {
    if (all) {
        to.posted_all_ = true;
        to.posted_pages_.clear();
    } else if (!to.posted_all_) {
        to.posted_pages_.insert(to.posted_pages_.end(), pages, pages + count);
        // A cache whose interpreter runs elsewhere for long collects many: then it drops all.
        if (to.posted_pages_.size() > kMostPostedPages) {
            to.posted_all_ = true;
            to.posted_pages_.clear();
        }
    }
    to.posted_.store(true, std::memory_order_release);
    if (to.attention_) to.attention_->fetch_or(kInvalidateCode, std::memory_order_release);
}

void DecodedCode::take_posted(CodeCache& cache) {
    std::vector<std::uint64_t> pages;
    bool all = false;
    {
        std::lock_guard lock(mutex_);
        pages.swap(cache.posted_pages_);
        all = std::exchange(cache.posted_all_, false);
        cache.posted_.store(false, std::memory_order_relaxed);
    }
    if (all) {
        cache.reset_all();
        return;
    }
    for (std::uint64_t page : pages)
        if (DecodedPage* decoded = cache.find(page)) reset_decoded_page(*decoded);
}

}  // namespace trapeze
