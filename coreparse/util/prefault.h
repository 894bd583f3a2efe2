/* The kernel zeroes each fresh page on the first write to it, on the CPU
 * that writes: a fifth of a large graph build's time. A helper thread can
 * take that work: told where arrays will be written next, it faults those
 * pages in (MADV_POPULATE_WRITE, which leaves their bytes alone) while the
 * writer works on the pages it has. */
#ifndef RS_UTIL_PREFAULT_H
#define RS_UTIL_PREFAULT_H

#include <stdbool.h>
#include <stddef.h>

struct rs_prefault;

/* How far ahead of the writer an array is faulted in; a new stretch is
 * asked when the writer is half way through the last. On huge pages the
 * next one is faulted in when the writer comes this near its start, which
 * is soon enough (zeroing 2 MiB takes well under the time the build takes
 * to write 256 KiB), and RSS runs at most one huge page ahead (1 MiB
 * stretches cost 2 MiB of own memory, a benchmark target, and no time). */
#define RS_PREFAULT_STRETCH ((size_t)256 << 10)

/* How far an array was asked for, in bytes from its start. */
struct rs_prefault_array {
	size_t asked;
};

/* NULL when there is no helper to have: one CPU, REFSCOPE_THREADS=1, a
 * kernel without MADV_POPULATE_WRITE, no thread or memory. Every function
 * takes NULL and then does nothing. */
struct rs_prefault *rs_prefault_start(void);
void rs_prefault_stop(struct rs_prefault *p);

/* [start, start + len) will be written soon, all of it. */
void rs_prefault_ask(struct rs_prefault *p, void *start, size_t len);

/* Waits until no request is pending or under way: call it before realloc
 * or free may move or unmap memory that was asked for. */
void rs_prefault_quiesce(struct rs_prefault *p);

void rs_prefault_more(struct rs_prefault *p, struct rs_prefault_array *a, void *base, size_t used, size_t capacity);

/* The array at base, of capacity bytes, is written up to used bytes: asks
 * for the stretch after what was asked when the writer comes near it. */
static inline void rs_prefault_track(struct rs_prefault *p, struct rs_prefault_array *a, void *base, size_t used,
				     size_t capacity)
{
	if (p && used + RS_PREFAULT_STRETCH / 2 >= a->asked && a->asked < capacity)
		rs_prefault_more(p, a, base, used, capacity);
}

#endif
