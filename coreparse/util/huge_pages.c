#include "huge_pages.h"

#include <stdint.h>
#include <stdlib.h>
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

void *rs_huge_malloc(size_t bytes)
{
	void *p = malloc(bytes);
	rs_huge_pages_advise(p, bytes);
	return p;
}

/* calloc leaves a fresh mapping untouched (its pages are zero already), so
 * the advice still comes before the first write. */
void *rs_huge_calloc(size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (p)
		rs_huge_pages_advise(p, n * size);
	return p;
}
