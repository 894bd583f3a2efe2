#include "huge_pages.h"

#include <stdint.h>
#include <sys/mman.h>

#define PAGE ((uintptr_t)4096)
#define HUGE_PAGE ((uintptr_t)2 << 20)

/* The advice covers every small page the array touches, not only its whole
 * huge pages: a large array is a mapping of its own (malloc's mmap chunk),
 * and advice on part of it would split it in two, after which realloc can no
 * longer grow it in place with mremap and copies it instead. */
void rs_huge_pages_advise(void *p, size_t bytes)
{
	if (!p || bytes < HUGE_PAGE)
		return;
	uintptr_t start = (uintptr_t)p & ~(PAGE - 1);
	uintptr_t end = ((uintptr_t)p + bytes + PAGE - 1) & ~(PAGE - 1);
	madvise((void *)start, end - start, MADV_HUGEPAGE);
}
