// The page allocator: the 4 KiB pages of RAM between the end of the kernel image and
// KERNEL_POOL_END, handed out zeroed. Freed pages go on a list and are handed out first;
// pages never handed out are never touched.
#include "kernel.h"

extern char __kernel_end[];  // kernel.ld: the first page after the image

struct free_page {
    struct free_page *next;
};

static struct free_page *free_list;
static uint64_t next_untouched;  // kernel virtual address of the first page never handed out
static size_t pages_in_use;

void *kalloc(void) {
    if (next_untouched == 0) next_untouched = (uint64_t)__kernel_end;
    uint64_t *page;
    if (free_list) {
        page = (uint64_t *)free_list;
        free_list = free_list->next;
    } else if (next_untouched < KERNEL_BASE + KERNEL_POOL_END) {
        page = (uint64_t *)next_untouched;
        next_untouched += PAGE_SIZE;
    } else {
        return 0;
    }
    for (size_t i = 0; i < PAGE_SIZE / sizeof(uint64_t); ++i) page[i] = 0;
    ++pages_in_use;
    return page;
}

void kfree(void *page) {
    if ((uint64_t)page % PAGE_SIZE != 0 || (uint64_t)page < (uint64_t)__kernel_end ||
        (uint64_t)page >= KERNEL_BASE + KERNEL_POOL_END)
        panic("kfree: not a page of the pool");
    struct free_page *p = page;
    p->next = free_list;
    free_list = p;
    --pages_in_use;
}

size_t kalloc_pages_in_use(void) { return pages_in_use; }
