/* The reference graph of a heap snapshot.
 *
 * Objects are the gc-tracked ones from the walk, followed by every object
 * they reach that the collector does not track (strings, numbers, untracked
 * tuples and dicts, static objects), appended as traversal finds them.
 * Edges are one array of target indices, grouped by source object
 * (edge_start[i] .. edge_start[i+1]); a bit per edge marks conservative
 * ones. The build is iterative, one pass over the objects, and allocates
 * only when an array doubles. */
#ifndef RS_GRAPH_GRAPH_H
#define RS_GRAPH_GRAPH_H

#include "../heap/heap.h"
#include "../objects/traverse.h"
#include "address_index.h"

struct rs_graph {
	struct rs_address_index index;
	uint32_t *edge_start;      /* n_objects + 1 entries */
	uint64_t edge_start_capacity;
	uint32_t *edges;
	uint64_t *conservative;    /* bit per edge; NULL while no edge is conservative */
	uint64_t n_edges, edges_capacity;
	uint64_t objects_tracked;  /* objects [0, objects_tracked) came from the gc lists */
	uint64_t objects_reached;  /* objects [0, objects_reached) have their references in the graph;
				    * later ones were adopted on request (rs_graph_adopt) */
	bool index_released;       /* index is empty until rs_graph_index_restore */
	struct rs_objmodel model;
};

rs_error *rs_graph_build(struct rs_memory *mem, const struct rs_python *py, struct rs_heap *heap,
			 struct rs_graph **out);
void rs_graph_free(struct rs_graph *graph);

/* Adds the object at address, when it is one, with no references of its
 * own in the graph (an object nothing tracked reaches); RS_NO_INDEX if not. */
uint32_t rs_graph_adopt(struct rs_graph *graph, struct rs_memory *mem, const struct rs_python *py,
			struct rs_heap *heap, uint64_t address);

/* The address index is most of the memory the dominator tree would add
 * and the tree never looks an address up: it is released while the tree is
 * computed, and whatever looks up an address next restores it first
 * (rs_heap_find, the roots, the garbage, adoption). Restoring is false only
 * when out of memory. */
void rs_graph_index_release(struct rs_graph *g);
bool rs_graph_index_restore(struct rs_graph *g, const struct rs_heap *heap);

struct rs_target;
/* rs_heap_graph_build, with the address index restored if it was
 * released: for an analysis that looks addresses up. */
rs_error *rs_heap_graph_indexed(struct rs_target *target, struct rs_heap *heap);

static inline bool rs_graph_edge_conservative(const struct rs_graph *g, uint64_t edge)
{
	return g->conservative && ((g->conservative[edge / 64] >> (edge % 64)) & 1);
}

#endif
