/* Cycles: the strongly connected components of the reference graph, by
 * Tarjan's algorithm made iterative (an explicit stack of frames instead of
 * recursion, so a chain of millions of objects cannot overflow the C
 * stack). Kept: components of more than one object, or of one object that
 * refers to itself. */
#include <stdlib.h>

#include "../target.h"
#include "../graph/graph.h"
#include "../util/huge_pages.h"

#define UNVISITED UINT32_MAX

struct frame {
	uint32_t node;
	uint32_t next_edge;
};

struct tarjan {
	const struct rs_graph *g;
	uint32_t *order, *low;   /* discovery order and low-link */
	uint32_t *stack;         /* nodes of the components being built */
	uint8_t *on_stack;
	struct frame *frames;
	uint64_t depth, stack_len;
	uint32_t counter;
	struct rs_groups *out;
	uint64_t members, members_capacity, groups_capacity;
};

static bool self_referent(const struct rs_graph *g, uint32_t v)
{
	for (uint64_t e = g->edge_start[v]; e < g->edge_start[v + 1]; e++)
		if (g->edges[e] == v)
			return true;
	return false;
}

static bool component_emit(struct tarjan *t, uint32_t root)
{
	uint64_t top = t->stack_len;
	while (t->stack[top - 1] != root)
		top--;
	top--; /* the component is stack[top .. stack_len) */
	uint64_t size = t->stack_len - top;
	bool keep = size > 1 || self_referent(t->g, root);
	if (keep) {
		struct rs_groups *out = t->out;
		if (out->count + 2 > t->groups_capacity) {
			t->groups_capacity = t->groups_capacity ? 2 * t->groups_capacity : 1024;
			uint64_t *start = realloc(out->start, t->groups_capacity * sizeof(*start));
			if (!start)
				return false;
			out->start = start;
		}
		if (t->members + size > t->members_capacity) {
			while (t->members + size > t->members_capacity)
				t->members_capacity = t->members_capacity ? 2 * t->members_capacity : 4096;
			uint32_t *members = realloc(out->members, t->members_capacity * sizeof(*members));
			if (!members)
				return false;
			rs_huge_pages_advise(members, t->members_capacity * sizeof(*members));
			out->members = members;
		}
		out->start[out->count++] = t->members;
		for (uint64_t i = top; i < t->stack_len; i++)
			out->members[t->members++] = t->stack[i];
		out->start[out->count] = t->members;
	}
	for (uint64_t i = top; i < t->stack_len; i++)
		t->on_stack[t->stack[i]] = 0;
	t->stack_len = top;
	return true;
}

static void visit_begin(struct tarjan *t, uint32_t v)
{
	t->order[v] = t->low[v] = t->counter++;
	t->stack[t->stack_len++] = v;
	t->on_stack[v] = 1;
	t->frames[t->depth++] = (struct frame){v, t->g->edge_start[v]};
}

static bool strongconnect(struct tarjan *t, uint32_t start)
{
	visit_begin(t, start);
	while (t->depth > 0) {
		struct frame *f = &t->frames[t->depth - 1];
		uint32_t v = f->node;
		if (f->next_edge < t->g->edge_start[v + 1]) {
			uint32_t w = t->g->edges[f->next_edge++];
			if (t->order[w] == UNVISITED)
				visit_begin(t, w);
			else if (t->on_stack[w] && t->order[w] < t->low[v])
				t->low[v] = t->order[w];
			continue;
		}
		t->depth--;
		if (t->depth > 0) {
			uint32_t parent = t->frames[t->depth - 1].node;
			if (t->low[v] < t->low[parent])
				t->low[parent] = t->low[v];
		}
		if (t->low[v] == t->order[v] && !component_emit(t, v))
			return false;
	}
	return true;
}

rs_error *rs_heap_cycles(rs_target *target, rs_heap *heap, struct rs_groups *out)
{
	rs_error *err = rs_heap_graph_build(target, heap);
	if (err)
		return err;
	size_t n = heap->n_objects;
	struct tarjan t = {.g = heap->graph, .out = out};
	out->count = 0;
	out->start = calloc(1, sizeof(*out->start));
	out->members = NULL;
	t.order = malloc(n * sizeof(*t.order));
	t.low = malloc(n * sizeof(*t.low));
	t.stack = malloc(n * sizeof(*t.stack));
	t.on_stack = calloc(n ? n : 1, 1);
	t.frames = malloc(n * sizeof(*t.frames));
	bool ok = out->start && t.order && t.low && t.stack && t.on_stack && t.frames;
	rs_huge_pages_advise(t.order, n * sizeof(*t.order));
	rs_huge_pages_advise(t.low, n * sizeof(*t.low));
	rs_huge_pages_advise(t.stack, n * sizeof(*t.stack));
	rs_huge_pages_advise(t.on_stack, n);
	rs_huge_pages_advise(t.frames, n * sizeof(*t.frames));
	for (size_t i = 0; ok && i < n; i++)
		t.order[i] = UNVISITED;
	for (size_t i = 0; ok && i < n; i++)
		if (t.order[i] == UNVISITED)
			ok = strongconnect(&t, (uint32_t)i);
	free(t.order);
	free(t.low);
	free(t.stack);
	free(t.on_stack);
	free(t.frames);
	if (!ok) {
		rs_groups_free(out);
		return rs_error_nomem();
	}
	return NULL;
}
