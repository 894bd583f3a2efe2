/* A shortest chain of references from a named root to an object, found by
 * breadth-first searches from every root of a rank at once, the most
 * telling ranks first: modules, then frames (what Python code holds), then
 * interpreter and thread states, then static data (found by scanning C
 * memory, where stale pointers may hide). When no named root reaches the
 * object, objects whose reference count the heap and the roots do not
 * explain seed a last search, as "external" roots (held by C code). An
 * object gc.collect() would free is reached from nothing alive: its path is
 * itself, and says so. */
#include <stdlib.h>
#include <string.h>

#include "../graph/graph.h"
#include "../target.h"
#include "../util/huge_pages.h"

#define NONE UINT32_MAX

static bool bfs(const struct rs_graph *g, size_t n, uint32_t *parent, uint32_t *queue, size_t queued,
		uint32_t target)
{
	for (size_t head = 0; head < queued; head++) {
		uint32_t v = queue[head];
		if (v == target)
			return true;
		for (uint64_t e = g->edge_start[v]; e < g->edge_start[v + 1]; e++) {
			uint32_t w = g->edges[e];
			if (w < n && parent[w] == NONE) {
				parent[w] = v;
				queue[queued++] = w;
			}
		}
	}
	return false;
}

/* The unexplained references of each object, for the external search. */
static void unexplained_seed(rs_heap *heap, const struct rs_roots *roots, uint32_t *parent, uint32_t *queue,
			     size_t *queued)
{
	const struct rs_graph *g = heap->graph;
	size_t n = heap->n_objects;
	uint32_t *in = rs_huge_calloc(n + 1, sizeof(*in));
	if (!in)
		return;
	for (uint64_t e = 0; e < g->n_edges; e++)
		in[g->edges[e]]++;
	for (uint32_t i = 0; i < n; i++) {
		const struct rs_object *o = &heap->objects[i];
		int64_t from_roots = i < roots->counts_capacity ? roots->counts[i] : 0;
		if (parent[i] == NONE && !(o->flags & RS_IMMORTAL) && o->refcnt - (int64_t)in[i] - from_roots > 0) {
			parent[i] = i;
			queue[(*queued)++] = i;
		}
	}
	free(in);
}

/* Whether the object is garbage; *uncertain as rs_garbage_uncertain. */
static rs_error *garbage_check(rs_target *target, rs_heap *heap, uint32_t object, bool *garbage, bool *uncertain)
{
	struct rs_garbage g;
	rs_error *err = rs_heap_garbage(target, heap, &g);
	if (err)
		return err;
	*garbage = object < heap->graph->objects_tracked && rs_garbage_contains(&g, object);
	*uncertain = *garbage && rs_garbage_uncertain(&g, object);
	rs_garbage_free(&g);
	return NULL;
}

rs_error *rs_heap_path(rs_target *target, rs_heap *heap, uint32_t object, struct rs_path *out)
{
	memset(out, 0, sizeof(*out));
	rs_error *err = garbage_check(target, heap, object, &out->garbage, &out->garbage_uncertain);
	if (!err)
		err = rs_heap_roots(target, heap, &out->roots);
	if (err)
		return err;
	if (out->garbage) {
		out->root = NONE;
		if (!(out->steps = malloc(sizeof(*out->steps)))) {
			rs_path_free(out);
			return rs_error_nomem();
		}
		out->steps[0] = object;
		out->length = 1;
		return NULL;
	}
	size_t n = heap->n_objects;
	uint32_t *parent = rs_huge_malloc((n + 1) * sizeof(*parent));
	uint32_t *queue = rs_huge_malloc((n + 1) * sizeof(*queue));
	uint32_t *seed = rs_huge_malloc((n + 1) * sizeof(*seed));
	if (!parent || !queue || !seed) {
		free(parent);
		free(queue);
		free(seed);
		rs_roots_free(&out->roots);
		return rs_error_nomem();
	}
	static const uint8_t rank_of_kind[] = {0, 1, 2, 2, 3, 4}; /* by enum rs_root_kind */
	out->root = NONE;
	bool found = false;
	for (uint8_t rank = 0; rank <= 3 && !found; rank++) {
		memset(parent, 0xff, (n + 1) * sizeof(*parent));
		size_t queued = 0;
		for (size_t r = 0; r < out->roots.n_refs; r++) {
			uint32_t o = out->roots.refs[r].object;
			if (o < n && parent[o] == NONE && rank_of_kind[out->roots.refs[r].kind] <= rank) {
				parent[o] = o;
				seed[o] = (uint32_t)r;
				queue[queued++] = o;
			}
		}
		found = bfs(heap->graph, n, parent, queue, queued, object);
	}
	if (found) {
		uint32_t v = object;
		while (parent[v] != v)
			v = parent[v];
		out->root = seed[v];
	} else {
		memset(parent, 0xff, (n + 1) * sizeof(*parent));
		size_t queued = 0;
		unexplained_seed(heap, &out->roots, parent, queue, &queued);
		out->external = true;
		if (!bfs(heap->graph, n, parent, queue, queued, object)) {
			memset(parent, 0xff, (n + 1) * sizeof(*parent));
			parent[object] = object; /* the object alone: nothing known holds it */
		}
	}
	size_t length = 1;
	for (uint32_t v = object; parent[v] != v; v = parent[v])
		length++;
	out->steps = malloc(length * sizeof(*out->steps));
	if (out->steps) {
		out->length = length;
		uint32_t v = object;
		for (size_t i = length; i-- > 0; v = parent[v])
			out->steps[i] = v;
	}
	free(parent);
	free(queue);
	free(seed);
	if (!out->steps) {
		rs_path_free(out);
		return rs_error_nomem();
	}
	return NULL;
}

void rs_path_free(struct rs_path *path)
{
	rs_roots_free(&path->roots);
	free(path->steps);
	memset(path, 0, sizeof(*path));
}

/* ---- every object at once (retainers) ---- */

static void paths_pass(const struct rs_graph *g, size_t n, struct rs_paths *out, uint32_t *pass, uint32_t *queue,
		       uint32_t *seed, size_t queued)
{
	bfs(g, n, pass, queue, queued, NONE);
	for (uint32_t i = 0; i < n; i++) {
		if (out->parent[i] != NONE || pass[i] == NONE)
			continue;
		out->parent[i] = pass[i];
		if (pass[i] == i)
			out->root[i] = seed[i];
	}
}

rs_error *rs_heap_shortest_paths(rs_target *target, rs_heap *heap, struct rs_paths *out)
{
	memset(out, 0, sizeof(*out));
	rs_error *err = rs_heap_roots(target, heap, &out->roots);
	if (err)
		return err;
	size_t n = heap->n_objects;
	out->count = n;
	out->parent = rs_huge_malloc((n + 1) * sizeof(*out->parent));
	out->root = rs_huge_malloc((n + 1) * sizeof(*out->root));
	uint32_t *pass = rs_huge_malloc((n + 1) * sizeof(*pass)), *queue = rs_huge_malloc((n + 1) * sizeof(*queue));
	uint32_t *seed = rs_huge_malloc((n + 1) * sizeof(*seed));
	if (!out->parent || !out->root || !pass || !queue || !seed) {
		free(pass);
		free(queue);
		free(seed);
		rs_paths_free(out);
		return rs_error_nomem();
	}
	memset(out->parent, 0xff, (n + 1) * sizeof(*out->parent));
	memset(out->root, 0xff, (n + 1) * sizeof(*out->root));
	static const uint8_t rank_of_kind[] = {0, 1, 2, 2, 3, 4}; /* as rs_heap_path */
	for (uint8_t rank = 0; rank <= 3; rank++) {
		memset(pass, 0xff, (n + 1) * sizeof(*pass));
		size_t queued = 0;
		for (size_t r = 0; r < out->roots.n_refs; r++) {
			uint32_t o = out->roots.refs[r].object;
			if (o < n && pass[o] == NONE && rank_of_kind[out->roots.refs[r].kind] <= rank) {
				pass[o] = o;
				seed[o] = (uint32_t)r;
				queue[queued++] = o;
			}
		}
		paths_pass(heap->graph, n, out, pass, queue, seed, queued);
	}
	/* Then what only C code holds, through what nothing named reached. */
	memset(pass, 0xff, (n + 1) * sizeof(*pass));
	for (uint32_t i = 0; i < n; i++)
		if (out->parent[i] != NONE)
			pass[i] = out->parent[i]; /* reached already: not entered again */
	size_t queued = 0;
	unexplained_seed(heap, &out->roots, pass, queue, &queued);
	for (size_t k = 0; k < queued; k++)
		seed[queue[k]] = NONE;
	paths_pass(heap->graph, n, out, pass, queue, seed, queued);
	free(pass);
	free(queue);
	free(seed);
	return NULL;
}

void rs_paths_free(struct rs_paths *paths)
{
	rs_roots_free(&paths->roots);
	free(paths->parent);
	free(paths->root);
	memset(paths, 0, sizeof(*paths));
}
