/* cycles: strongly connected components of the reference graph, largest first. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "render.h"

#define TEXT_DEFAULT_TOP 20
#define DOT_DEFAULT_TOP 5 /* a picture of every cycle is unreadable */

struct cycle_row {
	size_t group;
	uint64_t size, bytes;
};

static int row_cmp(const void *a, const void *b)
{
	const struct cycle_row *x = a, *y = b;
	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return (x->group > y->group) - (x->group < y->group);
}

static json_object *cycle_doc(const rs_heap *heap, const struct rs_groups *g, size_t k,
			      const struct rs_garbage *garbage, uint64_t bytes)
{
	const uint32_t *members = g->members + g->start[k];
	size_t n = (size_t)(g->start[k + 1] - g->start[k]);
	json_object *o = json_object_new_object(), *objects = json_object_new_array();
	json_object_object_add(o, "size", json_object_new_int64((int64_t)n));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)bytes));
	json_object_object_add(o, "reachable", json_object_new_boolean(!rs_garbage_contains(garbage, members[0])));
	json_object_object_add(o, "types", rs_doc_group_types(heap, members, n));
	for (size_t i = 0; i < n; i++)
		json_object_array_add(objects, rs_doc_object_ref(heap, members[i]));
	json_object_object_add(o, "objects", objects);
	return o;
}

static rs_error *cycles_build(struct rs_command_context *ctx, json_object **out)
{
	struct rs_groups g;
	struct rs_garbage garbage;
	rs_error *err = rs_heap_cycles(ctx->target, ctx->heap, &g);
	if (err)
		return err;
	err = rs_heap_garbage(ctx->target, ctx->heap, &garbage);
	if (err) {
		rs_groups_free(&g);
		return err;
	}
	const struct rs_object *objects = rs_heap_objects(ctx->heap);
	struct cycle_row *rows = calloc(g.count + 1, sizeof(*rows));
	size_t n_rows = 0;
	uint64_t min = ctx->opts.min_size > 0 ? (uint64_t)ctx->opts.min_size : 1;
	for (size_t k = 0; rows && k < g.count; k++) {
		uint64_t size = g.start[k + 1] - g.start[k], bytes = 0;
		for (uint64_t i = g.start[k]; i < g.start[k + 1]; i++)
			bytes += objects[g.members[i]].size;
		if (size >= min)
			rows[n_rows++] = (struct cycle_row){k, size, bytes};
	}
	qsort(rows, n_rows, sizeof(*rows), row_cmp);
	size_t top = ctx->opts.top_given ? (size_t)ctx->opts.top
			 : ctx->opts.json ? n_rows
			 : ctx->opts.dot  ? DOT_DEFAULT_TOP
					  : TEXT_DEFAULT_TOP;
	size_t shown = top < n_rows ? top : n_rows;
	json_object *doc = json_object_new_object(), *cycles = json_object_new_array();
	for (size_t r = 0; r < shown; r++)
		json_object_array_add(cycles, cycle_doc(ctx->heap, &g, rows[r].group, &garbage, rows[r].bytes));
	json_object_object_add(doc, "cycles_total", json_object_new_int64((int64_t)n_rows));
	json_object_object_add(doc, "cycles", cycles);
	free(rows);
	rs_groups_free(&g);
	rs_garbage_free(&garbage);
	*out = doc;
	return NULL;
}

static const char *reachable_column(json_object *cycle)
{
	return rs_json_bool(cycle, "reachable") ? "yes" : "NO (garbage)";
}

static void cycles_render(json_object *doc, const struct rs_command_options *opts, FILE *out)
{
	json_object *cycles;
	json_object_object_get_ex(doc, "cycles", &cycles);
	size_t n = json_object_array_length(cycles);
	size_t shown = opts->top_given ? n : (n < TEXT_DEFAULT_TOP ? n : TEXT_DEFAULT_TOP);
	int64_t total = rs_json_int(doc, "cycles_total");
	rs_render_group_table(cycles, shown, total, "cycles", "reachable", reachable_column, out);
	fprintf(out, "%" PRId64 " cycles\n", total);
	rs_render_warnings(doc, out);
}

static void cycles_dot(struct rs_command_context *ctx, json_object *doc, FILE *out)
{
	rs_dot_groups(ctx, doc, "cycles", "cycle", out);
}

const struct rs_command rs_command_cycles = {
	.name = "cycles",
	.summary = "reference cycles (strongly connected components), largest first",
	.needs_heap = true,
	.needs_address = false,
	.build = cycles_build,
	.render = cycles_render,
	.dot = cycles_dot,
};
