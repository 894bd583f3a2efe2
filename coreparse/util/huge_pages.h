/* Large arrays on huge pages.
 *
 * The arrays that grow with the heap (objects, edges, the analyses' per-object
 * state) are touched page by page as they fill. On 4 KiB pages that is one
 * page fault per 4 KiB, and on the virtual machines this runs on a fault on
 * fresh anonymous memory costs about 10 us: 600 MB of arrays took 1.5 s of
 * faults alone. On 2 MiB pages it is one fault per 2 MiB. */
#ifndef RS_UTIL_HUGE_PAGES_H
#define RS_UTIL_HUGE_PAGES_H

#include <stddef.h>

/* Asks for huge pages under the whole 2 MiB pages of [p, p+bytes), memory
 * from malloc, calloc or realloc not yet touched (or whose touched part may
 * stay on small pages). A hint: nothing happens for small arrays, or where
 * the kernel has transparent huge pages turned off. */
void rs_huge_pages_advise(void *p, size_t bytes);

/* malloc and calloc of an array written all over soon after (an analysis'
 * per-object state), advised as above. */
void *rs_huge_malloc(size_t bytes);
void *rs_huge_calloc(size_t n, size_t size);

#endif
