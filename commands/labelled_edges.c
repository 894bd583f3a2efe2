#include "labelled_edges.h"

#include <stdlib.h>
#include <string.h>

struct collecting {
	struct rs_edge_labels *s;
	const uint32_t *referents;
	size_t count;
	const struct rs_object *objects;
	size_t n_objects;
	bool aligned;
};

static bool scratch_push(struct rs_edge_labels *s, const char *via, bool conservative)
{
	size_t len = strlen(via) + 1;
	if (s->len + len > s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 4096;
		while (cap < s->len + len)
			cap *= 2;
		char *pool = realloc(s->pool, cap);
		if (!pool)
			return false;
		s->pool = pool;
		s->cap = cap;
	}
	if (s->n == s->n_cap) {
		size_t cap = s->n_cap ? 2 * s->n_cap : 256;
		uint32_t *offsets = realloc(s->offsets, cap * sizeof(*offsets));
		if (offsets)
			s->offsets = offsets;
		bool *conservatives = offsets ? realloc(s->conservative, cap * sizeof(*conservatives)) : NULL;
		if (!conservatives)
			return false;
		s->conservative = conservatives;
		s->n_cap = cap;
	}
	memcpy(s->pool + s->len, via, len);
	s->offsets[s->n] = (uint32_t)s->len;
	s->conservative[s->n++] = conservative;
	s->len += len;
	return true;
}

/* refs visits the same references in the same order as the graph build
 * did; an address that differs means the two reads disagree. */
static void collect(void *arg, uint64_t referent, const char *via, bool conservative)
{
	struct collecting *c = arg;
	size_t k = c->s->n;
	if (k >= c->count) {
		c->aligned = false;
		return;
	}
	uint32_t target = c->referents[k];
	if (target < c->n_objects && c->objects[target].address != referent)
		c->aligned = false;
	if (!scratch_push(c->s, via, conservative))
		c->s->nomem = true;
}

struct hidden_forward {
	rs_edge_fn fn;
	void *arg;
	size_t count;
};

static void hidden_reference(void *arg, uint32_t referent)
{
	struct hidden_forward *h = arg;
	if (referent < h->count)
		h->fn(h->arg, referent, NULL, false, true);
}

void rs_labelled_edges(struct rs_command_context *ctx, struct rs_edge_labels *scratch, uint32_t i, size_t count,
		       rs_edge_fn fn, void *arg)
{
	size_t n;
	const uint32_t *referents = rs_heap_referents(ctx->heap, i, &n);
	struct collecting c = {scratch, referents, n, rs_heap_objects(ctx->heap), rs_heap_object_count(ctx->heap), true};
	scratch->len = scratch->n = 0;
	rs_error_free(rs_heap_references(ctx->target, ctx->heap, i, collect, &c)); /* what was read stands */
	bool labelled = c.aligned && scratch->n == n && !scratch->nomem;
	for (size_t k = 0; k < n; k++)
		if (referents[k] < count)
			fn(arg, referents[k], labelled ? scratch->pool + scratch->offsets[k] : NULL,
			   labelled && scratch->conservative[k], false);
	struct hidden_forward h = {fn, arg, count};
	rs_heap_hidden_references(ctx->target, ctx->heap, i, hidden_reference, &h);
}

void rs_edge_labels_free(struct rs_edge_labels *scratch)
{
	free(scratch->pool);
	free(scratch->offsets);
	free(scratch->conservative);
	memset(scratch, 0, sizeof(*scratch));
}
