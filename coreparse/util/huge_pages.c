#include "huge_pages.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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

#if !RS_HUGE_ARRAYS_MAPPED
void *rs_huge_array_resize(void *p, size_t old_bytes, size_t new_bytes)
{
	unsigned char *q = realloc(p, new_bytes ? new_bytes : 1);
	if (q && new_bytes > old_bytes)
		memset(q + old_bytes, 0, new_bytes - old_bytes);
	return q;
}

void rs_huge_array_free(void *p, size_t bytes)
{
	(void)bytes;
	free(p);
}
#else
static size_t huge_round(size_t bytes)
{
	return (bytes + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
}

/* bytes (a multiple of 2 MiB) mapped at a 2 MiB aligned address: more is
 * mapped, and what lies outside trimmed. */
static void *aligned_map(size_t bytes, int prot)
{
	size_t span = bytes + HUGE_PAGE;
	void *m = mmap(NULL, span, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	uintptr_t start = ((uintptr_t)m + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1), end = (uintptr_t)m + span;
	if (start > (uintptr_t)m)
		munmap(m, start - (uintptr_t)m);
	if (end > start + bytes)
		munmap((void *)(start + bytes), end - (start + bytes));
	return (void *)start;
}

void *rs_huge_array_resize(void *p, size_t old_bytes, size_t new_bytes)
{
	size_t old_map = p ? huge_round(old_bytes) : 0, new_map = huge_round(new_bytes ? new_bytes : 1);
	void *q;
	if (!p) {
		q = aligned_map(new_map, PROT_READ | PROT_WRITE);
	} else if (new_map <= old_map) {
		if (new_map < old_map)
			munmap((char *)p + new_map, old_map - new_map);
		return p;
	} else if ((q = mremap(p, old_map, new_map, 0)) == MAP_FAILED) {
		/* No room after it: moved into a reservation of the new size. */
		void *to = aligned_map(new_map, PROT_NONE);
		if (!to)
			return NULL;
		q = mremap(p, old_map, new_map, MREMAP_MAYMOVE | MREMAP_FIXED, to);
		if (q == MAP_FAILED) {
			munmap(to, new_map);
			return NULL;
		}
	}
	if (q && new_bytes >= HUGE_PAGE) /* a small array stays on the small pages it touches */
		madvise(q, new_map, MADV_HUGEPAGE);
	return q;
}

void rs_huge_array_free(void *p, size_t bytes)
{
	if (p)
		munmap(p, huge_round(bytes ? bytes : 1));
}
#endif
