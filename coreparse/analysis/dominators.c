/* The dominator tree of the heap and retained sizes (Eclipse MAT's and
 * DevTools' "retained heap"): D dominates X when every chain of references
 * from the roots to X passes through D, and X's retained size is the bytes
 * of every object X dominates, X included: what would be freed with X.
 *
 * The graph is the heap's references, hidden ones included (code objects'
 * fields, heap types' names), with two nodes more:
 *  - a virtual root that holds every object a named root holds, every
 *    object whose reference count the heap and the roots do not explain (C
 *    code holds it), the immortal ones, and the garbage pseudo-root;
 *  - the garbage pseudo-root, which holds every object gc.collect() would
 *    free now. References from garbage to live objects are left out (they
 *    are gone once gc runs), so garbage is charged to nothing alive.
 *
 * Semi-NCA (Georgiadis, "Linear-Time Algorithms for Dominators and Related
 * Problems", 2005): Lengauer and Tarjan's semidominators by link-eval with
 * path compression, then each immediate dominator as the nearest ancestor
 * in the DFS tree not past the semidominator. Everything is iterative:
 * heaps hold reference chains millions long. */
#include <stdlib.h>
#include <string.h>

#include "../graph/graph.h"
#include "../target.h"

#define NONE UINT32_MAX
#define NODE_ROOT 0u
#define NODE_GARBAGE 1u
#define FIRST_OBJECT 2u

enum { SEED = 1, GARBAGE_OBJECT = 2, GARBAGE_SIDE = 4 };

struct u32_array {
	uint32_t *items;
	size_t n, capacity;
};

static bool u32_push(struct u32_array *a, uint32_t value)
{
	if (a->n == a->capacity) {
		size_t cap = a->capacity ? 2 * a->capacity : 1024;
		uint32_t *items = realloc(a->items, cap * sizeof(*items));
		if (!items)
			return false;
		a->items = items;
		a->capacity = cap;
	}
	a->items[a->n++] = value;
	return true;
}

struct dom_build {
	rs_target *target;
	rs_heap *heap;
	size_t n;                 /* objects */
	struct u32_array out;     /* references, object to object */
	uint64_t *out_start;      /* per object, n + 1 */
	uint32_t *in_start, *in;  /* the same references reversed */
	uint8_t *flags;           /* per object: SEED, GARBAGE_OBJECT, GARBAGE_SIDE */
	uint32_t *pre, *vertex, *parent; /* preorder numbers; node by number; DFS parent by number */
	uint32_t visited;
	bool nomem;
};

static void hidden_add(void *arg, uint32_t referent)
{
	struct dom_build *b = arg;
	if (referent < b->n && !u32_push(&b->out, referent))
		b->nomem = true;
}

/* Every object's references, graph edges and hidden references. */
static bool references_collect(struct dom_build *b)
{
	const struct rs_graph *g = b->heap->graph;
	b->out_start = malloc((b->n + 1) * sizeof(*b->out_start));
	if (!b->out_start)
		return false;
	for (uint32_t i = 0; i < b->n && !b->nomem; i++) {
		b->out_start[i] = b->out.n;
		if (i < g->objects_reached)
			for (uint64_t e = g->edge_start[i]; e < g->edge_start[i + 1] && !b->nomem; e++)
				if (g->edges[e] < b->n && !u32_push(&b->out, g->edges[e]))
					b->nomem = true;
		rs_heap_hidden_references(b->target, b->heap, i, hidden_add, b);
	}
	b->out_start[b->n] = b->out.n;
	return !b->nomem;
}

static bool references_reverse(struct dom_build *b)
{
	b->in_start = calloc(b->n + 1, sizeof(*b->in_start));
	b->in = malloc((b->out.n ? b->out.n : 1) * sizeof(*b->in));
	if (!b->in_start || !b->in)
		return false;
	for (size_t e = 0; e < b->out.n; e++)
		b->in_start[b->out.items[e] + 1]++;
	for (size_t i = 0; i < b->n; i++)
		b->in_start[i + 1] += b->in_start[i];
	uint32_t *fill = malloc((b->n + 1) * sizeof(*fill));
	if (!fill)
		return false;
	memcpy(fill, b->in_start, (b->n + 1) * sizeof(*fill));
	for (uint32_t v = 0; v < b->n; v++)
		for (uint64_t e = b->out_start[v]; e < b->out_start[v + 1]; e++)
			b->in[fill[b->out.items[e]]++] = v;
	free(fill);
	return true;
}

/* Seeds: what named roots hold, what C code holds (a count the heap and
 * the roots do not explain), the immortal; and the garbage. */
static void flags_set(struct dom_build *b, const struct rs_roots *roots, const struct rs_garbage *garbage)
{
	const struct rs_object *objects = b->heap->objects;
	uint64_t tracked = b->heap->graph->objects_tracked;
	for (size_t r = 0; r < roots->n_refs; r++)
		if (roots->refs[r].object < b->n)
			b->flags[roots->refs[r].object] |= SEED;
	for (uint32_t i = 0; i < b->n; i++) {
		if (i < tracked && rs_garbage_contains(garbage, i)) {
			b->flags[i] |= GARBAGE_OBJECT;
			continue;
		}
		int64_t in = (int64_t)(b->in_start[i + 1] - b->in_start[i]);
		int64_t from_roots = i < roots->counts_capacity ? roots->counts[i] : 0;
		if ((objects[i].flags & RS_IMMORTAL) || objects[i].refcnt - in - from_roots > 0)
			b->flags[i] |= SEED;
	}
	for (uint32_t i = 0; i < b->n; i++)
		if (b->flags[i] & GARBAGE_OBJECT)
			b->flags[i] &= (uint8_t)~SEED;
}

static uint32_t node_visit(struct dom_build *b, uint32_t node, uint32_t parent_pre)
{
	uint32_t number = b->visited++;
	b->pre[node] = number;
	b->vertex[number] = node;
	b->parent[number] = parent_pre;
	if (node >= FIRST_OBJECT && parent_pre != NONE && (b->vertex[parent_pre] == NODE_GARBAGE ||
	    (b->vertex[parent_pre] >= FIRST_OBJECT && (b->flags[b->vertex[parent_pre] - FIRST_OBJECT] & GARBAGE_SIDE))))
		b->flags[node - FIRST_OBJECT] |= GARBAGE_SIDE;
	return number;
}

/* Depth-first from node start (a child of the virtual root or of the
 * garbage pseudo-root), an explicit stack of (node, next reference). Live
 * objects never step into garbage: gc would not free what they hold. */
static void dfs(struct dom_build *b, uint32_t start, uint32_t parent_pre, uint64_t *stack_edge, uint32_t *stack_node)
{
	size_t top = 0;
	node_visit(b, start, parent_pre);
	stack_node[0] = start;
	stack_edge[0] = b->out_start[start - FIRST_OBJECT];
	top = 1;
	while (top) {
		uint32_t node = stack_node[top - 1], object = node - FIRST_OBJECT;
		uint64_t e = stack_edge[top - 1];
		if (e == b->out_start[object + 1]) {
			top--;
			continue;
		}
		stack_edge[top - 1] = e + 1;
		uint32_t w = b->out.items[e];
		if (b->pre[w + FIRST_OBJECT] != NONE)
			continue;
		if ((b->flags[w] & GARBAGE_OBJECT) && !(b->flags[object] & GARBAGE_SIDE))
			continue;
		node_visit(b, w + FIRST_OBJECT, b->pre[node]);
		stack_node[top] = w + FIRST_OBJECT;
		stack_edge[top] = b->out_start[w];
		top++;
	}
}

static bool depth_first(struct dom_build *b)
{
	size_t nodes = b->n + FIRST_OBJECT;
	uint64_t *stack_edge = malloc(nodes * sizeof(*stack_edge));
	uint32_t *stack_node = malloc(nodes * sizeof(*stack_node));
	if (!stack_edge || !stack_node) {
		free(stack_edge);
		free(stack_node);
		return false;
	}
	node_visit(b, NODE_ROOT, NONE);
	for (uint32_t i = 0; i < b->n; i++)
		if ((b->flags[i] & SEED) && b->pre[i + FIRST_OBJECT] == NONE)
			dfs(b, i + FIRST_OBJECT, 0, stack_edge, stack_node);
	/* Tracked objects gc keeps that no seed reaches (held only through
	 * references refscope counts nowhere): the virtual root holds them. */
	for (uint32_t i = 0; i < b->heap->graph->objects_tracked && i < b->n; i++)
		if (!(b->flags[i] & GARBAGE_OBJECT) && b->pre[i + FIRST_OBJECT] == NONE) {
			b->flags[i] |= SEED;
			dfs(b, i + FIRST_OBJECT, 0, stack_edge, stack_node);
		}
	uint32_t garbage_pre = node_visit(b, NODE_GARBAGE, 0);
	for (uint32_t i = 0; i < b->n; i++)
		if ((b->flags[i] & GARBAGE_OBJECT) && b->pre[i + FIRST_OBJECT] == NONE)
			dfs(b, i + FIRST_OBJECT, garbage_pre, stack_edge, stack_node);
	free(stack_edge);
	free(stack_node);
	return true;
}

/* Lengauer and Tarjan's eval with path compression, iterative: the node of
 * least semidominator on the forest path above v. */
static uint32_t eval(uint32_t v, uint32_t *ancestor, uint32_t *label, const uint32_t *semi, uint32_t *stack)
{
	if (ancestor[v] == NONE)
		return v;
	size_t top = 0;
	for (uint32_t x = v; ancestor[ancestor[x]] != NONE; x = ancestor[x])
		stack[top++] = x;
	while (top) {
		uint32_t y = stack[--top], a = ancestor[y];
		if (semi[label[a]] < semi[label[y]])
			label[y] = label[a];
		ancestor[y] = ancestor[a];
	}
	return label[v];
}

/* The semidominator of the node numbered w from its predecessors; a
 * reference between the garbage side and the live side is none (the DFS
 * did not follow it either). */
static void semi_update(const struct dom_build *b, uint32_t w, uint32_t *semi, uint32_t *ancestor, uint32_t *label,
			uint32_t *stack)
{
	uint32_t node = b->vertex[w], best = semi[w];
	if (node == NODE_GARBAGE) {
		semi[w] = 0;
		return;
	}
	uint32_t object = node - FIRST_OBJECT;
	uint8_t f = b->flags[object];
	if (f & SEED)
		best = 0;
	if (f & GARBAGE_OBJECT)
		best = best < b->pre[NODE_GARBAGE] ? best : b->pre[NODE_GARBAGE];
	for (uint32_t e = b->in_start[object]; e < b->in_start[object + 1] && best; e++) {
		uint32_t v = b->in[e], pv = b->pre[v + FIRST_OBJECT];
		if (pv == NONE || ((b->flags[v] ^ f) & GARBAGE_SIDE))
			continue;
		uint32_t u = eval(pv, ancestor, label, semi, stack);
		if (semi[u] < best)
			best = semi[u];
	}
	semi[w] = best;
}

/* Immediate dominators by preorder number, in parent (which becomes idom). */
static bool semi_nca(struct dom_build *b)
{
	uint32_t n = b->visited;
	uint32_t *semi = malloc(n * sizeof(*semi)), *ancestor = malloc(n * sizeof(*ancestor));
	uint32_t *label = malloc(n * sizeof(*label)), *stack = malloc(n * sizeof(*stack));
	bool ok = semi && ancestor && label && stack;
	if (ok) {
		for (uint32_t i = 0; i < n; i++) {
			semi[i] = label[i] = i;
			ancestor[i] = NONE;
		}
		for (uint32_t w = n - 1; w > 0; w--) {
			semi_update(b, w, semi, ancestor, label, stack);
			ancestor[w] = b->parent[w];
		}
		uint32_t *idom = b->parent;
		for (uint32_t w = 1; w < n; w++) {
			uint32_t x = idom[w];
			while (x > semi[w])
				x = idom[x];
			idom[w] = x;
		}
	}
	free(semi);
	free(ancestor);
	free(label);
	free(stack);
	return ok;
}

static bool result_fill(struct dom_build *b, struct rs_dominators *out)
{
	uint32_t n = b->visited;
	uint64_t *retained = calloc(n, sizeof(*retained));
	out->idom = malloc((b->n ? b->n : 1) * sizeof(*out->idom));
	out->retained = calloc(b->n ? b->n : 1, sizeof(*out->retained));
	if (!retained || !out->idom || !out->retained) {
		free(retained);
		return false;
	}
	const uint32_t *idom = b->parent;
	for (uint32_t w = n - 1; w > 0; w--) {
		uint32_t node = b->vertex[w];
		if (node >= FIRST_OBJECT)
			retained[w] += b->heap->objects[node - FIRST_OBJECT].size;
		retained[idom[w]] += retained[w];
	}
	for (uint32_t i = 0; i < b->n; i++) {
		uint32_t w = b->pre[i + FIRST_OBJECT];
		if (w == NONE) {
			out->idom[i] = RS_NO_OBJECT;
			continue;
		}
		uint32_t d = b->vertex[idom[w]];
		out->idom[i] = d == NODE_ROOT ? RS_DOMINATOR_ROOT : d == NODE_GARBAGE ? RS_DOMINATOR_GARBAGE
										: d - FIRST_OBJECT;
		out->retained[i] = retained[w];
	}
	out->count = b->n;
	out->total = retained[0];
	out->garbage = retained[b->pre[NODE_GARBAGE]];
	free(retained);
	return true;
}

static void build_free(struct dom_build *b)
{
	free(b->out.items);
	free(b->out_start);
	free(b->in_start);
	free(b->in);
	free(b->flags);
	free(b->pre);
	free(b->vertex);
	free(b->parent);
}

rs_error *rs_heap_dominators(rs_target *target, rs_heap *heap, struct rs_dominators *out)
{
	memset(out, 0, sizeof(*out));
	struct rs_roots roots;
	struct rs_garbage garbage;
	rs_error *err = rs_heap_garbage(target, heap, &garbage);
	if (err)
		return err;
	err = rs_heap_roots(target, heap, &roots);
	if (err) {
		rs_garbage_free(&garbage);
		return err;
	}
	struct dom_build b = {.target = target, .heap = heap, .n = heap->n_objects};
	size_t nodes = b.n + FIRST_OBJECT;
	bool ok = (b.flags = calloc(b.n + 1, 1)) && (b.pre = malloc(nodes * sizeof(*b.pre))) &&
		  (b.vertex = malloc(nodes * sizeof(*b.vertex))) && (b.parent = malloc(nodes * sizeof(*b.parent))) &&
		  references_collect(&b) && references_reverse(&b);
	if (ok) {
		memset(b.pre, 0xff, nodes * sizeof(*b.pre));
		flags_set(&b, &roots, &garbage);
		ok = depth_first(&b) && semi_nca(&b) && result_fill(&b, out);
	}
	build_free(&b);
	rs_roots_free(&roots);
	rs_garbage_free(&garbage);
	if (!ok) {
		rs_dominators_free(out);
		return rs_error_nomem();
	}
	return NULL;
}

void rs_dominators_free(struct rs_dominators *d)
{
	free(d->idom);
	free(d->retained);
	memset(d, 0, sizeof(*d));
}
