/* cycles: strongly connected components of the reference graph, largest first. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "group_row.h"
#include "lazy_array.h"
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
	json_object *o = json_object_new_object();
	json_object_object_add(o, "size", json_object_new_int64((int64_t)n));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)bytes));
	json_object_object_add(o, "reachable", json_object_new_boolean(!rs_garbage_contains(garbage, members[0])));
	json_object_object_add(o, "types", rs_doc_group_types(heap, members, n));
	json_object_object_add(o, "objects", rs_doc_object_refs(heap, members, n));
	return o;
}

/* What the rows of the answer are built from, kept until they are printed. */
struct cycles_found {
	const rs_heap *heap;
	struct rs_groups groups;
	struct rs_garbage garbage;
	struct cycle_row *rows;
	struct rs_ref_names *names; /* --json: the members' refs are printed from the groups */
};

static void cycles_found_free(void *state)
{
	struct cycles_found *f = state;
	rs_groups_free(&f->groups);
	rs_garbage_free(&f->garbage);
	rs_ref_names_free(f->names);
	free(f->rows);
	free(f);
}

static json_object *cycles_row(void *state, size_t r)
{
	struct cycles_found *f = state;
	return cycle_doc(f->heap, &f->groups, f->rows[r].group, &f->garbage, f->rows[r].bytes);
}

static const char *const CYCLE_FLAG_KEYS[] = {"\"reachable\""};

/* --json: the row printed from the cycle, members and all. */
static int cycles_row_print(void *state, size_t r, struct printbuf *pb, int level, int flags)
{
	struct cycles_found *f = state;
	const struct rs_groups *g = &f->groups;
	size_t k = f->rows[r].group, n = (size_t)(g->start[k + 1] - g->start[k]);
	const uint32_t *members = g->members + g->start[k];
	struct rs_type_count *counts = malloc((n ? n : 1) * sizeof(*counts));
	if (!counts)
		return -1;
	bool reachable = !rs_garbage_contains(&f->garbage, members[0]);
	struct rs_doc_members arg = {f->heap, members};
	struct rs_group_row row = {n, f->rows[r].bytes, CYCLE_FLAG_KEYS, &reachable, 1, counts,
				   rs_group_type_counts(rs_heap_objects(f->heap), members, n, counts), rs_doc_member_item,
				   &arg};
	int printed = rs_group_row_print(f->names, &row, pb, level, flags);
	free(counts);
	return printed;
}

/* The cycles of at least min objects, largest first. */
static size_t cycles_rows(struct cycles_found *f, uint64_t min)
{
	const struct rs_object *objects = rs_heap_objects(f->heap);
	const struct rs_groups *g = &f->groups;
	size_t n_rows = 0;
	for (size_t k = 0; k < g->count; k++) {
		uint64_t size = g->start[k + 1] - g->start[k], bytes = 0;
		for (uint64_t i = g->start[k]; i < g->start[k + 1]; i++)
			bytes += objects[g->members[i]].size;
		if (size >= min)
			f->rows[n_rows++] = (struct cycle_row){k, size, bytes};
	}
	qsort(f->rows, n_rows, sizeof(*f->rows), row_cmp);
	return n_rows;
}

static rs_error *cycles_build(struct rs_command_context *ctx, json_object **out)
{
	struct cycles_found *f = calloc(1, sizeof(*f));
	if (!f)
		return rs_error_nomem();
	f->heap = ctx->heap;
	rs_error *err = rs_heap_cycles(ctx->target, ctx->heap, &f->groups);
	if (err) {
		free(f);
		return err;
	}
	err = rs_heap_unreachable(ctx->target, ctx->heap, &f->garbage);
	if (!err && !(f->rows = calloc(f->groups.count + 1, sizeof(*f->rows))))
		err = rs_error_nomem();
	if (err) {
		cycles_found_free(f);
		return err;
	}
	size_t n_rows = cycles_rows(f, ctx->opts.min_size > 0 ? (uint64_t)ctx->opts.min_size : 1);
	size_t shown = rs_rows_shown(&ctx->opts, n_rows, TEXT_DEFAULT_TOP, DOT_DEFAULT_TOP);
	json_object *cycles;
	if (ctx->opts.json) {
		if (!(f->names = rs_doc_ref_names(ctx->heap, NULL))) {
			cycles_found_free(f);
			return rs_error_nomem();
		}
		cycles = rs_lazy_array_printed(shown, cycles_row_print, f, cycles_found_free);
		if (!cycles)
			return rs_error_nomem();
	} else {
		cycles = json_object_new_array();
		for (size_t r = 0; r < shown; r++)
			json_object_array_add(cycles, cycles_row(f, r));
		cycles_found_free(f);
	}
	json_object *doc = json_object_new_object();
	json_object_object_add(doc, "cycles_total", json_object_new_int64((int64_t)n_rows));
	json_object_object_add(doc, "cycles", cycles);
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
	size_t shown = rs_rows_shown(opts, n, TEXT_DEFAULT_TOP, n);
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
