/* Cycles: the strongly connected components of the reference graph, by
 * Pearce's variant of Tarjan's algorithm ("A space-efficient algorithm for
 * finding strongly connected components", 2016): one rindex per object
 * stands for Tarjan's discovery order, low-link and on-stack flag, 4 bytes
 * an object instead of 9. It is made iterative (an explicit stack of
 * frames instead of recursion, so a chain of millions of objects cannot
 * overflow the C stack). Kept: components of more than one object, or of
 * one object that refers to itself; a component lists its root first, then
 * the rest in the order the search left them.
 *
 * rindex[v] is 0 until v is visited, then its visit number, lowered to the
 * smallest visit number v reaches while v's component is open; when the
 * component closes, its members take the component's number, counted down
 * from n - 1, above every visit number still in use. */
#include <stdlib.h>

#include "../target.h"
#include "../graph/graph.h"
#include "../util/huge_pages.h"

struct frame {
	uint32_t node;
	uint32_t next_edge; /* the edge being followed, or the next one */
	bool root;          /* no edge of node has led below its visit number yet */
};

struct search {
	const struct rs_graph *g;
	uint32_t *rindex;
	uint32_t *stack;         /* visited objects whose component is still open */
	struct frame *frames;
	uint64_t depth, stack_len;
	uint32_t visit;          /* the next visit number */
	uint32_t component;      /* the next component number */
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

static bool groups_reserve(struct search *t, uint64_t size)
{
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
	return true;
}

/* Closes root's component: root and the open objects visited after it. */
static bool component_close(struct search *t, uint32_t root)
{
	uint64_t top = t->stack_len;
	while (top > 0 && t->rindex[root] <= t->rindex[t->stack[top - 1]])
		top--;
	uint64_t size = t->stack_len - top + 1;
	bool keep = size > 1 || self_referent(t->g, root);
	if (keep) {
		if (!groups_reserve(t, size))
			return false;
		struct rs_groups *out = t->out;
		out->start[out->count++] = t->members;
		out->members[t->members++] = root;
		for (uint64_t i = t->stack_len; i > top; i--)
			out->members[t->members++] = t->stack[i - 1];
		out->start[out->count] = t->members;
	}
	for (uint64_t i = top; i < t->stack_len; i++)
		t->rindex[t->stack[i]] = t->component;
	t->rindex[root] = t->component--;
	t->visit -= (uint32_t)size;
	t->stack_len = top;
	return true;
}

static void visit_begin(struct search *t, uint32_t v)
{
	t->rindex[v] = t->visit++;
	t->frames[t->depth++] = (struct frame){v, t->g->edge_start[v], true};
}

/* After the edge of f to w has been followed (or w found visited). */
static void edge_done(struct search *t, struct frame *f, uint32_t w)
{
	if (t->rindex[w] < t->rindex[f->node]) {
		t->rindex[f->node] = t->rindex[w];
		f->root = false;
	}
	f->next_edge++;
}

/* An object that refers to nothing (a string, a number: half a heap) is a
 * component of its own at once, kept by no one: what visiting it would
 * come to, without the frame and the stack. */
static bool leaf_close(struct search *t, uint32_t v)
{
	if (t->g->edge_start[v] != t->g->edge_start[v + 1])
		return false;
	t->rindex[v] = t->component--;
	return true;
}

static bool search_from(struct search *t, uint32_t start)
{
	if (leaf_close(t, start))
		return true;
	visit_begin(t, start);
	while (t->depth > 0) {
		struct frame *f = &t->frames[t->depth - 1];
		uint32_t v = f->node;
		if (f->next_edge < t->g->edge_start[v + 1]) {
			uint32_t w = t->g->edges[f->next_edge];
			if (t->rindex[w] == 0 && !leaf_close(t, w))
				visit_begin(t, w);
			else
				edge_done(t, f, w);
			continue;
		}
		t->depth--;
		if (f->root) {
			if (!component_close(t, v))
				return false;
		} else {
			t->stack[t->stack_len++] = v;
		}
		if (t->depth > 0)
			edge_done(t, &t->frames[t->depth - 1], v);
	}
	return true;
}

rs_error *rs_heap_cycles(rs_target *target, rs_heap *heap, struct rs_groups *out)
{
	rs_error *err = rs_heap_graph_build(target, heap);
	if (err)
		return err;
	/* The search never looks an address up: the index's memory is the
	 * search's (whatever looks one up next restores it). */
	rs_graph_index_release(heap->graph);
	size_t n = heap->n_objects;
	struct search t = {.g = heap->graph, .out = out, .visit = 1, .component = (uint32_t)n};
	out->count = 0;
	out->start = calloc(1, sizeof(*out->start));
	out->members = NULL;
	t.rindex = calloc(n ? n : 1, sizeof(*t.rindex));
	t.stack = malloc(n * sizeof(*t.stack) + 1);
	t.frames = malloc(n * sizeof(*t.frames) + 1);
	bool ok = out->start && t.rindex && t.stack && t.frames;
	rs_huge_pages_advise(t.rindex, n * sizeof(*t.rindex));
	rs_huge_pages_advise(t.stack, n * sizeof(*t.stack));
	rs_huge_pages_advise(t.frames, n * sizeof(*t.frames));
	for (size_t i = 0; ok && i < n; i++)
		if (t.rindex[i] == 0)
			ok = search_from(&t, (uint32_t)i);
	free(t.rindex);
	free(t.stack);
	free(t.frames);
	if (!ok) {
		rs_groups_free(out);
		return rs_error_nomem();
	}
	return NULL;
}
