/* What gc.collect() would free now, computed the way CPython's collector
 * does it (Python/gc.c, "the cycle GC algorithm"):
 *
 *  1. Every tracked object outside the permanent generation takes part; its
 *     gc_refs start at its reference count.
 *  2. For each reference from one such object to another, the target's
 *     gc_refs drop by one. What is left counts references from outside the
 *     collected set: C code, the stack, untracked or frozen objects.
 *  3. Objects with gc_refs > 0 are alive, and so is everything they reach.
 *  4. The rest is unreachable: garbage.
 *
 * References found by a conservative scan (the body of a C type refscope
 * cannot decode) are counted as its tp_traverse would count them: that
 * traverse visits the object pointers the body holds, which is what the
 * scan finds. A pointer the scan finds that the traverse would not visit (a
 * borrowed or stale one) makes its target look less referenced than it is,
 * so the algorithm runs a second time with conservative references never
 * subtracted nor followed: what is garbage then is certain; the rest is
 * garbage only thanks to a conservative reference (rs_garbage.uncertain).
 * The garbage is then split into connected groups, and each object's
 * finalizer is named (CPython runs tp_finalize / __del__ once, treats
 * legacy tp_del objects as uncollectable, and calls the callbacks of live
 * weakrefs to garbage). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../graph/graph.h"
#include "../target.h"
#include "../util/huge_pages.h"

#define FINALIZED_BIT 1 /* _gc_prev bit 0 (3.8+), gc_refs bit 0 (3.6, 3.7) */
#define HAVE_FINALIZE (1ul << 0) /* Py_TPFLAGS_HAVE_FINALIZE, which only 3.6 and 3.7 read */
#define WEAKREF_LIST_MAX 100000

struct collect {
	rs_target *target;
	rs_heap *heap;
	const struct rs_graph *g;
	uint64_t n;              /* tracked objects: indices [0, n) */
	int32_t *gc_refs;        /* saturated: see refs_start */
	uint64_t *collected;     /* bit per tracked object: not in the permanent generation */
	uint64_t *alive;         /* bit per object */
	uint32_t *work;
	struct type_finalizer *finalizers; /* per type, as first met among the garbage */
};

static bool bit(const uint64_t *bits, uint64_t i)
{
	return (bits[i / 64] >> (i % 64)) & 1;
}

static void bit_set(uint64_t *bits, uint64_t i)
{
	bits[i / 64] |= 1ull << (i % 64);
}

/* A bit, not the object's generation: it is asked for every reference,
 * and the bits of a heap fit in the cache where its objects do not. */
static bool collected(const struct collect *c, uint32_t i)
{
	return i < c->n && bit(c->collected, i);
}

/* Only the sign of gc_refs matters, so 32 bits hold it, the size of a
 * heap's worth being memory: a count of INT32_MAX or more stays there (its
 * object a root, as it would be unless 2^31 references from collected
 * objects cancelled it), and a corrupt negative count starts at 0, which
 * makes no root either. */
static int32_t refs_start(int64_t refcnt)
{
	return refcnt >= INT32_MAX ? INT32_MAX : refcnt < 0 ? 0 : (int32_t)refcnt;
}

static void refs_drop(int32_t *refs)
{
	if (*refs != INT32_MAX && *refs != INT32_MIN)
		(*refs)--;
}

/* Returns how many conservative references between collected objects it
 * met: none, and a run that leaves them out would find the same. */
static uint64_t refs_subtract(struct collect *c, bool with_conservative)
{
	const struct rs_graph *g = c->g;
	uint64_t conservative = 0;
	for (uint32_t i = 0; i < c->n; i++)
		c->gc_refs[i] = refs_start(c->heap->objects[i].refcnt);
	for (uint32_t i = 0; i < c->n; i++) {
		if (!collected(c, i))
			continue;
		for (uint64_t e = g->edge_start[i]; e < g->edge_start[i + 1]; e++) {
			if (!collected(c, g->edges[e]))
				continue;
			if (rs_graph_edge_conservative(g, e)) {
				conservative++;
				if (!with_conservative)
					continue;
			}
			refs_drop(&c->gc_refs[g->edges[e]]);
		}
	}
	return conservative;
}

/* The roots: what is referred to from outside the collected set. */
static void roots_mark(struct collect *c)
{
	for (uint32_t i = 0; i < c->n; i++)
		if (!collected(c, i) || c->gc_refs[i] > 0 || (c->heap->objects[i].flags & RS_IMMORTAL))
			bit_set(c->alive, i);
}

static void alive_mark(struct collect *c, bool with_conservative)
{
	const struct rs_graph *g = c->g;
	uint64_t top = 0;
	for (uint32_t i = 0; i < c->n; i++)
		if (bit(c->alive, i))
			c->work[top++] = i;
	while (top > 0) {
		uint32_t v = c->work[--top];
		for (uint64_t e = g->edge_start[v]; e < g->edge_start[v + 1]; e++) {
			uint32_t w = g->edges[e];
			/* Without them, a conservative edge was not subtracted: its target is a root already. */
			if (w < c->n && !bit(c->alive, w) && (with_conservative || !rs_graph_edge_conservative(g, e))) {
				bit_set(c->alive, w);
				c->work[top++] = w;
			}
		}
	}
}

/* One run of the algorithm into c->alive; *conservative counts the
 * conservative references between collected objects. gc_refs is freed once
 * the roots are marked, before the work stack is taken, and the work stack
 * when done, so that no two per-object arrays are held together. */
static rs_error *alive_compute(struct collect *c, bool with_conservative, uint64_t *conservative)
{
	size_t words = c->heap->n_objects / 64 + 1;
	memset(c->alive, 0, words * sizeof(uint64_t));
	c->gc_refs = malloc(c->n * sizeof(*c->gc_refs) + 1);
	if (!c->gc_refs)
		return rs_error_nomem();
	rs_huge_pages_advise(c->gc_refs, c->n * sizeof(*c->gc_refs));
	*conservative = refs_subtract(c, with_conservative);
	roots_mark(c);
	free(c->gc_refs);
	c->gc_refs = NULL;
	if (!(c->work = malloc(c->n * sizeof(*c->work) + 1)))
		return rs_error_nomem();
	rs_huge_pages_advise(c->work, c->n * sizeof(*c->work));
	alive_mark(c, with_conservative);
	free(c->work);
	c->work = NULL;
	return NULL;
}

/* ---- groups: union-find over references between garbage objects ---- */

static uint32_t root_of(uint32_t *parent, uint32_t v)
{
	while (parent[v] != v) {
		parent[v] = parent[parent[v]];
		v = parent[v];
	}
	return v;
}

/* Garbage objects numbered in object order, from a count of them before
 * each word of the bitmap: what takes a number per garbage object, not per
 * tracked one. */
static uint32_t *garbage_ranks(const struct collect *c, const struct rs_garbage *out)
{
	size_t words = c->n / 64 + 1;
	uint32_t *before = malloc(words * sizeof(*before));
	if (!before)
		return NULL;
	uint32_t count = 0;
	for (size_t w = 0; w < words; w++) {
		before[w] = count;
		count += (uint32_t)__builtin_popcountll(out->unreachable[w]);
	}
	return before;
}

static uint32_t garbage_rank(const uint32_t *before, const struct rs_garbage *out, uint32_t i)
{
	uint64_t below = out->unreachable[i / 64] & ((1ull << (i % 64)) - 1);
	return before[i / 64] + (uint32_t)__builtin_popcountll(below);
}

/* Garbage that is garbage only when conservative references count: what
 * a second run, conservative references neither subtracted nor followed,
 * finds alive. Found without that run: the live objects of the first
 * refer to no garbage, so a garbage object the second run keeps is kept
 * from within the garbage, from one whose count the non-conservative
 * references from the garbage (its only referrers among the collected
 * objects) no longer explain. Those, and what they reach by
 * non-conservative references, are the uncertain ones. */
static rs_error *uncertain_find(struct collect *c, struct rs_garbage *out)
{
	const struct rs_graph *g = c->g;
	uint32_t *before = garbage_ranks(c, out);
	int32_t *refs = rs_huge_malloc(out->objects * sizeof(*refs) + 1);
	uint32_t *work = rs_huge_malloc(out->objects * sizeof(*work) + 1);
	if (!before || !refs || !work) {
		free(before);
		free(refs);
		free(work);
		return rs_error_nomem();
	}
	for (uint32_t i = 0; i < c->n; i++)
		if (rs_garbage_contains(out, i))
			refs[garbage_rank(before, out, i)] = refs_start(c->heap->objects[i].refcnt);
	for (uint32_t i = 0; i < c->n; i++) {
		if (!rs_garbage_contains(out, i))
			continue;
		for (uint64_t e = g->edge_start[i]; e < g->edge_start[i + 1]; e++) {
			uint32_t w = g->edges[e];
			if (w < c->n && rs_garbage_contains(out, w) && !rs_graph_edge_conservative(g, e))
				refs_drop(&refs[garbage_rank(before, out, w)]);
		}
	}
	uint64_t top = 0;
	for (uint32_t i = 0; i < c->n; i++) {
		if (rs_garbage_contains(out, i) && refs[garbage_rank(before, out, i)] > 0) {
			bit_set(out->uncertain, i);
			work[top++] = i;
		}
	}
	while (top > 0) {
		uint32_t v = work[--top];
		for (uint64_t e = g->edge_start[v]; e < g->edge_start[v + 1]; e++) {
			uint32_t w = g->edges[e];
			if (w < c->n && rs_garbage_contains(out, w) && !bit(out->uncertain, w) &&
			    !rs_graph_edge_conservative(g, e)) {
				bit_set(out->uncertain, w);
				work[top++] = w;
			}
		}
	}
	for (size_t w = 0; w < c->n / 64 + 1; w++)
		out->objects_certain -= (size_t)__builtin_popcountll(out->uncertain[w]);
	free(before);
	free(refs);
	free(work);
	return NULL;
}

static rs_error *groups_build(struct collect *c, struct rs_garbage *out)
{
	const struct rs_graph *g = c->g;
	uint32_t *parent = malloc(c->n * sizeof(*parent) + 1);
	if (!parent)
		return rs_error_nomem();
	rs_huge_pages_advise(parent, c->n * sizeof(*parent));
	for (uint32_t i = 0; i < c->n; i++)
		parent[i] = i;
	for (uint32_t i = 0; i < c->n; i++) {
		if (!rs_garbage_contains(out, i))
			continue;
		for (uint64_t e = g->edge_start[i]; e < g->edge_start[i + 1]; e++) {
			uint32_t w = g->edges[e];
			if (w < c->n && rs_garbage_contains(out, w))
				parent[root_of(parent, i)] = root_of(parent, w);
		}
	}
	/* Number the groups in order of their first member, then place members.
	 * A group's number is kept at its root's rank among the garbage. */
	uint32_t *before = garbage_ranks(c, out);
	uint32_t *group = rs_huge_malloc(out->objects * sizeof(*group) + 1);
	out->groups.members = malloc(out->objects * sizeof(uint32_t) + 1);
	uint64_t *fill = NULL;
	rs_error *err = NULL;
	if (!before || !group || !out->groups.members) {
		err = rs_error_nomem();
		goto done;
	}
	rs_huge_pages_advise(out->groups.members, out->objects * sizeof(uint32_t));
	size_t count = 0;
	for (uint64_t k = 0; k < out->objects; k++)
		group[k] = UINT32_MAX;
	for (uint32_t i = 0; i < c->n; i++) {
		if (!rs_garbage_contains(out, i))
			continue;
		uint32_t root = garbage_rank(before, out, root_of(parent, i));
		if (group[root] == UINT32_MAX)
			group[root] = (uint32_t)count++;
	}
	out->groups.start = calloc(count + 1, sizeof(uint64_t));
	fill = calloc(count + 1, sizeof(uint64_t));
	if (!out->groups.start || !fill) {
		err = rs_error_nomem();
		goto done;
	}
	for (uint32_t i = 0; i < c->n; i++)
		if (rs_garbage_contains(out, i))
			out->groups.start[group[garbage_rank(before, out, root_of(parent, i))] + 1]++;
	for (size_t k = 0; k < count; k++)
		out->groups.start[k + 1] += out->groups.start[k];
	for (uint32_t i = 0; i < c->n; i++) {
		if (!rs_garbage_contains(out, i))
			continue;
		uint32_t k = group[garbage_rank(before, out, root_of(parent, i))];
		out->groups.members[out->groups.start[k] + fill[k]++] = i;
	}
	out->groups.count = count;
done:
	free(fill);
	free(group);
	free(before);
	free(parent);
	return err;
}

/* ---- finalizers ---- */

static uint64_t read_word(struct rs_memory *mem, uint64_t address)
{
	uint64_t value = 0;
	rs_error *err = rs_mem_read_u64(mem, address, &value);
	rs_error_free(err);
	return err ? 0 : value;
}

/* A weakref to obj whose callback will run: the weakref itself survives. */
static bool weakref_callback_pending(struct collect *c, uint32_t i, int64_t weaklistoffset)
{
	struct rs_memory *mem = c->target->mem;
	uint64_t ref = read_word(mem, c->heap->objects[i].address + (uint64_t)weaklistoffset);
	uint64_t head = RS_HEAD(&c->target->py.layout);
	for (int n = 0; ref && n < WEAKREF_LIST_MAX; n++) {
		uint64_t callback = read_word(mem, ref + head + 24); /* wr_callback */
		uint32_t ref_index = rs_address_index_get(&c->g->index, ref);
		bool ref_dies = ref_index != RS_NO_INDEX && ref_index < c->n && !bit(c->alive, ref_index);
		if (callback && !ref_dies)
			return true;
		ref = read_word(mem, ref + head + 48); /* wr_next */
	}
	return false;
}

/* What a type's slots say of its objects' finalizers, read once a type. */
struct type_finalizer {
	bool known;
	bool tp_del;
	enum rs_finalizer finalize; /* what an object not finalized yet runs, or none */
	int64_t weaklistoffset;
};

static const struct type_finalizer *type_finalizer(struct collect *c, uint32_t type_index)
{
	struct type_finalizer *f = &c->finalizers[type_index];
	if (f->known)
		return f;
	const struct rs_layout *l = &c->target->py.layout;
	struct rs_memory *mem = c->target->mem;
	rs_type_classify(&c->heap->graph->model, type_index);
	const struct rs_type_info *type = &c->heap->types.types[type_index];
	uint64_t t = type->public.address;
	*f = (struct type_finalizer){.known = true, .finalize = RS_FINALIZER_NONE};
	f->tp_del = read_word(mem, t + (uint64_t)RS_OFF(l, type_del)) != 0;
	uint64_t finalize = read_word(mem, t + (uint64_t)RS_OFF(l, type_finalize));
	if (l->minor <= 7 && !(type->public.flags & HAVE_FINALIZE))
		finalize = 0; /* 3.6 and 3.7 call tp_finalize only for types that say they have one */
	if (finalize) {
		/* A Python class inherits its C base's tp_finalize (socket.socket) unless it defines __del__. */
		bool c_finalizer = finalize == read_word(mem, type->c_base + (uint64_t)RS_OFF(l, type_finalize));
		f->finalize = type->subtype && !c_finalizer ? RS_FINALIZER_DEL : RS_FINALIZER_TP_FINALIZE;
	}
	f->weaklistoffset = (int64_t)read_word(mem, t + (uint64_t)RS_OFF(l, type_weaklistoffset));
	return f;
}

static enum rs_finalizer finalizer_of(struct collect *c, uint32_t i)
{
	const struct rs_layout *l = &c->target->py.layout;
	const struct rs_object *o = &c->heap->objects[i];
	const struct type_finalizer *f = type_finalizer(c, o->type);
	if (f->tp_del)
		return RS_FINALIZER_TP_DEL;
	if (f->finalize != RS_FINALIZER_NONE) {
		/* The bit is in _gc_prev, or in 3.7 in gc_refs. */
		int64_t bits = RS_OFF(l, gc_head_refs) >= 0 ? RS_OFF(l, gc_head_refs) : 8;
		uint64_t flags = read_word(c->target->mem, o->address - (uint64_t)RS_OFF(l, gc_head_size) + (uint64_t)bits);
		if (!(flags & FINALIZED_BIT))
			return f->finalize;
	}
	if (f->weaklistoffset != 0 && weakref_callback_pending(c, i, f->weaklistoffset))
		return RS_FINALIZER_WEAKREF_CALLBACK;
	return RS_FINALIZER_NONE;
}

/* How much of the garbage a finalizer can reach: the objects whose
 * finalizer will run, and what they refer to inside the garbage. Only
 * those can be resurrected, or freed by the finalizer's own doing. */
static rs_error *finalizer_reachable_count(struct collect *c, struct rs_garbage *out)
{
	const struct rs_graph *g = c->g;
	uint64_t *seen = rs_huge_calloc(c->heap->n_objects / 64 + 1, sizeof(uint64_t));
	uint32_t *work = rs_huge_malloc(c->n * sizeof(*work) + 1);
	uint64_t top = 0;
	if (!seen || !work) {
		free(seen);
		free(work);
		return rs_error_nomem();
	}
	for (uint32_t i = 0; i < c->n; i++) {
		uint8_t f = out->finalizer[i];
		if (f == RS_FINALIZER_DEL || f == RS_FINALIZER_TP_FINALIZE || f == RS_FINALIZER_TP_DEL) {
			bit_set(seen, i);
			work[top++] = i;
		}
	}
	out->finalizer_reachable = top;
	while (top > 0) {
		uint32_t v = work[--top];
		for (uint64_t e = g->edge_start[v]; e < g->edge_start[v + 1]; e++) {
			uint32_t w = g->edges[e];
			if (w < c->n && rs_garbage_contains(out, w) && !bit(seen, w)) {
				bit_set(seen, w);
				work[top++] = w;
				out->finalizer_reachable++;
			}
		}
	}
	free(seen);
	free(work);
	return NULL;
}

/* The objects gc.collect() would free into out->unreachable, objects and
 * bytes; *conservative counts the conservative references between
 * collected objects. c->alive is left holding the objects alive. */
static rs_error *unreachable_find(struct collect *c, struct rs_garbage *out, uint64_t *conservative)
{
	rs_heap *heap = c->heap;
	size_t words = heap->n_objects / 64 + 1;
	c->alive = calloc(words, sizeof(uint64_t));
	c->collected = calloc(words, sizeof(uint64_t));
	out->unreachable = calloc(words, sizeof(uint64_t));
	out->uncertain = calloc(words, sizeof(uint64_t));
	out->finalizer = calloc(heap->n_objects + 1, 1);
	if (!c->alive || !c->collected || !out->unreachable || !out->uncertain || !out->finalizer)
		return rs_error_nomem();
	rs_huge_pages_advise(out->finalizer, heap->n_objects);
	for (uint32_t i = 0; i < c->n; i++)
		if (heap->objects[i].generation != RS_GENERATION_PERMANENT)
			bit_set(c->collected, i);
	rs_error *err = alive_compute(c, true, conservative);
	if (err)
		return err;
	for (uint32_t i = 0; i < c->n; i++) {
		if (bit(c->alive, i))
			continue;
		bit_set(out->unreachable, i);
		out->objects++;
		out->bytes += heap->objects[i].size;
	}
	out->objects_certain = out->objects;
	return NULL;
}

static void collect_free(struct collect *c)
{
	free(c->gc_refs);
	free(c->alive);
	free(c->collected);
	free(c->work);
	free(c->finalizers);
}

rs_error *rs_heap_garbage(rs_target *target, rs_heap *heap, struct rs_garbage *out)
{
	memset(out, 0, sizeof(*out));
	rs_error *err = rs_heap_graph_indexed(target, heap);
	if (err)
		return err;
	struct collect c = {target, heap, heap->graph, heap->graph->objects_tracked, NULL, NULL, NULL, NULL, NULL};
	uint64_t conservative = 0;
	if ((err = unreachable_find(&c, out, &conservative)))
		goto done;
	if (!(c.finalizers = calloc(heap->types.count + 1, sizeof(*c.finalizers)))) {
		err = rs_error_nomem();
		goto done;
	}
	for (uint32_t i = 0; i < c.n; i++)
		if (rs_garbage_contains(out, i))
			out->finalizer[i] = (uint8_t)finalizer_of(&c, i);
	if ((err = finalizer_reachable_count(&c, out)))
		goto done;
	if (conservative && out->objects && (err = uncertain_find(&c, out)))
		goto done;
	err = groups_build(&c, out);
done:
	collect_free(&c);
	if (err)
		rs_garbage_free(out);
	return err;
}

rs_error *rs_heap_unreachable(rs_target *target, rs_heap *heap, struct rs_garbage *out)
{
	memset(out, 0, sizeof(*out));
	rs_error *err = rs_heap_graph_build(target, heap);
	if (err)
		return err;
	struct collect c = {target, heap, heap->graph, heap->graph->objects_tracked, NULL, NULL, NULL, NULL, NULL};
	uint64_t conservative = 0;
	err = unreachable_find(&c, out, &conservative);
	collect_free(&c);
	if (err)
		rs_garbage_free(out);
	return err;
}

void rs_garbage_free(struct rs_garbage *garbage)
{
	rs_groups_free(&garbage->groups);
	free(garbage->finalizer);
	free(garbage->unreachable);
	free(garbage->uncertain);
	memset(garbage, 0, sizeof(*garbage));
}
