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

enum { SEED = 1, GARBAGE_OBJECT = 2 };

struct dom_build {
	rs_target *target;
	rs_heap *heap;
	const struct rs_graph *g;
	size_t n;                 /* objects */
	/* Hidden references (code objects' fields, heap types' names) beside
	 * the graph's: (from, to) pairs in the order of from. */
	uint32_t *hidden_from, *hidden_to;
	size_t n_hidden, hidden_capacity;
	uint32_t *in_start, *in;  /* every reference reversed: by object, then by preorder number */
	uint8_t *flags;           /* per object: SEED, GARBAGE_OBJECT */
	uint32_t *pre, *vertex, *parent; /* preorder numbers; node by number; DFS parent by number */
	uint32_t visited, garbage_pre;
	bool nomem;
};

static void hidden_add(void *arg, uint32_t referent)
{
	struct dom_build *b = arg;
	if (referent >= b->n || b->nomem)
		return;
	if (b->n_hidden == b->hidden_capacity) {
		size_t cap = b->hidden_capacity ? 2 * b->hidden_capacity : 1024;
		uint32_t *from = realloc(b->hidden_from, cap * sizeof(*from));
		if (from)
			b->hidden_from = from;
		uint32_t *to = from ? realloc(b->hidden_to, cap * sizeof(*to)) : NULL;
		if (!to) {
			b->nomem = true;
			return;
		}
		b->hidden_to = to;
		b->hidden_capacity = cap;
	}
	b->hidden_to[b->n_hidden++] = referent;
}

static bool hidden_collect(struct dom_build *b)
{
	for (uint32_t i = 0; i < b->n && !b->nomem; i++) {
		size_t before = b->n_hidden;
		rs_heap_hidden_references(b->target, b->heap, i, hidden_add, b);
		for (size_t k = before; k < b->n_hidden; k++)
			b->hidden_from[k] = i;
	}
	return !b->nomem;
}

/* The references of object v: graph edges [*e0, *e1), then hidden ones
 * [*h0, *h1). Graph edges may name no object (left out) or one past n. */
static void references_of(const struct dom_build *b, uint32_t v, uint64_t *e0, uint64_t *e1, size_t *h0, size_t *h1)
{
	*e0 = *e1 = 0;
	if (v < b->g->objects_reached) {
		*e0 = b->g->edge_start[v];
		*e1 = b->g->edge_start[v + 1];
	}
	size_t lo = 0, hi = b->n_hidden;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->hidden_from[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	*h0 = *h1 = lo;
	while (*h1 < b->n_hidden && b->hidden_from[*h1] == v)
		(*h1)++;
}

/* Calls add(b, v, w) for every reference v -> w, v in object order. */
static void references_each(struct dom_build *b, void (*add)(struct dom_build *b, uint32_t v, uint32_t w))
{
	size_t h = 0;
	for (uint32_t v = 0; v < b->n; v++) {
		if (v < b->g->objects_reached)
			for (uint64_t e = b->g->edge_start[v]; e < b->g->edge_start[v + 1]; e++)
				if (b->g->edges[e] < b->n)
					add(b, v, b->g->edges[e]);
		for (; h < b->n_hidden && b->hidden_from[h] == v; h++)
			add(b, v, b->hidden_to[h]);
	}
}

static void in_count(struct dom_build *b, uint32_t v, uint32_t w)
{
	(void)v;
	b->in_start[w + 1]++;
}

static void in_place(struct dom_build *b, uint32_t v, uint32_t w)
{
	b->in[--b->in_start[w + 1]] = v;
}

/* The reversed references without a second index: counts, then each
 * bucket's end, each bucket filled from its end down to its start. */
static bool references_reverse(struct dom_build *b)
{
	b->in_start = calloc(b->n + 2, sizeof(*b->in_start));
	if (!b->in_start)
		return false;
	references_each(b, in_count);
	for (size_t i = 0; i < b->n; i++)
		b->in_start[i + 1] += b->in_start[i];
	b->in = malloc((b->in_start[b->n] ? b->in_start[b->n] : 1) * sizeof(*b->in));
	if (!b->in)
		return false;
	size_t total = b->in_start[b->n];
	references_each(b, in_place);
	/* Each bucket's end moved down to its start, one entry late. */
	memmove(b->in_start, b->in_start + 1, b->n * sizeof(*b->in_start));
	b->in_start[b->n] = (uint32_t)total;
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
	return number;
}

/* One frame of the depth-first search: a node and where it is in its
 * references (graph edges first, then hidden ones). */
struct dfs_frame {
	uint32_t node;
	size_t h, h_end;
	uint64_t e, e_end;
};

struct dfs_stack {
	struct dfs_frame *frames;
	size_t n, capacity;
};

static bool dfs_push(struct dom_build *b, struct dfs_stack *s, uint32_t node, uint32_t parent_pre)
{
	if (s->n == s->capacity) {
		size_t cap = s->capacity ? 2 * s->capacity : 4096;
		struct dfs_frame *frames = realloc(s->frames, cap * sizeof(*frames));
		if (!frames)
			return false;
		s->frames = frames;
		s->capacity = cap;
	}
	struct dfs_frame *f = &s->frames[s->n++];
	node_visit(b, node, parent_pre);
	f->node = node;
	references_of(b, node - FIRST_OBJECT, &f->e, &f->e_end, &f->h, &f->h_end);
	return true;
}

/* Depth-first from node start (a child of the virtual root or of the
 * garbage pseudo-root). Live objects never step into garbage: gc would not
 * free what they hold. The garbage side is searched last, so its nodes are
 * exactly those numbered after the garbage pseudo-root. */
static bool dfs(struct dom_build *b, struct dfs_stack *s, uint32_t start, uint32_t parent_pre, bool garbage_side)
{
	if (!dfs_push(b, s, start, parent_pre))
		return false;
	while (s->n) {
		struct dfs_frame *f = &s->frames[s->n - 1];
		uint32_t w;
		if (f->e < f->e_end)
			w = b->g->edges[f->e++];
		else if (f->h < f->h_end)
			w = b->hidden_to[f->h++];
		else {
			s->n--;
			continue;
		}
		if (w >= b->n || b->pre[w + FIRST_OBJECT] != NONE)
			continue;
		if ((b->flags[w] & GARBAGE_OBJECT) && !garbage_side)
			continue;
		if (!dfs_push(b, s, w + FIRST_OBJECT, b->pre[f->node]))
			return false;
	}
	return true;
}

static bool depth_first(struct dom_build *b)
{
	struct dfs_stack s = {NULL, 0, 0};
	bool ok = true;
	node_visit(b, NODE_ROOT, NONE);
	for (uint32_t i = 0; ok && i < b->n; i++)
		if ((b->flags[i] & SEED) && b->pre[i + FIRST_OBJECT] == NONE)
			ok = dfs(b, &s, i + FIRST_OBJECT, 0, false);
	/* Tracked objects gc keeps that no seed reaches (held only through
	 * references refscope counts nowhere): the virtual root holds them. */
	for (uint32_t i = 0; ok && i < b->g->objects_tracked && i < b->n; i++)
		if (!(b->flags[i] & GARBAGE_OBJECT) && b->pre[i + FIRST_OBJECT] == NONE) {
			b->flags[i] |= SEED;
			ok = dfs(b, &s, i + FIRST_OBJECT, 0, false);
		}
	b->garbage_pre = node_visit(b, NODE_GARBAGE, 0);
	for (uint32_t i = 0; ok && i < b->n; i++)
		if ((b->flags[i] & GARBAGE_OBJECT) && b->pre[i + FIRST_OBJECT] == NONE)
			ok = dfs(b, &s, i + FIRST_OBJECT, b->garbage_pre, true);
	free(s.frames);
	return ok;
}

/* The reversed references by preorder number of the referrer (NONE for one
 * the search never reached), so that pre can go before the semidominators. */
static void in_renumber(struct dom_build *b)
{
	for (size_t e = 0; e < b->in_start[b->n]; e++)
		b->in[e] = b->pre[b->in[e] + FIRST_OBJECT];
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
	bool garbage_side = w > b->garbage_pre;
	if (f & SEED)
		best = 0;
	if (f & GARBAGE_OBJECT)
		best = best < b->garbage_pre ? best : b->garbage_pre;
	for (uint32_t e = b->in_start[object]; e < b->in_start[object + 1] && best; e++) {
		uint32_t pv = b->in[e];
		if (pv == NONE || (pv > b->garbage_pre) != garbage_side)
			continue;
		uint32_t u = eval(pv, ancestor, label, semi, stack);
		if (semi[u] < best)
			best = semi[u];
	}
	semi[w] = best;
}

/* Immediate dominators by preorder number, in parent (which becomes idom). */
static bool semi_nca(struct dom_build *b, uint32_t *stack)
{
	uint32_t n = b->visited;
	uint32_t *semi = malloc(n * sizeof(*semi)), *ancestor = malloc(n * sizeof(*ancestor));
	uint32_t *label = malloc(n * sizeof(*label));
	bool ok = semi && ancestor && label;
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
	return ok;
}

/* idom and retained by object, accumulated bottom-up in reverse preorder
 * (every node is numbered after its dominator). */
static bool result_fill(struct dom_build *b, struct rs_dominators *out)
{
	uint32_t n = b->visited;
	out->idom = malloc((b->n ? b->n : 1) * sizeof(*out->idom));
	out->retained = calloc(b->n ? b->n : 1, sizeof(*out->retained));
	if (!out->idom || !out->retained)
		return false;
	memset(out->idom, 0xff, (b->n ? b->n : 1) * sizeof(*out->idom)); /* RS_NO_OBJECT */
	const uint32_t *idom = b->parent;
	uint64_t root = 0, garbage = 0;
	for (uint32_t w = n - 1; w > 0; w--) {
		uint32_t node = b->vertex[w], up = b->vertex[idom[w]];
		uint64_t bytes = garbage;
		if (node >= FIRST_OBJECT) {
			uint32_t object = node - FIRST_OBJECT;
			out->retained[object] += b->heap->objects[object].size;
			bytes = out->retained[object];
			out->idom[object] = up == NODE_ROOT ? RS_DOMINATOR_ROOT : up == NODE_GARBAGE ? RS_DOMINATOR_GARBAGE
												: up - FIRST_OBJECT;
		}
		if (up == NODE_ROOT)
			root += bytes;
		else if (up == NODE_GARBAGE)
			garbage += bytes;
		else
			out->retained[up - FIRST_OBJECT] += bytes;
	}
	out->count = b->n;
	out->total = root;
	out->garbage = garbage;
	return true;
}

static void build_free(struct dom_build *b)
{
	free(b->hidden_from);
	free(b->hidden_to);
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
	struct dom_build b = {.target = target, .heap = heap, .g = heap->graph, .n = heap->n_objects};
	size_t nodes = b.n + FIRST_OBJECT;
	bool ok = (b.flags = calloc(b.n + 1, 1)) && (b.pre = malloc(nodes * sizeof(*b.pre))) &&
		  (b.vertex = malloc(nodes * sizeof(*b.vertex))) && (b.parent = malloc(nodes * sizeof(*b.parent))) &&
		  hidden_collect(&b) && references_reverse(&b);
	if (ok) {
		memset(b.pre, 0xff, nodes * sizeof(*b.pre));
		flags_set(&b, &roots, &garbage);
	}
	/* Each phase frees what the next does not need: the peak is the
	 * reversed references and five numbers per object. */
	rs_roots_free(&roots);
	rs_garbage_free(&garbage);
	ok = ok && depth_first(&b);
	if (ok) {
		in_renumber(&b);
		ok = semi_nca(&b, b.pre); /* pre's memory serves as eval's stack */
	}
	free(b.in);
	free(b.in_start);
	free(b.pre);
	free(b.flags);
	b.in = b.in_start = b.pre = NULL;
	b.flags = NULL;
	ok = ok && result_fill(&b, out);
	build_free(&b);
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
