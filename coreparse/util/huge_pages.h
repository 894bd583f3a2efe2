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

/* 1 when the arrays of rs_huge_array_resize are mappings of their own, 0
 * when built with AddressSanitizer: they then stay malloc's, where a write
 * past their end is caught, which mappings of our own would hide. */
#if defined(__SANITIZE_ADDRESS__)
#define RS_HUGE_ARRAYS_MAPPED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RS_HUGE_ARRAYS_MAPPED 0
#endif
#endif
#ifndef RS_HUGE_ARRAYS_MAPPED
#define RS_HUGE_ARRAYS_MAPPED 1
#endif

/* An array that grows with the heap as it is read (the objects, the edges).
 * Grown with realloc and advised, the objects array of the 5M bench heap
 * ended with 16-32 MiB of its 213 MiB on huge pages, and reading it through
 * took 0.12-0.65 s where 0.01-0.03 s will do. This array is a mapping of its
 * own, 2 MiB aligned, and is moved only to 2 MiB aligned addresses, where the
 * kernel moves its huge pages whole (to any other, it splits them): all of it
 * is on huge pages.
 *
 * Resizes the array at p (NULL: none yet) of old_bytes to new_bytes, keeping
 * its contents (the first new_bytes of them when it shrinks); NULL when out of
 * memory, the array then as it was. The bytes past old_bytes are zero for an
 * array that has only grown, as the heap's do. */
void *rs_huge_array_resize(void *p, size_t old_bytes, size_t new_bytes);
/* Frees an array of rs_huge_array_resize, of the bytes it was last given. */
void rs_huge_array_free(void *p, size_t bytes);

#endif
