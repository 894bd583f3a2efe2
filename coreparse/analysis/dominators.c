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
#include "../util/huge_pages.h"

#define NONE UINT32_MAX
#define NODE_ROOT 0u
#define NODE_GARBAGE 1u
#define FIRST_OBJECT 2u

/* HELD_BY_ROOT: tracked, not garbage, and no seed reaches it; the search
 * makes it a child of the virtual root. */
/* HAS_HIDDEN: the object has hidden references, which few have: the
 * search looks for them only then. */
enum { SEED = 1, GARBAGE_OBJECT = 2, HELD_BY_ROOT = 4, HAS_HIDDEN = 8 };

struct dom_build {
	rs_target *target;
	rs_heap *heap;
	const struct rs_graph *g;
	size_t n;                 /* objects */
	size_t nodes;             /* objects and the two pseudo-roots */
	/* Hidden references (code objects' fields, heap types' names) beside
	 * the graph's: (from, to) pairs in the order of from. */
	uint32_t *hidden_from, *hidden_to;
	size_t n_hidden, hidden_capacity;
	uint8_t *flags;           /* 4 bits per object (flags_of): SEED, GARBAGE_OBJECT, ... */
	uint32_t *pre;            /* per node: its preorder number, NONE when the search never reached it */
	uint32_t *parent;         /* by number: the DFS parent's number, then the immediate dominator's */
	uint32_t visited, garbage_pre;
	bool renumbering;         /* the search again, for pre only: parent holds the dominators */
	/* By number, in the memory of the result's arrays until they are
	 * filled: the semidominator, eval's label and the forest's links. */
	uint32_t *semi, *label, *ancestor;
	/* By number w: the numbers of w's referrers numbered after w (the only
	 * ones whose semidominator candidate needs eval), late[late_start[w] ..
	 * late_start[w+1]). */
	uint32_t *late_start, *late;
	uint32_t *stack;          /* eval's path */
	size_t stack_capacity;
	bool nomem;
};

/* Two objects a byte: the flags are held at the tree's peak of memory. */
static uint8_t flags_of(const struct dom_build *b, uint32_t i)
{
	return (uint8_t)((b->flags[i / 2] >> (4 * (i % 2))) & 15);
}

static void flags_add(struct dom_build *b, uint32_t i, uint8_t f)
{
	b->flags[i / 2] |= (uint8_t)(f << (4 * (i % 2)));
}

static void flags_clear(struct dom_build *b, uint32_t i, uint8_t f)
{
	b->flags[i / 2] &= (uint8_t)~(f << (4 * (i % 2)));
}

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
		if (b->n_hidden > before)
			flags_add(b, i, HAS_HIDDEN);
	}
	return !b->nomem;
}

/* The first of object v's hidden references (or where they would be). */
static size_t hidden_first(const struct dom_build *b, uint32_t v)
{
	size_t lo = 0, hi = b->n_hidden;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->hidden_from[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint64_t edges_end(const struct dom_build *b, uint32_t v)
{
	return v < b->g->objects_reached ? b->g->edge_start[v + 1] : 0;
}

/* Calls add(b, v, w) for every reference v -> w, v in object order. Graph
 * edges may name no object (left out) or one past n. */
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
	b->late_start[w]++; /* the in-degree, before late_start serves its own end */
}

/* Seeds: what named roots hold, what C code holds (a count the heap and
 * the roots do not explain), the immortal; and the garbage. */
static bool flags_set(struct dom_build *b, const struct rs_roots *roots, const struct rs_garbage *garbage)
{
	const struct rs_object *objects = b->heap->objects;
	uint64_t tracked = b->heap->graph->objects_tracked;
	b->late_start = rs_huge_calloc(b->n + 1, sizeof(*b->late_start));
	if (!b->late_start)
		return false;
	references_each(b, in_count);
	for (size_t r = 0; r < roots->n_refs; r++)
		if (roots->refs[r].object < b->n)
			flags_add(b, roots->refs[r].object, SEED);
	for (uint32_t i = 0; i < b->n; i++) {
		if (i < tracked && rs_garbage_contains(garbage, i)) {
			flags_clear(b, i, SEED);
			flags_add(b, i, GARBAGE_OBJECT);
			continue;
		}
		int64_t in = b->late_start[i];
		int64_t from_roots = i < roots->counts_capacity ? roots->counts[i] : 0;
		if ((objects[i].flags & RS_IMMORTAL) || objects[i].refcnt - in - from_roots > 0)
			flags_add(b, i, SEED);
	}
	free(b->late_start);
	b->late_start = NULL;
	return true;
}

static uint32_t node_visit(struct dom_build *b, uint32_t node, uint32_t parent_pre)
{
	uint32_t number = b->visited++;
	b->pre[node] = number;
	if (!b->renumbering)
		b->parent[number] = parent_pre;
	return number;
}

/* One frame of the depth-first search: an object and where it is in its
 * references (graph edges first, then hidden ones). */
struct dfs_frame {
	uint32_t object;
	uint64_t e;
	size_t h;
};

struct dfs_stack {
	struct dfs_frame *frames;
	size_t n, capacity;
};

static bool dfs_push(struct dom_build *b, struct dfs_stack *s, uint32_t object, uint32_t parent_pre)
{
	if (s->n == s->capacity) {
		size_t cap = s->capacity ? 2 * s->capacity : 4096;
		struct dfs_frame *frames = realloc(s->frames, cap * sizeof(*frames));
		if (!frames)
			return false;
		s->frames = frames;
		s->capacity = cap;
	}
	node_visit(b, object + FIRST_OBJECT, parent_pre);
	s->frames[s->n++] = (struct dfs_frame){
		object, object < b->g->objects_reached ? b->g->edge_start[object] : 0,
		(flags_of(b, object) & HAS_HIDDEN) ? hidden_first(b, object) : b->n_hidden};
	return true;
}

/* Depth-first from object start (a child of the virtual root or of the
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
		if (f->e < edges_end(b, f->object))
			w = b->g->edges[f->e++];
		else if (f->h < b->n_hidden && b->hidden_from[f->h] == f->object)
			w = b->hidden_to[f->h++];
		else {
			s->n--;
			continue;
		}
		if (w >= b->n || b->pre[w + FIRST_OBJECT] != NONE)
			continue;
		if ((flags_of(b, w) & GARBAGE_OBJECT) && !garbage_side)
			continue;
		if (!dfs_push(b, s, w, b->pre[f->object + FIRST_OBJECT]))
			return false;
	}
	return true;
}

static bool depth_first(struct dom_build *b)
{
	struct dfs_stack s = {NULL, 0, 0};
	bool ok = true;
	b->visited = 0;
	memset(b->pre, 0xff, b->nodes * sizeof(*b->pre));
	node_visit(b, NODE_ROOT, NONE);
	for (uint32_t i = 0; ok && i < b->n; i++)
		if ((flags_of(b, i) & SEED) && b->pre[i + FIRST_OBJECT] == NONE)
			ok = dfs(b, &s, i, 0, false);
	/* Tracked objects gc keeps that no seed reaches (held only through
	 * references refscope counts nowhere): the virtual root holds them. */
	for (uint32_t i = 0; ok && i < b->g->objects_tracked && i < b->n; i++)
		if (!(flags_of(b, i) & GARBAGE_OBJECT) && b->pre[i + FIRST_OBJECT] == NONE) {
			flags_add(b, i, HELD_BY_ROOT);
			ok = dfs(b, &s, i, 0, false);
		}
	b->garbage_pre = node_visit(b, NODE_GARBAGE, 0);
	for (uint32_t i = 0; ok && i < b->n; i++)
		if ((flags_of(b, i) & GARBAGE_OBJECT) && b->pre[i + FIRST_OBJECT] == NONE)
			ok = dfs(b, &s, i, b->garbage_pre, true);
	free(s.frames);
	return ok;
}

/* The numbers of a reference's two ends, false when the search did not
 * follow it: an end never reached, or one end on the garbage side and the
 * other on the live side. */
static bool reference_numbers(const struct dom_build *b, uint32_t v, uint32_t w, uint32_t *pv, uint32_t *pw)
{
	*pv = b->pre[v + FIRST_OBJECT];
	*pw = b->pre[w + FIRST_OBJECT];
	return *pv != NONE && *pw != NONE && (*pv > b->garbage_pre) == (*pw > b->garbage_pre);
}

/* A referrer numbered before w is still a root of the link-eval forest
 * when w's turn comes, so its candidate is its own number: taken here.
 * Referrers numbered after w are counted, to be listed next. */
static void early_take_late_count(struct dom_build *b, uint32_t v, uint32_t w)
{
	uint32_t pv, pw;
	if (!reference_numbers(b, v, w, &pv, &pw))
		return;
	if (pv < pw) {
		if (pv < b->semi[pw])
			b->semi[pw] = pv;
	} else if (pv > pw) {
		b->late_start[pw + 1]++;
	}
}

static void late_place(struct dom_build *b, uint32_t v, uint32_t w)
{
	uint32_t pv, pw;
	if (reference_numbers(b, v, w, &pv, &pw) && pv > pw)
		b->late[b->late_start[pw]++] = pv;
}

/* Semidominators as far as the referrers numbered earlier and the seeds
 * decide them, and the later referrers by number. */
static bool semi_prepare(struct dom_build *b)
{
	uint32_t n = b->visited;
	for (uint32_t w = 0; w < n; w++)
		b->semi[w] = w;
	b->semi[b->garbage_pre] = 0;
	for (uint32_t i = 0; i < b->n; i++) {
		uint32_t w = b->pre[i + FIRST_OBJECT];
		if (w == NONE)
			continue;
		if (flags_of(b, i) & (SEED | HELD_BY_ROOT))
			b->semi[w] = 0;
		else if ((flags_of(b, i) & GARBAGE_OBJECT) && b->garbage_pre < b->semi[w])
			b->semi[w] = b->garbage_pre;
	}
	b->late_start = rs_huge_calloc((size_t)n + 1, sizeof(*b->late_start));
	if (!b->late_start)
		return false;
	references_each(b, early_take_late_count);
	for (uint32_t w = 0; w < n; w++)
		b->late_start[w + 1] += b->late_start[w];
	b->late = rs_huge_malloc((b->late_start[n] ? b->late_start[n] : 1) * sizeof(*b->late));
	if (!b->late)
		return false;
	references_each(b, late_place);
	/* Each bucket's start moved up to its end, which is the next one's start. */
	memmove(b->late_start + 1, b->late_start, n * sizeof(*b->late_start));
	b->late_start[0] = 0;
	return true;
}

/* Lengauer and Tarjan's eval with path compression, iterative: the node of
 * least semidominator on the forest path above v. */
static uint32_t eval(struct dom_build *b, uint32_t v)
{
	uint32_t *ancestor = b->ancestor, *label = b->label, *semi = b->semi;
	if (ancestor[v] == NONE)
		return v;
	size_t top = 0;
	for (uint32_t x = v; ancestor[ancestor[x]] != NONE; x = ancestor[x]) {
		if (top == b->stack_capacity) {
			size_t cap = b->stack_capacity ? 2 * b->stack_capacity : 4096;
			uint32_t *stack = realloc(b->stack, cap * sizeof(*stack));
			if (!stack) {
				b->nomem = true;
				break;
			}
			b->stack = stack;
			b->stack_capacity = cap;
		}
		b->stack[top++] = x;
	}
	while (top) {
		uint32_t y = b->stack[--top], a = ancestor[y];
		if (semi[label[a]] < semi[label[y]])
			label[y] = label[a];
		ancestor[y] = ancestor[a];
	}
	return label[v];
}

/* Immediate dominators by number, in parent (which becomes idom). */
static bool semi_nca(struct dom_build *b)
{
	uint32_t n = b->visited;
	for (uint32_t i = 0; i < n; i++) {
		b->label[i] = i;
		b->ancestor[i] = NONE;
	}
	for (uint32_t w = n - 1; w > 0 && !b->nomem; w--) {
		uint32_t best = b->semi[w];
		for (uint32_t e = b->late_start[w]; e < b->late_start[w + 1] && best; e++) {
			uint32_t u = eval(b, b->late[e]);
			if (b->semi[u] < best)
				best = b->semi[u];
		}
		b->semi[w] = best;
		b->ancestor[w] = b->parent[w];
	}
	uint32_t *idom = b->parent;
	for (uint32_t w = 1; w < n; w++) {
		uint32_t x = idom[w];
		while (x > b->semi[w])
			x = idom[x];
		idom[w] = x;
	}
	return !b->nomem;
}

static uint32_t dominator_of(uint32_t up)
{
	return up == NODE_ROOT ? RS_DOMINATOR_ROOT : up == NODE_GARBAGE ? RS_DOMINATOR_GARBAGE : up - FIRST_OBJECT;
}

/* idom and retained by object, in the arrays semi_nca worked in: nodes by
 * number first (where semi was), idom by object from it, then the nodes by
 * number moved to where idom by number was, and retained accumulated
 * bottom-up in reverse preorder (every node is numbered after its
 * dominator). */
static void result_fill(struct dom_build *b, struct rs_dominators *out)
{
	uint32_t n = b->visited, *vertex = b->semi;
	for (uint32_t node = 0; node < b->nodes; node++)
		if (b->pre[node] != NONE)
			vertex[b->pre[node]] = node;
	for (uint32_t i = 0; i < b->n; i++) {
		uint32_t w = b->pre[i + FIRST_OBJECT];
		out->idom[i] = w == NONE ? RS_NO_OBJECT : dominator_of(vertex[b->parent[w]]);
	}
	memcpy(b->parent, vertex, n * sizeof(*vertex));
	vertex = b->parent;
	memset(out->retained, 0, b->nodes * sizeof(*out->retained));
	uint64_t root = 0, garbage = 0;
	for (uint32_t w = n - 1; w > 0; w--) {
		uint32_t node = vertex[w];
		uint64_t bytes = garbage;
		uint32_t up = RS_DOMINATOR_ROOT;
		if (node >= FIRST_OBJECT) {
			uint32_t object = node - FIRST_OBJECT;
			out->retained[object] += b->heap->objects[object].size;
			bytes = out->retained[object];
			up = out->idom[object];
		}
		if (up == RS_DOMINATOR_ROOT)
			root += bytes;
		else if (up == RS_DOMINATOR_GARBAGE)
			garbage += bytes;
		else
			out->retained[up] += bytes;
	}
	out->count = b->n;
	out->total = root;
	out->garbage = garbage;
}

static void build_free(struct dom_build *b)
{
	free(b->hidden_from);
	free(b->hidden_to);
	free(b->flags);
	free(b->pre);
	free(b->parent);
	free(b->late_start);
	free(b->late);
	free(b->stack);
}

/* Seeds and garbage from the roots and the collector's answer; the roots'
 * counts are freed once read. */
static rs_error *seeds_find(rs_target *target, rs_heap *heap, struct dom_build *b, struct rs_roots *roots)
{
	struct rs_garbage garbage;
	rs_error *err = rs_heap_unreachable(target, heap, &garbage);
	if (err)
		return err;
	/* The graph (rs_heap_roots built it) and every object, with those
	 * only roots hold (rs_heap_roots adopted them). */
	b->g = heap->graph;
	b->n = heap->n_objects;
	b->nodes = b->n + FIRST_OBJECT;
	bool ok = (b->flags = rs_huge_calloc(b->n / 2 + 1, 1)) && hidden_collect(b) && flags_set(b, roots, &garbage);
	free(roots->counts);
	roots->counts = NULL;
	roots->counts_capacity = 0;
	rs_garbage_free(&garbage);
	return ok ? NULL : rs_error_nomem();
}

/* Memory per node, beyond the result's 12 bytes (which hold semi, label
 * and ancestor until they are filled): parent and the seed flags
 * throughout, and either pre or the later referrers by number. pre goes
 * before the semidominators are computed and the search runs again for
 * it: a second search costs less than four bytes per node more at the
 * peak. The reversed graph is never built whole. */
rs_error *rs_heap_dominators(rs_target *target, rs_heap *heap, struct rs_dominators *out)
{
	struct rs_roots roots;
	memset(out, 0, sizeof(*out));
	rs_error *err = rs_heap_roots(target, heap, &roots);
	if (err)
		return err;
	err = rs_heap_dominators_of_roots(target, heap, &roots, out);
	rs_roots_free(&roots);
	return err;
}

rs_error *rs_heap_dominators_of_roots(rs_target *target, rs_heap *heap, struct rs_roots *roots,
				      struct rs_dominators *out)
{
	memset(out, 0, sizeof(*out));
	struct dom_build b = {.target = target, .heap = heap};
	rs_error *err = seeds_find(target, heap, &b, roots);
	if (err) {
		build_free(&b);
		return err;
	}
	rs_graph_index_release(heap->graph);
	bool ok = (b.pre = rs_huge_malloc(b.nodes * sizeof(*b.pre))) && (b.parent = rs_huge_malloc(b.nodes * sizeof(*b.parent))) &&
		  depth_first(&b) && (out->retained = rs_huge_malloc(b.nodes * sizeof(*out->retained)));
	if (ok) {
		b.semi = (uint32_t *)out->retained;
		b.label = b.semi + b.nodes;
		ok = semi_prepare(&b);
	}
	free(b.pre);
	b.pre = NULL;
	ok = ok && (out->idom = rs_huge_malloc(b.nodes * sizeof(*out->idom)));
	if (ok) {
		b.ancestor = out->idom;
		ok = semi_nca(&b);
	}
	free(b.late_start);
	free(b.late);
	b.late_start = b.late = NULL;
	b.renumbering = true;
	ok = ok && (b.pre = rs_huge_malloc(b.nodes * sizeof(*b.pre))) && depth_first(&b);
	if (ok)
		result_fill(&b, out);
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
