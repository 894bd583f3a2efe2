/* Walking the collector's lists.
 *
 * Each generation is a circular doubly linked list of PyGC_Head threaded
 * through the objects, headed by a PyGC_Head inside the gc state. From 3.8 on
 * the low two bits of both links are flags, so links are masked with ~3.
 * Guards, since the target may be corrupt or caught mid-collection: every
 * node's prev link must name the node before it (not checked while a
 * collection runs, when _gc_prev holds reference counts); Brent's cycle test
 * catches a loop that never returns to the head; every read must succeed. A
 * list that fails a guard is reported with the address where it broke, and
 * what was found before that point is kept. A prev link that disagrees is
 * weighed first (prev_link_alone_bad): when only that link is wrong, the
 * walk warns and goes on, since the next links it follows are sound. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "../objects/object_size.h"

#define LINK_MASK (~(uint64_t)3)
#define PROGRESS_EVERY (1u << 20)
#define INTERRUPT_EVERY (1u << 16)
#define WORDS_MAX 10
/* Objects are sized this many behind the walk: the reads a size needs
 * beyond the object's first bytes (a list's allocated count, a dict's keys)
 * are begun when it is recorded, those behind them (the keys' bytes) half
 * way, and they have arrived by the time it is sized. Sized as it was
 * recorded, an object's misses came on top of the walk's own, a tenth of
 * its time and more. */
#define SIZE_LAG 16

struct size_pending {
	uint64_t index; /* into heap->objects, which may move */
	int64_t ob_size;
};

struct list_walk {
	struct rs_memory *mem;
	const struct rs_python *py;
	struct rs_heap *heap;
	struct rs_generation *gen;
	uint8_t generation;
	uint16_t interp;
	bool check_prev;
	struct size_pending sizes[SIZE_LAG]; /* recorded, not sized yet, oldest at sizes_head */
	unsigned sizes_head, n_sizes;
};

static void size_compute(struct list_walk *w, const struct size_pending *p)
{
	struct rs_object *o = &w->heap->objects[p->index];
	const struct rs_type_info *info = &w->heap->types.types[o->type];
	uint32_t size32 = 0;
	uint8_t size_flags = 0;
	w->gen->bytes += rs_object_size_record(w->mem, &w->py->layout, info, w->heap->types.names + info->name_offset,
					       o->address, p->ob_size, &size32, &size_flags);
	o->size = size32;
	o->flags |= size_flags;
}

/* Sizes every object recorded: before a warning of the walk's own, so that
 * the warnings come in the order of the objects, and at a list's end. */
static void sizes_flush(struct list_walk *w)
{
	for (; w->n_sizes; w->n_sizes--, w->sizes_head = (w->sizes_head + 1) % SIZE_LAG)
		size_compute(w, &w->sizes[w->sizes_head]);
}

static void size_defer(struct list_walk *w, uint64_t index, int64_t ob_size)
{
	if (w->n_sizes == SIZE_LAG) {
		size_compute(w, &w->sizes[w->sizes_head]);
		w->sizes_head = (w->sizes_head + 1) % SIZE_LAG;
		w->n_sizes--;
	}
	w->sizes[(w->sizes_head + w->n_sizes++) % SIZE_LAG] = (struct size_pending){index, ob_size};
	const struct rs_object *o = &w->heap->objects[index];
	rs_mem_prefetch(w->mem, o->address + 32);
	if (w->n_sizes > SIZE_LAG / 2) {
		const struct rs_object *half = &w->heap->objects[w->sizes[(w->sizes_head + w->n_sizes - 1 - SIZE_LAG / 2) %
									  SIZE_LAG].index];
		rs_object_size_prefetch(w->mem, &w->py->layout, &w->heap->types.types[half->type], half->address);
	}
}

/* Reports where a list broke: the address of the object (or list head)
 * whose link was bad, in the words the user can look up. */
__attribute__((format(printf, 2, 3))) static void list_broken(struct list_walk *w, const char *fmt, ...)
{
	char why[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	sizes_flush(w);
	w->gen->broken = true;
	rs_diag_add(w->mem->diag, "gc list of generation %s (interpreter %" PRId64 ") is broken: %s; "
		    "%" PRIu64 " objects read before that", w->gen->name, w->heap->interps[w->interp].id, why,
		    w->gen->objects);
}

/* Records the object whose gc head is at node; false when out of memory. */
static bool object_record(struct list_walk *w, uint64_t node, const uint64_t *words)
{
	const struct rs_layout *l = &w->py->layout;
	uint64_t obj = node + (uint64_t)RS_OFF(l, gc_head_size);
	size_t header = (size_t)(RS_OFF(l, gc_head_size) + RS_OFF(l, object_refcnt)) / 8;
	uint64_t refcnt_word = words[header];
	uint64_t type_addr = words[header + 1];
	int64_t ob_size = (int64_t)words[header + 2];
	uint32_t type = rs_type_table_lookup(&w->heap->types, w->mem, w->py, type_addr);
	if (type == UINT32_MAX)
		return false;
	const struct rs_type_info *info = &w->heap->types.types[type];
	struct rs_object *o = &w->heap->objects[w->heap->n_objects];
	/* A count past 2^47, which rs_object_init warns of, or an address past 48 bits. */
	if (((refcnt_word + (UINT64_C(1) << 47)) >> 48) || (obj >> 48))
		sizes_flush(w);
	if (!rs_object_init(o, l, w->mem->diag, obj, refcnt_word, type, w->interp, w->generation)) {
		rs_diag_add(w->mem->diag, "object at 0x%" PRIx64 " lies past the 48-bit addresses refscope keeps; "
			    "left out", obj);
		return true;
	}
	w->heap->n_objects++;
	w->gen->objects++;
	o->size = 0;
	if (info->readable) {
		size_defer(w, w->heap->n_objects - 1, ob_size);
		return true;
	}
	sizes_flush(w);
	rs_diag_add(w->mem->diag, "object at 0x%" PRIx64 " has ob_type 0x%" PRIx64 ", which is not a readable type",
		    obj, type_addr);
	o->flags |= RS_SIZE_UNKNOWN;
	return true;
}

/* The address to name for a list node: its object, or the list head. */
static uint64_t node_name(const struct list_walk *w, uint64_t head, uint64_t node)
{
	return node == head ? head : node + (uint64_t)RS_OFF(&w->py->layout, gc_head_size);
}

/* node was reached from prev, but its prev link names another node. Either
 * prev's next link is bad (it jumped into the list, or out of it) or node's
 * prev link alone is: then the node the prev link names does not link to
 * node, and node's successor links back to node. Only in that case is the
 * list sound to follow; it is reported and true returned. */
static bool prev_link_alone_bad(struct list_walk *w, uint64_t head, uint64_t prev, uint64_t node,
				const uint64_t *words)
{
	uint64_t named = words[1] & LINK_MASK, next = words[0] & LINK_MASK, named_next, back;
	rs_error *err = rs_mem_read_u64(w->mem, named, &named_next);
	if (!err && (named_next & LINK_MASK) == node) {
		list_broken(w, "the object at 0x%" PRIx64 " links to 0x%" PRIx64 ", whose prev link names 0x%" PRIx64
			    ", which links to it too (the next link of 0x%" PRIx64 " is bad)", node_name(w, head, prev),
			    node_name(w, head, node), node_name(w, head, named), node_name(w, head, prev));
		return false;
	}
	rs_error_free(err);
	err = rs_mem_read_u64(w->mem, next + 8, &back);
	if (err || (back & LINK_MASK) != node) {
		rs_error_free(err);
		list_broken(w, "the object at 0x%" PRIx64 " does not link back to 0x%" PRIx64 " (its prev link disagrees)",
			    node_name(w, head, node), node_name(w, head, prev));
		return false;
	}
	sizes_flush(w);
	rs_diag_add(w->mem->diag, "gc list of generation %s (interpreter %" PRId64 "): the object at 0x%" PRIx64
		    " has a bad prev link 0x%" PRIx64 " (the object before it is 0x%" PRIx64 "); its next links are "
		    "sound, the walk goes on", w->gen->name, w->heap->interps[w->interp].id, node_name(w, head, node),
		    words[1], node_name(w, head, prev));
	return true;
}

static rs_error *list_walk(struct list_walk *w, uint64_t head)
{
	/* the gc head (next, prev; 3.7: gc_refs and padding), then (Py_TRACE_REFS:
	 * _ob_next, _ob_prev) ob_refcnt, ob_type, ob_size */
	uint64_t prev = head, node, words[WORDS_MAX];
	const uint64_t gc_head = (uint64_t)RS_OFF(&w->py->layout, gc_head_size);
	const size_t n_words = (size_t)(gc_head + RS_HEAD(&w->py->layout)) / 8 + 3;
	if (n_words > WORDS_MAX)
		return rs_error_new(RS_ERR_UNSUPPORTED, "a PyGC_Head of %" PRIu64 " bytes", gc_head);
	rs_error *err = rs_mem_read_u64(w->mem, head, &node);
	if (err) {
		rs_error_free(err);
		list_broken(w, "its head at 0x%" PRIx64 " is unreadable", head);
		return NULL;
	}
	node &= LINK_MASK;
	uint64_t tortoise = head, power = 1, steps = 0;
	while (node != head) {
		err = rs_mem_read(w->mem, node, words, n_words * sizeof(uint64_t));
		if (err) { /* an object that ends before ob_size would */
			words[n_words - 1] = 0;
			rs_error_free(err);
			err = rs_mem_read(w->mem, node, words, (n_words - 1) * sizeof(uint64_t));
		}
		if (err) {
			rs_error_free(err);
			list_broken(w, "0x%" PRIx64 " links to 0x%" PRIx64 ", which is unreadable",
				    prev == head ? head : prev + gc_head, node + gc_head);
			return NULL;
		}
		/* The next node's read waits on this one's: it is begun before
		 * this object is recorded. (A guess at the node after it, by the
		 * stride from this one, gained nothing more.) */
		rs_mem_prefetch(w->mem, words[0] & LINK_MASK);
		if (w->check_prev && (words[1] & LINK_MASK) != prev && !prev_link_alone_bad(w, head, prev, node, words))
			return NULL;
		if (!rs_heap_objects_reserve(w->heap) || !object_record(w, node, words))
			return rs_error_nomem();
		if (w->heap->n_objects % INTERRUPT_EVERY == 0 && rs_interrupt_requested())
			return rs_error_new(RS_ERR_INTERRUPTED, "interrupted after %zu objects", w->heap->n_objects);
		if (w->heap->progress && w->heap->n_objects % PROGRESS_EVERY == 0)
			w->heap->progress(w->heap->n_objects, w->heap->progress_arg);
		prev = node;
		node = words[0] & LINK_MASK;
		/* Back at the head is the list's end, not a loop (the tortoise
		 * starts there: a list of one object). */
		if (node != head && node == tortoise) {
			list_broken(w, "the list loops back to the object at 0x%" PRIx64, node + gc_head);
			return NULL;
		}
		if (++steps == power) {
			tortoise = node;
			power *= 2;
			steps = 0;
		}
	}
	return NULL;
}

static rs_error *generation_walk(struct list_walk *w, uint64_t head, const char *name)
{
	const struct rs_layout *l = &w->py->layout;
	struct rs_generation *gen = w->gen;
	gen->name = name;
	int32_t tc[2];
	rs_error *err = rs_mem_read(w->mem, head + (uint64_t)RS_OFF(l, gc_generation_threshold), tc, sizeof(tc));
	if (err)
		return rs_error_prefix(err, "gc generation %s", name);
	gen->threshold = tc[0];
	gen->count = tc[1];
	if (!rs_gc_list_head_sound(w->mem, head)) {
		list_broken(w, "its head at 0x%" PRIx64 " and its first node do not link to each other",
			    head);
		return NULL;
	}
	err = list_walk(w, head);
	sizes_flush(w);
	return err;
}

static const char *const generational_names[] = {"0", "1", "2"};
static const char *const incremental_names[] = {"young", "old0", "old1"};

rs_error *rs_gc_state_walk(struct rs_memory *mem, const struct rs_python *py, uint64_t gc_state,
			   uint16_t interp_index, struct rs_heap *heap)
{
	const struct rs_layout *l = &py->layout;
	struct rs_interpreter *it = &heap->interps[interp_index];
	int32_t enabled, collecting;
	rs_error *err = rs_mem_read(mem, gc_state + (uint64_t)RS_OFF(l, gc_enabled), &enabled, 4);
	if (!err)
		err = rs_mem_read(mem, gc_state + (uint64_t)RS_OFF(l, gc_collecting), &collecting, 4);
	if (err)
		return rs_error_prefix(err, "gc state of interpreter %" PRId64, it->id);
	it->enabled = enabled != 0;
	it->collecting = collecting != 0;
	if (RS_OFF(l, gc_garbage) >= 0) {
		rs_error *garbage_err = rs_mem_read_u64(mem, gc_state + (uint64_t)RS_OFF(l, gc_garbage), &it->garbage_list);
		rs_error_free(garbage_err);
	}
	if (it->collecting)
		rs_diag_add(mem->diag, "interpreter %" PRId64 ": a collection was running at snapshot time; "
			    "its lists may be incomplete", it->id);
	struct list_walk w = {.mem = mem, .py = py, .heap = heap, .interp = interp_index, .check_prev = !it->collecting};
	uint64_t base = gc_state + (uint64_t)RS_OFF(l, gc_generations);
	bool incremental = l->gc_kind == RS_GC_INCREMENTAL;
	it->n_generations = 3;
	for (unsigned g = 0; g < 3; g++) {
		uint64_t head = base + g * (uint64_t)RS_OFF(l, gc_generation_size);
		w.gen = &it->generations[g];
		w.generation = (uint8_t)g;
		err = generation_walk(&w, head, incremental ? incremental_names[g] : generational_names[g]);
		if (err)
			return err;
	}
	w.gen = &it->permanent;
	w.generation = RS_GENERATION_PERMANENT;
	if (RS_OFF(l, gc_permanent) < 0) { /* 3.6: no gc.freeze() */
		it->permanent.name = "permanent";
		return NULL;
	}
	return generation_walk(&w, gc_state + (uint64_t)RS_OFF(l, gc_permanent), "permanent");
}
