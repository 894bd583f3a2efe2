/* The public face of the graph: building it on first need, finding an
 * object, its referents, and its references with their labels. */
#include <stdlib.h>

#include "../objects/repr.h"
#include "../target.h"
#include "graph.h"

rs_error *rs_heap_graph_build(rs_target *target, rs_heap *heap)
{
	if (heap->graph)
		return NULL;
	return rs_graph_build(target->mem, &target->py, heap, &heap->graph);
}

rs_error *rs_heap_graph_indexed(rs_target *target, rs_heap *heap)
{
	rs_error *err = rs_heap_graph_build(target, heap);
	if (!err && !rs_graph_index_restore(heap->graph, heap))
		err = rs_error_nomem();
	return err;
}

uint32_t rs_heap_find(rs_target *target, rs_heap *heap, uint64_t address)
{
	if (!heap->graph || !rs_graph_index_restore(heap->graph, heap))
		return RS_NO_OBJECT;
	uint32_t index = rs_address_index_get(&heap->graph->index, address);
	if (index == RS_NO_INDEX)
		index = rs_graph_adopt(heap->graph, target->mem, &target->py, heap, address);
	return index == RS_NO_INDEX ? RS_NO_OBJECT : index;
}

enum rs_type_traversal rs_heap_type_traversal(rs_heap *heap, uint32_t type)
{
	if (!heap->graph || type >= heap->types.count || !(heap->types.types[type].public.flags & (1ul << 14)))
		return RS_TRAVERSAL_NONE; /* not Py_TPFLAGS_HAVE_GC */
	rs_type_classify(&heap->graph->model, type);
	const struct rs_type_info *info = &heap->types.types[type];
	switch (info->trav_kind) {
	case RS_TRAV_CONSERVATIVE:
	case RS_TRAV_METATYPE:
		return RS_TRAVERSAL_CONSERVATIVE;
	case RS_TRAV_NONE:
		return info->subtype ? RS_TRAVERSAL_EXACT : RS_TRAVERSAL_NONE;
	default:
		return RS_TRAVERSAL_EXACT;
	}
}

size_t rs_heap_reached_count(const rs_heap *heap)
{
	return heap->graph ? heap->graph->objects_reached : heap->n_objects;
}

const uint32_t *rs_heap_referents(const rs_heap *heap, uint32_t i, size_t *count)
{
	const struct rs_graph *g = heap->graph;
	*count = (size_t)(g->edge_start[i + 1] - g->edge_start[i]);
	return *count ? g->edges + g->edge_start[i] : NULL; /* a graph with no edges has no array */
}

struct labeling {
	struct rs_objmodel *model;
	rs_reference_fn fn;
	void *arg;
};

static void label_reference(void *arg, uint64_t referent, enum rs_via_kind kind, uint64_t detail)
{
	struct labeling *lab = arg;
	char via[256];
	rs_via_text(lab->model, kind, detail, via, sizeof(via));
	lab->fn(lab->arg, referent, via, kind == RS_VIA_CONSERVATIVE);
}

rs_error *rs_heap_references(rs_target *target, rs_heap *heap, uint32_t i, rs_reference_fn fn, void *arg)
{
	(void)target;
	struct labeling lab = {&heap->graph->model, fn, arg};
	return rs_object_traverse(&heap->graph->model, heap->objects[i].address, heap->objects[i].type,
				  label_reference, &lab);
}

void rs_heap_repr(rs_target *target, rs_heap *heap, uint32_t i, char *buf, size_t size)
{
	(void)target;
	rs_object_repr(&heap->graph->model, heap->objects[i].address, heap->objects[i].type, buf, size);
	rs_type_table_finish(&heap->types);
}

struct hidden {
	const struct rs_graph *g;
	rs_index_fn fn;
	void *arg;
};

static void hidden_reference(void *arg, uint64_t referent, enum rs_via_kind kind, uint64_t detail)
{
	(void)kind;
	(void)detail;
	struct hidden *h = arg;
	uint32_t index = rs_address_index_get(&h->g->index, referent);
	if (index != RS_NO_INDEX)
		h->fn(h->arg, index);
}

void rs_heap_hidden_references(rs_target *target, rs_heap *heap, uint32_t i, rs_index_fn fn, void *arg)
{
	(void)target;
	if (!rs_type_hides_references(&heap->graph->model, heap->objects[i].type) ||
	    !rs_graph_index_restore(heap->graph, heap))
		return;
	struct hidden h = {heap->graph, fn, arg};
	rs_error_free(rs_object_hidden_references(&heap->graph->model, heap->objects[i].address, heap->objects[i].type,
						  hidden_reference, &h));
}

void rs_groups_free(struct rs_groups *groups)
{
	free(groups->start);
	free(groups->members);
	groups->start = NULL;
	groups->members = NULL;
	groups->count = 0;
}

void rs_heap_free(rs_heap *heap)
{
	if (!heap)
		return;
	rs_graph_free(heap->graph);
	rs_heap_destroy(heap);
}
