#include "graph.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../objects/object_size.h"
#include "graph_decode.h"
#include "../util/huge_pages.h"

#define PROGRESS_EVERY (1u << 20)
#define INTERRUPT_EVERY (1u << 16)
#define OBJECTS_MAX (UINT32_MAX - 1)
#define EDGES_MAX UINT32_MAX /* edge_start holds 32-bit offsets */

#define PENDING_BATCH 256

/* A reference seen, its target not yet looked up. */
struct pending_edge {
	uint64_t referent;
	uint64_t edge;
	uint32_t source;
	bool conservative;
};

struct build {
	struct rs_memory *mem;
	const struct rs_python *py;
	struct rs_heap *heap;
	struct rs_graph *g;
	uint32_t source;
	bool out_of_memory;      /* or past EDGES_MAX, when too_many_edges */
	bool too_many_edges;
	uint64_t edges_dropped;  /* references to what is not an object, cut out at the end */
	struct pending_edge pending[PENDING_BATCH];
	uint32_t n_pending;
	/* How far the helper was asked to fault edges and edge_start in. */
	struct rs_prefault_array edges_asked, starts_asked;
};

static bool grow_u32(uint32_t **array, uint64_t *capacity, uint64_t needed)
{
	if (needed <= *capacity)
		return true;
	uint64_t cap = *capacity ? *capacity : 65536;
	while (cap < needed)
		cap *= 2;
	uint32_t *grown = rs_huge_array_resize(*array, *capacity * sizeof(**array), cap * sizeof(**array));
	if (!grown)
		return false;
	*array = grown;
	*capacity = cap;
	return true;
}

/* The bits of edges [0, cap), those past old clear. Most heaps have no
 * conservative edge: the bits are made for the first one. */
static bool conservative_grow(struct rs_graph *g, uint64_t old, uint64_t cap)
{
	uint64_t *bits = realloc(g->conservative, (cap / 64) * sizeof(*bits));
	if (!bits)
		return false;
	memset(bits + old / 64, 0, (cap - old) / 64 * sizeof(*bits));
	g->conservative = bits;
	return true;
}

static bool edges_reserve(struct build *b)
{
	struct rs_graph *g = b->g;
	if (g->n_edges < g->edges_capacity) {
		rs_prefault_track(b->heap->prefault, &b->edges_asked, g->edges, g->n_edges * sizeof(*g->edges),
				  g->edges_capacity * sizeof(*g->edges));
		return true;
	}
	rs_prefault_quiesce(b->heap->prefault);
	uint64_t cap = g->edges_capacity ? 2 * g->edges_capacity : 1u << 18;
	uint32_t *edges = rs_huge_array_resize(g->edges, g->edges_capacity * sizeof(*edges), cap * sizeof(*edges));
	if (!edges)
		return false;
	g->edges = edges;
	if (g->conservative && !conservative_grow(g, g->edges_capacity, cap))
		return false;
	g->edges_capacity = cap;
	return true;
}

/* An object the walk did not see: checked (its type must be a readable type
 * object) and appended, untracked. */
static uint32_t object_adopt(struct build *b, uint64_t address)
{
	struct rs_heap *heap = b->heap;
	uint64_t header[3]; /* ob_refcnt, ob_type, ob_size */
	uint64_t head = address + RS_HEAD(&b->py->layout);
	rs_error *err = rs_mem_read(b->mem, head, header, sizeof(header));
	if (err) {
		rs_error_free(err);
		err = rs_mem_read(b->mem, head, header, 16);
		header[2] = 0;
	}
	if (err) {
		rs_error_free(err);
		return RS_NO_INDEX;
	}
	uint32_t type = rs_type_table_lookup(&heap->types, b->mem, b->py, header[1]);
	if (type == UINT32_MAX) {
		b->out_of_memory = true;
		return RS_NO_INDEX;
	}
	const struct rs_type_info *info = &heap->types.types[type];
	if (!info->readable || heap->n_objects >= OBJECTS_MAX)
		return RS_NO_INDEX;
	if (!rs_heap_objects_reserve(heap)) {
		b->out_of_memory = true;
		return RS_NO_INDEX;
	}
	struct rs_object *o = &heap->objects[heap->n_objects];
	if (!rs_object_init(o, &b->py->layout, b->mem->diag, address, header[0], type,
			    (uint16_t)heap->objects[b->source].interp, RS_GENERATION_UNTRACKED))
		return RS_NO_INDEX;
	uint32_t size32 = 0;
	uint8_t size_flags = 0;
	rs_object_size_record(b->mem, &b->py->layout, info, heap->types.names + info->name_offset, address,
			      (int64_t)header[2], &size32, &size_flags);
	o->size = size32;
	o->flags |= size_flags;
	uint32_t index = (uint32_t)heap->n_objects++;
	if (!rs_address_index_put(&b->g->index, address, index)) {
		b->out_of_memory = true;
		return RS_NO_INDEX;
	}
	return index;
}

static void pending_resolve(struct build *b, const struct pending_edge *p)
{
	uint32_t target = rs_address_index_get(&b->g->index, p->referent);
	if (target == RS_NO_INDEX) {
		b->source = p->source;
		if (!(p->referent & 7)) /* CPython aligns every object to 8 bytes at least */
			target = object_adopt(b, p->referent);
		/* A conservative scan asked is_known: what it found looked like an object. */
		if (target == RS_NO_INDEX && !b->out_of_memory && !p->conservative)
			rs_diag_add(b->mem->diag, "object at 0x%" PRIx64 " (%s) refers to 0x%" PRIx64
				    ", which is not an object; reference left out", (uint64_t)b->heap->objects[p->source].address,
				    b->heap->types.names + b->heap->types.types[b->heap->objects[p->source].type].name_offset,
				    p->referent);
	}
	if (target == RS_NO_INDEX)
		b->edges_dropped++;
	b->g->edges[p->edge] = target;
}

/* Edges are resolved a batch at a time so that cache misses overlap: index
 * slots are prefetched a few lookups ahead, and the headers of objects to
 * adopt are prefetched before any is read. */
#define PREFETCH_AHEAD 16

static void pending_flush(struct build *b)
{
	const struct rs_address_index *ix = &b->g->index;
	uint32_t n = b->n_pending, n_missing = 0;
	for (uint32_t i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rs_address_index_prefetch(ix, b->pending[i].referent);
	for (uint32_t i = 0; i < n; i++) {
		struct pending_edge *p = &b->pending[i];
		if (i + PREFETCH_AHEAD < n)
			rs_address_index_prefetch(ix, b->pending[i + PREFETCH_AHEAD].referent);
		uint32_t target = rs_address_index_get(ix, p->referent);
		b->g->edges[p->edge] = target;
		if (target == RS_NO_INDEX) {
			rs_mem_prefetch(b->mem, p->referent);
			b->pending[n_missing++] = *p;
		}
	}
	for (uint32_t i = 0; i < n_missing && !b->out_of_memory; i++)
		pending_resolve(b, &b->pending[i]);
	b->n_pending = 0;
}

static void on_reference(void *arg, uint64_t referent, enum rs_via_kind kind, uint64_t detail)
{
	(void)detail;
	struct build *b = arg;
	struct rs_graph *g = b->g;
	if (b->out_of_memory)
		return;
	if (g->n_edges >= EDGES_MAX) {
		b->too_many_edges = b->out_of_memory = true;
		return;
	}
	if (!edges_reserve(b)) {
		b->out_of_memory = true;
		return;
	}
	bool conservative = kind == RS_VIA_CONSERVATIVE;
	if (conservative && !g->conservative && !conservative_grow(g, 0, g->edges_capacity)) {
		b->out_of_memory = true;
		return;
	}
	if (conservative)
		g->conservative[g->n_edges / 64] |= 1ull << (g->n_edges % 64);
	b->pending[b->n_pending++] = (struct pending_edge){referent, g->n_edges++, b->source, conservative};
	if (b->n_pending == PENDING_BATCH)
		pending_flush(b);
}

#define REFCNT_PLAUSIBLE (1ull << 48)

/* The builtin types of the untracked objects a C type holds. The graph may
 * not have met them yet when the scan of an early object asks: an
 * _ElementUnicodeResult among the first gc objects held the only reference
 * to its attribute name, a str. */
static bool untracked_builtin_type(const struct rs_python *py, uint64_t type)
{
	static const int kinds[] = {RS_SYM_PyUnicode_Type, RS_SYM_PyLong_Type, RS_SYM_PyFloat_Type,
				    RS_SYM_PyBytes_Type, RS_SYM_PyTuple_Type, RS_SYM_PyFrozenSet_Type,
				    RS_SYM_PyDict_Type};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (py->symbols[kinds[i]] && type == py->symbols[kinds[i]])
			return true;
	return false;
}

/* For conservative scans: an object the graph has, or one it has not met
 * yet that looks like one (an untracked str or int only a C type holds):
 * aligned as allocators align objects, a plausible reference count, and a
 * type met already. */
static bool is_known(void *arg, uint64_t address)
{
	const struct rs_graph *g = arg;
	if (rs_address_index_get(&g->index, address) != RS_NO_INDEX)
		return true;
	uint64_t header[2];
	if (address & 15)
		return false;
	rs_error *err = rs_mem_read(g->model.mem, address + RS_HEAD(&g->model.py->layout), header, sizeof(header));
	rs_error_free(err);
	if (err || header[0] == 0 || header[0] >= REFCNT_PLAUSIBLE)
		return false;
	uint32_t type = rs_type_table_find(g->model.types, header[1]);
	if (type != UINT32_MAX)
		return g->model.types->types[type].readable;
	return untracked_builtin_type(g->model.py, header[1]);
}

static uint64_t object_address(const void *heap, uint32_t index)
{
	return ((const struct rs_heap *)heap)->objects[index].address;
}

/* Done with the build's lookups: the index takes half the memory. */
static void index_compact(struct rs_address_index *ix, const struct rs_heap *heap)
{
	rs_address_index_compact(ix, (struct rs_address_keys){object_address, heap});
}

static bool index_fill(struct rs_address_index *ix, const struct rs_heap *heap)
{
	for (size_t i = 0; i < heap->n_objects; i++) {
		if (i + PREFETCH_AHEAD < heap->n_objects)
			rs_address_index_prefetch(ix, heap->objects[i + PREFETCH_AHEAD].address);
		/* A list node masked to 4 bytes (a corrupt link) is walked, never pointed to. */
		if (!(heap->objects[i].address & 7) && !rs_address_index_put(ix, heap->objects[i].address, (uint32_t)i))
			return false;
	}
	return true;
}

/* Every object into a fresh index, each window's table sized for per_object
 * entries per object of it, compact when asked. The helper thread, when
 * there is one, faults the tables in while they fill; it is done with them
 * when this returns. */
static bool index_objects(struct rs_address_index *ix, const struct rs_heap *heap, uint64_t per_object,
			  bool compact)
{
	rs_address_index_init(ix);
	if (compact)
		index_compact(ix, heap);
	for (size_t i = 0; i < heap->n_objects; i++)
		if (!rs_address_index_expect(ix, heap->objects[i].address, per_object))
			return false;
	if (!rs_address_index_size(ix))
		return false;
	for (size_t t = 0; t < ix->n_tables; t++)
		rs_prefault_ask(heap->prefault, ix->tables[t].slots ? (void *)ix->tables[t].slots : ix->tables[t].values,
				ix->tables[t].bytes);
	bool done = index_fill(ix, heap);
	rs_prefault_quiesce(heap->prefault);
	return done;
}

/* Untracked objects (strings, numbers, untracked containers) are about as
 * many as tracked ones in the heaps we measured: the index is sized for
 * both at once, so that it rarely has to grow. */
static rs_error *index_tracked(struct rs_graph *g, const struct rs_heap *heap)
{
	return index_objects(&g->index, heap, 2, false) ? NULL : rs_error_nomem();
}

void rs_graph_index_release(struct rs_graph *g)
{
	rs_address_index_free(&g->index);
	g->index_released = true;
}

bool rs_graph_index_restore(struct rs_graph *g, const struct rs_heap *heap)
{
	if (!g->index_released)
		return true;
	if (!index_objects(&g->index, heap, 1, true)) {
		rs_address_index_free(&g->index);
		return false;
	}
	g->index_released = false;
	return true;
}

static rs_error *build_failure(const struct build *b)
{
	if (b->too_many_edges)
		return rs_error_new(RS_ERR_UNSUPPORTED, "the heap holds more than %" PRIu64 " references, more than "
				    "refscope's graph can index", (uint64_t)EDGES_MAX);
	return rs_error_nomem();
}

static bool object_begin(struct build *b, uint64_t i)
{
	struct rs_graph *g = b->g;
	if (i + 2 > g->edge_start_capacity)
		rs_prefault_quiesce(b->heap->prefault);
	if (!grow_u32(&g->edge_start, &g->edge_start_capacity, i + 2))
		return false;
	rs_prefault_track(b->heap->prefault, &b->starts_asked, g->edge_start, (i + 1) * sizeof(*g->edge_start),
			  g->edge_start_capacity * sizeof(*g->edge_start));
	g->edge_start[i] = (uint32_t)g->n_edges;
	b->source = (uint32_t)i;
	return true;
}

static rs_error *object_traverse(struct build *b, uint64_t i)
{
	struct rs_graph *g = b->g;
	if (!object_begin(b, i))
		return rs_error_nomem();
	rs_error *err = rs_object_traverse(&g->model, b->heap->objects[i].address, b->heap->objects[i].type,
					   on_reference, b);
	const struct rs_object *o = &b->heap->objects[i]; /* the array may have moved */
	if (b->out_of_memory) {
		rs_error_free(err);
		return build_failure(b);
	}
	if (err) {
		rs_diag_add(b->mem->diag, "object at 0x%" PRIx64 " (%s): references cut short: %s", (uint64_t)o->address,
			    b->heap->types.names + b->heap->types.types[o->type].name_offset, rs_error_message(err));
		rs_error_free(err);
	}
	return NULL;
}

/* Takes out the edges whose referent turned out not to be an object. */
static void edges_compact(struct rs_graph *g, uint64_t n_objects)
{
	uint64_t kept = 0, edge = 0;
	for (uint64_t i = 0; i < n_objects; i++) {
		uint64_t end = g->edge_start[i + 1];
		g->edge_start[i] = (uint32_t)kept;
		for (; edge < end; edge++) {
			if (g->edges[edge] == RS_NO_INDEX)
				continue;
			if (g->conservative) {
				bool conservative = rs_graph_edge_conservative(g, edge);
				g->conservative[kept / 64] &= ~(1ull << (kept % 64));
				g->conservative[kept / 64] |= (uint64_t)conservative << (kept % 64);
			}
			g->edges[kept++] = g->edges[edge];
		}
	}
	g->edge_start[n_objects] = (uint32_t)kept;
	g->n_edges = kept;
}

#define OBJECT_PREFETCH_AHEAD 8

static rs_error *object_done(struct build *b, uint64_t i)
{
	if (i % INTERRUPT_EVERY == 0 && rs_interrupt_requested())
		return rs_error_new(RS_ERR_INTERRUPTED, "interrupted after %" PRIu64 " of %zu objects", i,
				    b->heap->n_objects);
	if (b->heap->progress && i % PROGRESS_EVERY == PROGRESS_EVERY - 1)
		b->heap->progress(i + 1, b->heap->progress_arg);
	return NULL;
}

/* An object the decoder thread traversed: its referents, taken as if its
 * traversal were visiting them now. */
static rs_error *object_replay(struct build *b, uint64_t i, const uint64_t *refs, uint32_t n)
{
	if (!object_begin(b, i))
		return rs_error_nomem();
	for (uint32_t k = 0; k < n; k++)
		on_reference(b, refs[k], RS_VIA_FIELD, 0);
	return b->out_of_memory ? build_failure(b) : NULL;
}

static rs_error *chunk_traverse(struct build *b, const struct rs_decoded_chunk *c)
{
	const uint64_t *refs = c->refs;
	for (uint64_t k = 0; k < c->count; k++) {
		uint64_t i = c->first + k;
		rs_error *err;
		if (!c->decoded || c->n_refs[k] == RS_DECODE_AGAIN) {
			if (!c->decoded && k + OBJECT_PREFETCH_AHEAD < c->count)
				rs_mem_prefetch(b->mem, b->heap->objects[i + OBJECT_PREFETCH_AHEAD].address);
			err = object_traverse(b, i);
		} else {
			err = object_replay(b, i, refs, c->n_refs[k]);
			refs += c->n_refs[k];
		}
		if (!err)
			err = object_done(b, i);
		if (err)
			return err;
	}
	return NULL;
}

/* Objects [first, end) with the decoder thread's help, when there is one;
 * *stop is where they stop (first when there is none). */
static rs_error *decoded_traverse(struct build *b, uint64_t first, uint64_t end, uint64_t *stop)
{
	struct rs_decoder *d = rs_decoder_start(&b->g->model, b->heap, first, end);
	*stop = first;
	if (!d)
		return NULL;
	struct rs_decoded_chunk c;
	rs_error *err = NULL;
	while (!err && rs_decoder_next(d, &c)) {
		err = chunk_traverse(b, &c);
		*stop = c.first + c.count;
		rs_decoder_chunk_done(d, b->heap);
	}
	rs_decoder_stop(d);
	return err;
}

/* Objects adopted while resolving references are appended to the heap and
 * traversed in turn, until no reference brings a new one. */
static rs_error *graph_traverse_all(struct build *b)
{
	struct rs_graph *g = b->g;
	uint64_t i = 0, stop = 0;
	rs_error *err = NULL;
	/* The tracked objects, then in rounds those adopted meanwhile, while
	 * the decoder thread takes them. */
	do {
		i = stop;
		pending_flush(b); /* what it adopts joins this round */
		if (b->out_of_memory)
			return build_failure(b);
		err = decoded_traverse(b, i, b->heap->n_objects, &stop);
		if (err)
			return err;
	} while (stop > i);
	do {
		for (; i < b->heap->n_objects; i++) {
			if (i + OBJECT_PREFETCH_AHEAD < b->heap->n_objects)
				rs_mem_prefetch(b->mem, b->heap->objects[i + OBJECT_PREFETCH_AHEAD].address);
			err = object_traverse(b, i);
			if (!err)
				err = object_done(b, i);
			if (err)
				return err;
		}
		pending_flush(b);
		if (b->out_of_memory)
			return build_failure(b);
		rs_prefault_quiesce(b->heap->prefault);
		if (!grow_u32(&g->edge_start, &g->edge_start_capacity, b->heap->n_objects + 1))
			return rs_error_nomem();
	} while (i < b->heap->n_objects);
	g->edge_start[b->heap->n_objects] = (uint32_t)g->n_edges;
	if (b->edges_dropped)
		edges_compact(g, b->heap->n_objects);
	g->objects_reached = b->heap->n_objects;
	return NULL;
}

rs_error *rs_graph_build(struct rs_memory *mem, const struct rs_python *py, struct rs_heap *heap,
			 struct rs_graph **out)
{
	struct rs_graph *g = calloc(1, sizeof(*g));
	if (!g)
		return rs_error_nomem();
	size_t walked = heap->n_objects;
	g->objects_tracked = heap->n_objects;
	heap->prefault = rs_prefault_start();
	heap->objects_asked = (struct rs_prefault_array){heap->n_objects * sizeof(*heap->objects)};
	rs_error *err = index_tracked(g, heap);
	if (!err) {
		rs_objmodel_init(&g->model, mem, py, &heap->types);
		g->model.is_known = is_known;
		g->model.is_known_arg = g;
		struct build *b = calloc(1, sizeof(*b));
		if (!b)
			err = rs_error_nomem();
		else {
			*b = (struct build){.mem = mem, .py = py, .heap = heap, .g = g};
			err = graph_traverse_all(b);
			free(b);
		}
	}
	rs_prefault_stop(heap->prefault);
	heap->prefault = NULL;
	if (!err)
		index_compact(&g->index, heap);
	if (!err && mem->gone)
		err = rs_error_new(RS_ERR_NOT_FOUND, "process %d exited while being read", (int)mem->pid);
	if (err) {
		heap->n_objects = walked; /* forget what a cut-short build adopted: the heap is as walked */
		rs_graph_free(g);
		return err;
	}
	rs_type_table_finish(&heap->types);
	*out = g;
	return NULL;
}

void rs_graph_free(struct rs_graph *g)
{
	if (!g)
		return;
	rs_address_index_free(&g->index);
	rs_huge_array_free(g->edge_start, g->edge_start_capacity * sizeof(*g->edge_start));
	rs_huge_array_free(g->edges, g->edges_capacity * sizeof(*g->edges));
	free(g->conservative);
	free(g);
}

uint32_t rs_graph_adopt(struct rs_graph *g, struct rs_memory *mem, const struct rs_python *py,
			struct rs_heap *heap, uint64_t address)
{
	if (heap->n_objects == 0 || (address & 7) || !rs_graph_index_restore(g, heap))
		return RS_NO_INDEX;
	struct build b = {.mem = mem, .py = py, .heap = heap, .g = g};
	uint32_t index = object_adopt(&b, address);
	if (index == RS_NO_INDEX)
		return index;
	if (!grow_u32(&g->edge_start, &g->edge_start_capacity, heap->n_objects + 1)) {
		heap->n_objects--; /* keep edge_start covering every object */
		return RS_NO_INDEX;
	}
	g->edge_start[heap->n_objects] = (uint32_t)g->n_edges;
	rs_type_table_finish(&heap->types);
	return index;
}
