/* Mapping in, at once, the pages of a file mapping the page cache holds.
 *
 * A heap walk reads most of a core, page after page of it in no order. Each
 * first read of a page is a fault, which maps the page and its neighbours
 * (64 KiB), and on the virtual machines this runs on such a fault costs tens
 * of microseconds: the gc walk of the 5M bench core took about 5000 of them,
 * 0.1 s of its 0.6. Mapping every cached page in one call costs 0.02 s for
 * that core's 800 MB. Pages not in the cache are left alone, so a core
 * larger than memory, or read from a cold disk, is not read whole for it. */
#ifndef RS_UTIL_RESIDENT_PAGES_H
#define RS_UTIL_RESIDENT_PAGES_H

#include <stddef.h>

/* [start, start + len) is a read-only shared or private file mapping. A
 * hint: nothing happens where the kernel cannot say what is cached or map
 * pages ahead (before Linux 5.14). */
void rs_resident_pages_map(const void *start, size_t len);

#endif
