#include "resident_pages.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

/* mincore's answer for this many pages at a time (16 MiB of the file). */
#define WINDOW_PAGES 4096

/* Maps [from, to) page indexes of the mapping; false when the kernel cannot. */
static bool run_map(uintptr_t base, size_t page, size_t from, size_t to)
{
	return madvise((void *)(base + from * page), (to - from) * page, MADV_POPULATE_READ) == 0;
}

void rs_resident_pages_map(const void *start, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t base = (uintptr_t)start;
	if (!len || base % page)
		return;
	size_t n_pages = (len + page - 1) / page;
	unsigned char resident[WINDOW_PAGES];
	for (size_t first = 0; first < n_pages; first += WINDOW_PAGES) {
		size_t n = n_pages - first < WINDOW_PAGES ? n_pages - first : WINDOW_PAGES;
		if (mincore((void *)(base + first * page), n * page, resident) != 0)
			return;
		size_t run = SIZE_MAX; /* the first page of the current run of cached pages */
		for (size_t k = 0; k <= n; k++) {
			bool cached = k < n && (resident[k] & 1);
			if (cached && run == SIZE_MAX)
				run = k;
			if (!cached && run != SIZE_MAX) {
				if (!run_map(base, page, first + run, first + k))
					return;
				run = SIZE_MAX;
			}
		}
	}
}
