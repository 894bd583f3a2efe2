#include "graph.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../objects/object_size.h"

#define PROGRESS_EVERY (1u << 20)
#define INTERRUPT_EVERY (1u << 16)
#define OBJECTS_MAX (UINT32_MAX - 1)

struct build {
	struct rs_memory *mem;
	const struct rs_python *py;
	struct rs_heap *heap;
	struct rs_graph *g;
	uint32_t source;
	bool out_of_memory;
};

static bool grow_u64(uint64_t **array, uint64_t *capacity, uint64_t needed)
{
	if (needed <= *capacity)
		return true;
	uint64_t cap = *capacity ? *capacity : 65536;
	while (cap < needed)
		cap *= 2;
	uint64_t *grown = realloc(*array, cap * sizeof(**array));
	if (!grown)
		return false;
	*array = grown;
	*capacity = cap;
	return true;
}

static bool edge_add(struct build *b, uint32_t target, bool conservative)
{
	struct rs_graph *g = b->g;
	if (g->n_edges == g->edges_capacity) {
		uint64_t cap = g->edges_capacity ? 2 * g->edges_capacity : 1u << 18;
		uint32_t *edges = realloc(g->edges, cap * sizeof(*edges));
		uint64_t *bits = realloc(g->conservative, (cap / 64) * sizeof(*bits));
		if (edges)
			g->edges = edges;
		if (bits) {
			memset(bits + g->edges_capacity / 64, 0, (cap - g->edges_capacity) / 64 * sizeof(*bits));
			g->conservative = bits;
		}
		if (!edges || !bits)
			return false;
		g->edges_capacity = cap;
	}
	if (conservative)
		g->conservative[g->n_edges / 64] |= 1ull << (g->n_edges % 64);
	g->edges[g->n_edges++] = target;
	return true;
}

/* An object the walk did not see: checked (its type must be a readable type
 * object) and appended, untracked. */
static uint32_t object_adopt(struct build *b, uint64_t address)
{
	struct rs_heap *heap = b->heap;
	uint64_t header[3]; /* ob_refcnt, ob_type, ob_size */
	rs_error *err = rs_mem_read(b->mem, address, header, sizeof(header));
	if (err) {
		rs_error_free(err);
		err = rs_mem_read(b->mem, address, header, 16);
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
	if (heap->n_objects == heap->objects_capacity) {
		size_t cap = heap->objects_capacity ? 2 * heap->objects_capacity : 65536;
		struct rs_object *objects = realloc(heap->objects, cap * sizeof(*objects));
		if (!objects) {
			b->out_of_memory = true;
			return RS_NO_INDEX;
		}
		heap->objects = objects;
		heap->objects_capacity = cap;
	}
	uint64_t size = 0;
	err = rs_object_size(b->mem, &b->py->layout, info, address, (int64_t)header[2], &size);
	rs_error_free(err);
	struct rs_object *o = &heap->objects[heap->n_objects];
	memset(o, 0, sizeof(*o));
	o->address = address;
	o->refcnt = (int64_t)header[0];
	if (b->py->layout.immortal_refcounts && (int32_t)(uint32_t)header[0] < 0) {
		o->flags = RS_IMMORTAL;
		o->refcnt = (int64_t)(uint32_t)header[0];
	}
	o->type = type;
	o->size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
	o->interp = heap->objects[b->source].interp;
	o->generation = RS_GENERATION_UNTRACKED;
	uint32_t index = (uint32_t)heap->n_objects++;
	if (!rs_address_index_put(&b->g->index, address, index)) {
		b->out_of_memory = true;
		return RS_NO_INDEX;
	}
	return index;
}

static void on_reference(void *arg, uint64_t referent, enum rs_via_kind kind, uint64_t detail)
{
	(void)detail;
	struct build *b = arg;
	uint32_t target = rs_address_index_get(&b->g->index, referent);
	if (target == RS_NO_INDEX && kind != RS_VIA_CONSERVATIVE) {
		target = object_adopt(b, referent);
		if (target == RS_NO_INDEX && !b->out_of_memory)
			rs_diag_add(b->mem->diag, "object at 0x%" PRIx64 " (%s) refers to 0x%" PRIx64
				    ", which is not an object; reference left out", b->heap->objects[b->source].address,
				    b->heap->types.names + b->heap->types.types[b->heap->objects[b->source].type].name_offset,
				    referent);
	}
	if (target != RS_NO_INDEX && !edge_add(b, target, kind == RS_VIA_CONSERVATIVE))
		b->out_of_memory = true;
}

static bool is_known(void *arg, uint64_t address)
{
	const struct rs_graph *g = arg;
	return rs_address_index_get(&g->index, address) != RS_NO_INDEX;
}

static rs_error *index_tracked(struct rs_graph *g, const struct rs_heap *heap)
{
	if (!rs_address_index_init(&g->index, heap->n_objects))
		return rs_error_nomem();
	for (size_t i = 0; i < heap->n_objects; i++)
		if (!rs_address_index_put(&g->index, heap->objects[i].address, (uint32_t)i))
			return rs_error_nomem();
	return NULL;
}

static rs_error *graph_traverse_all(struct build *b)
{
	struct rs_graph *g = b->g;
	for (uint64_t i = 0; i < b->heap->n_objects; i++) {
		if (!grow_u64(&g->edge_start, &g->edge_start_capacity, i + 2))
			return rs_error_nomem();
		g->edge_start[i] = g->n_edges;
		b->source = (uint32_t)i;
		rs_error *err = rs_object_traverse(&g->model, b->heap->objects[i].address, b->heap->objects[i].type,
						   on_reference, b);
		const struct rs_object *o = &b->heap->objects[i]; /* the array may have moved */
		if (b->out_of_memory) {
			rs_error_free(err);
			return rs_error_nomem();
		}
		if (err) {
			rs_diag_add(b->mem->diag, "object at 0x%" PRIx64 " (%s): references cut short: %s", o->address,
				    b->heap->types.names + b->heap->types.types[o->type].name_offset, rs_error_message(err));
			rs_error_free(err);
		}
		if (i % INTERRUPT_EVERY == 0 && rs_interrupt_requested())
			return rs_error_new(RS_ERR_INTERRUPTED, "interrupted after %" PRIu64 " of %zu objects", i,
					    b->heap->n_objects);
		if (b->heap->progress && i % PROGRESS_EVERY == PROGRESS_EVERY - 1)
			b->heap->progress(i + 1, b->heap->progress_arg);
	}
	g->edge_start[b->heap->n_objects] = g->n_edges;
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
	rs_error *err = index_tracked(g, heap);
	if (!err) {
		rs_objmodel_init(&g->model, mem, py, &heap->types);
		g->model.is_known = is_known;
		g->model.is_known_arg = g;
		struct build b = {mem, py, heap, g, 0, false};
		err = graph_traverse_all(&b);
	}
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
	free(g->edge_start);
	free(g->edges);
	free(g->conservative);
	free(g);
}

uint32_t rs_graph_adopt(struct rs_graph *g, struct rs_memory *mem, const struct rs_python *py,
			struct rs_heap *heap, uint64_t address)
{
	if (heap->n_objects == 0 || (address & 7))
		return RS_NO_INDEX;
	struct build b = {mem, py, heap, g, 0, false};
	uint32_t index = object_adopt(&b, address);
	if (index == RS_NO_INDEX)
		return index;
	if (!grow_u64(&g->edge_start, &g->edge_start_capacity, heap->n_objects + 1)) {
		heap->n_objects--; /* keep edge_start covering every object */
		return RS_NO_INDEX;
	}
	g->edge_start[heap->n_objects] = g->n_edges;
	rs_type_table_finish(&heap->types);
	return index;
}
