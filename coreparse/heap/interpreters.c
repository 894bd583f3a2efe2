/* The interpreter list of _PyRuntime and each interpreter's thread list.
 * Both are linked lists in target memory: walks are bounded and stop at a
 * repeated node, so a corrupt link is reported, not looped on. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"

#define MAX_INTERPRETERS 4096
#define MAX_THREADS_PER_INTERP 100000

static bool seen_before(const uint64_t *seen, size_t n, uint64_t address)
{
	for (size_t i = 0; i < n; i++)
		if (seen[i] == address)
			return true;
	return false;
}

static rs_error *threads_read(struct rs_memory *mem, const struct rs_layout *l, struct rs_interpreter *interp,
			      struct rs_heap *heap)
{
	uint64_t tstate;
	rs_error *err = rs_mem_read_u64(mem, interp->address + (uint64_t)RS_OFF(l, interp_threads_head), &tstate);
	if (err)
		return rs_error_prefix(err, "interpreter at 0x%" PRIx64, interp->address);
	size_t first = heap->n_threads;
	/* Threads of one interpreter are contiguous in heap->threads. */
	for (size_t n = 0; tstate; n++) {
		if (n >= MAX_THREADS_PER_INTERP) {
			rs_diag_add(mem->diag, "interpreter %" PRId64 ": thread list longer than %d, cut",
				    interp->id, MAX_THREADS_PER_INTERP);
			break;
		}
		struct rs_thread *grown = realloc(heap->threads, (heap->n_threads + 1) * sizeof(*grown));
		if (!grown)
			return rs_error_nomem();
		heap->threads = grown;
		struct rs_thread *t = &heap->threads[heap->n_threads];
		uint64_t next = 0, owner = 0;
		t->address = tstate;
		t->native_thread_id = -1;
		err = rs_mem_read_u64(mem, tstate + (uint64_t)RS_OFF(l, tstate_interp), &owner);
		if (!err)
			err = rs_mem_read_u64(mem, tstate + (uint64_t)RS_OFF(l, tstate_thread_id), &t->thread_id);
		if (!err && RS_OFF(l, tstate_native_thread_id) >= 0)
			err = rs_mem_read(mem, tstate + (uint64_t)RS_OFF(l, tstate_native_thread_id),
					  &t->native_thread_id, 8);
		if (!err)
			err = rs_mem_read_u64(mem, tstate + (uint64_t)RS_OFF(l, tstate_next), &next);
		if (err || owner != interp->address) {
			rs_diag_add(mem->diag, "interpreter %" PRId64 ": thread state at 0x%" PRIx64 " %s; "
				    "thread list cut there", interp->id, tstate,
				    err ? rs_error_message(err) : "belongs to another interpreter");
			rs_error_free(err);
			break;
		}
		heap->n_threads++;
		for (size_t i = first; i < heap->n_threads; i++)
			if (heap->threads[i].address == next)
				next = 0; /* a loop: stop */
		tstate = next;
	}
	interp->n_threads = heap->n_threads - first;
	return NULL;
}

rs_error *rs_interpreters_read(struct rs_memory *mem, const struct rs_python *py, struct rs_heap *heap)
{
	const struct rs_layout *l = &py->layout;
	uint64_t seen[MAX_INTERPRETERS], interp;
	rs_error *err = rs_mem_read_u64(mem, py->runtime + (uint64_t)RS_OFF(l, runtime_interpreters_head), &interp);
	if (err)
		return rs_error_prefix(err, "cannot read _PyRuntime.interpreters.head");
	if (!interp)
		return rs_error_new(RS_ERR_NOT_FOUND, "the Python runtime has no interpreter (not started yet, or finalized)");
	size_t n = 0;
	while (interp && n < MAX_INTERPRETERS && !seen_before(seen, n, interp)) {
		seen[n++] = interp;
		err = rs_mem_read_u64(mem, interp + (uint64_t)RS_OFF(l, interp_next), &interp);
		if (err) {
			rs_diag_add(mem->diag, "interpreter list cut: %s", rs_error_message(err));
			rs_error_free(err);
			break;
		}
	}
	heap->interps = calloc(n, sizeof(*heap->interps));
	if (!heap->interps)
		return rs_error_nomem();
	/* The list runs newest first; show the main interpreter first. */
	for (size_t i = 0; i < n; i++) {
		struct rs_interpreter *it = &heap->interps[i];
		it->address = seen[n - 1 - i];
		it->id = (int64_t)i; /* 3.6 numbers no interpreter: the main one is 0 */
		err = RS_OFF(l, interp_id) < 0 ? NULL
					       : rs_mem_read(mem, it->address + (uint64_t)RS_OFF(l, interp_id), &it->id, 8);
		if (err)
			return rs_error_prefix(err, "interpreter at 0x%" PRIx64, it->address);
		heap->n_interps++;
	}
	for (size_t i = 0; i < n; i++) {
		err = threads_read(mem, l, &heap->interps[i], heap);
		if (err)
			return err;
	}
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		heap->interps[i].threads = heap->threads ? heap->threads + at : NULL; /* no thread anywhere: no array */
		at += heap->interps[i].n_threads;
	}
	return NULL;
}
