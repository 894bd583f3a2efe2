/* summary: objects by type (count, bytes), largest first, with totals. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dominator_tree.h"

#define TEXT_DEFAULT_TOP 25

/* A row: one type object, tracked or untracked instances. */
struct type_total {
	uint32_t type;
	bool tracked;
	uint64_t count, bytes, retained;
};

static enum rs_sort sort_key;
static const rs_heap *sort_heap;

static int total_cmp(const void *a, const void *b)
{
	const struct type_total *x = a, *y = b;
	uint64_t kx = sort_key == RS_SORT_COUNT ? x->count : x->bytes;
	uint64_t ky = sort_key == RS_SORT_COUNT ? y->count : y->bytes;
	if (kx != ky)
		return kx < ky ? 1 : -1;
	int by_name = strcmp(rs_heap_type(sort_heap, x->type)->name, rs_heap_type(sort_heap, y->type)->name);
	if (by_name)
		return by_name;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return (int)y->tracked - (int)x->tracked;
}

static rs_error *summary_build(struct rs_command_context *ctx, json_object **out)
{
	/* The graph brings in the untracked objects the tracked ones reach. */
	rs_error *err = rs_heap_graph_build(ctx->target, ctx->heap);
	if (err)
		return err;
	/* Not the objects adopted since on request (show, refs of unreached ones): the same
	 * answer whatever ran before in a session. */
	size_t n_types = rs_heap_type_count(ctx->heap), n_objects = rs_heap_reached_count(ctx->heap);
	const struct rs_object *objects = rs_heap_objects(ctx->heap);
	struct type_total *totals = calloc(2 * n_types + 1, sizeof(*totals));
	if (!totals)
		return rs_error_nomem();
	uint64_t all_bytes = 0, tracked = 0;
	for (size_t i = 0; i < n_types; i++) {
		totals[2 * i] = (struct type_total){(uint32_t)i, true, 0, 0, 0};
		totals[2 * i + 1] = (struct type_total){(uint32_t)i, false, 0, 0, 0};
	}
	for (size_t i = 0; i < n_objects; i++) {
		bool is_tracked = objects[i].generation != RS_GENERATION_UNTRACKED;
		struct type_total *row = &totals[2 * objects[i].type + !is_tracked];
		row->count++;
		row->bytes += objects[i].size;
		all_bytes += objects[i].size;
		tracked += is_tracked;
	}
	uint64_t *retained = NULL;
	if (ctx->opts.retained) {
		struct rs_dom_tree t;
		err = rs_dom_tree_build(ctx, &t);
		retained = err ? NULL : calloc(2 * n_types + 1, sizeof(*retained));
		if (!err && (!retained || !rs_dom_tree_type_retained(&t, ctx->heap, retained)))
			err = rs_error_nomem();
		rs_dom_tree_free(&t); /* safe after a failed build too */
		if (err) {
			free(retained);
			free(totals);
			return err;
		}
		for (size_t i = 0; i < 2 * n_types; i++)
			totals[i].retained = retained[i];
		free(retained);
	}
	size_t n_rows = 0;
	for (size_t i = 0; i < 2 * n_types; i++)
		if (totals[i].count)
			totals[n_rows++] = totals[i];
	sort_key = ctx->opts.sort;
	sort_heap = ctx->heap;
	qsort(totals, n_rows, sizeof(*totals), total_cmp);

	size_t shown = rs_rows_shown(&ctx->opts, n_rows, n_rows, n_rows); /* text cuts when rendering */
	json_object *doc = json_object_new_object(), *types = json_object_new_array();
	json_object_object_add(doc, "objects", json_object_new_int64((int64_t)n_objects));
	json_object_object_add(doc, "bytes", json_object_new_int64((int64_t)all_bytes));
	json_object_object_add(doc, "gc_tracked_objects", json_object_new_int64((int64_t)tracked));
	json_object_object_add(doc, "sort", json_object_new_string(sort_key == RS_SORT_COUNT ? "count" : "bytes"));
	for (size_t i = 0; i < shown; i++) {
		const struct rs_type *type = rs_heap_type(ctx->heap, totals[i].type);
		char addr[19];
		json_object *row = json_object_new_object();
		json_object_object_add(row, "type", json_object_new_string(type->name));
		json_object_object_add(row, "type_address", json_object_new_string(rs_format_address(type->address, addr)));
		json_object_object_add(row, "count", json_object_new_int64((int64_t)totals[i].count));
		json_object_object_add(row, "bytes", json_object_new_int64((int64_t)totals[i].bytes));
		if (ctx->opts.retained)
			json_object_object_add(row, "retained", json_object_new_int64((int64_t)totals[i].retained));
		json_object_object_add(row, "gc_tracked", json_object_new_boolean(totals[i].tracked));
		json_object_object_add(row, "traversal",
				       json_object_new_string(rs_traversal_name(rs_heap_type_traversal(ctx->heap, totals[i].type))));
		json_object_array_add(types, row);
	}
	json_object_object_add(doc, "types", types);
	json_object_object_add(doc, "types_total", json_object_new_int64((int64_t)n_rows));
	free(totals);
	*out = doc;
	return NULL;
}

static void summary_render(json_object *doc, const struct rs_command_options *opts, FILE *out)
{
	json_object *types;
	json_object_object_get_ex(doc, "types", &types);
	size_t n = json_object_array_length(types);
	size_t shown = rs_rows_shown(opts, n, TEXT_DEFAULT_TOP, n);
	bool with_retained = n && json_object_object_get_ex(json_object_array_get_idx(types, 0), "retained", NULL);
	static const char *const headers[] = {"count", "bytes", "type", ""};
	static const char *const headers_retained[] = {"count", "bytes", "retained", "type", ""};
	struct rs_table *table = with_retained ? rs_table_new(5, headers_retained, "rrrll") : rs_table_new(4, headers, "rrll");
	for (size_t i = 0; i < shown; i++) {
		json_object *row = json_object_array_get_idx(types, i);
		char count[24], bytes[32], retained[32];
		snprintf(count, sizeof(count), "%" PRId64, rs_json_int(row, "count"));
		rs_format_bytes((uint64_t)rs_json_int(row, "bytes"), bytes, sizeof(bytes));
		const char *untracked = rs_json_bool(row, "gc_tracked") ? "" : "(untracked)";
		if (with_retained) {
			rs_format_bytes((uint64_t)rs_json_int(row, "retained"), retained, sizeof(retained));
			const char *cells[] = {count, bytes, retained, rs_json_str(row, "type"), untracked};
			rs_table_row(table, cells);
		} else {
			const char *cells[] = {count, bytes, rs_json_str(row, "type"), untracked};
			rs_table_row(table, cells);
		}
	}
	rs_table_print(table, out, "");
	rs_table_free(table);
	int64_t total_types = rs_json_int(doc, "types_total");
	if ((int64_t)shown < total_types)
		fprintf(out, "... %" PRId64 " more rows not shown (--top N to see more)\n", total_types - (int64_t)shown);
	char bytes[32];
	rs_format_bytes((uint64_t)rs_json_int(doc, "bytes"), bytes, sizeof(bytes));
	fprintf(out, "total: %" PRId64 " objects (%" PRId64 " gc-tracked), %s, %" PRId64 " rows (sorted by %s)\n",
		rs_json_int(doc, "objects"), rs_json_int(doc, "gc_tracked_objects"), bytes, total_types,
		rs_json_str(doc, "sort"));
	rs_render_warnings(doc, out);
}

const struct rs_command rs_command_summary = {
	.name = "summary",
	.summary = "objects by type: count and bytes, largest first",
	.needs_heap = true,
	.needs_address = false,
	.build = summary_build,
	.render = summary_render,
};
