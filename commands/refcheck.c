/* refcheck: objects whose reference count the heap and the named roots do
 * not explain: the mark of a C extension that took a reference and lost it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "render.h"

#define TEXT_DEFAULT_TOP 25

struct suspect {
	uint32_t object;
	uint32_t heap_refs, root_refs;
	int64_t external;
};

static int suspect_cmp(const void *a, const void *b)
{
	const struct suspect *x = a, *y = b;
	if (x->external != y->external)
		return x->external < y->external ? 1 : -1;
	return (x->object > y->object) - (x->object < y->object);
}

struct type_row {
	uint32_t type;
	uint64_t objects;
	int64_t external;
};

static int type_row_cmp(const void *a, const void *b)
{
	const struct type_row *x = a, *y = b;
	if (x->external != y->external)
		return x->external < y->external ? 1 : -1;
	return (x->type > y->type) - (x->type < y->type);
}

static json_object *types_doc(const rs_heap *heap, const struct suspect *suspects, size_t n)
{
	size_t n_types = rs_heap_type_count(heap);
	struct type_row *rows = calloc(n_types + 1, sizeof(*rows));
	json_object *types = json_object_new_array();
	if (!rows)
		return types;
	for (size_t i = 0; i < n_types; i++)
		rows[i].type = (uint32_t)i;
	const struct rs_object *objects = rs_heap_objects(heap);
	for (size_t i = 0; i < n; i++) {
		rows[objects[suspects[i].object].type].objects++;
		rows[objects[suspects[i].object].type].external += suspects[i].external;
	}
	qsort(rows, n_types, sizeof(*rows), type_row_cmp);
	for (size_t i = 0; i < n_types && rows[i].objects; i++) {
		json_object *row = json_object_new_object();
		json_object_object_add(row, "type", json_object_new_string(rs_heap_type(heap, rows[i].type)->name));
		json_object_object_add(row, "objects", json_object_new_int64((int64_t)rows[i].objects));
		json_object_object_add(row, "external", json_object_new_int64(rows[i].external));
		json_object_array_add(types, row);
	}
	free(rows);
	return types;
}

static void count_reference(void *arg, uint32_t referent)
{
	((uint32_t *)arg)[referent]++;
}

static rs_error *refcheck_build(struct rs_command_context *ctx, json_object **out)
{
	struct rs_roots roots;
	rs_error *err = rs_heap_roots(ctx->target, ctx->heap, &roots);
	if (err)
		return err;
	size_t n = rs_heap_object_count(ctx->heap);
	uint32_t *in = calloc(n + 1, sizeof(*in));
	struct suspect *suspects = calloc(n + 1, sizeof(*suspects));
	if (!in || !suspects) {
		free(in);
		free(suspects);
		rs_roots_free(&roots);
		return rs_error_nomem();
	}
	for (uint32_t i = 0; i < n; i++) {
		size_t count;
		const uint32_t *referents = rs_heap_referents(ctx->heap, i, &count);
		for (size_t k = 0; k < count; k++)
			in[referents[k]]++;
		rs_heap_hidden_references(ctx->target, ctx->heap, i, count_reference, in);
	}
	const struct rs_object *objects = rs_heap_objects(ctx->heap);
	size_t n_suspects = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct rs_object *o = &objects[i];
		if (o->generation == RS_GENERATION_UNTRACKED || (o->flags & RS_IMMORTAL))
			continue;
		uint32_t from_roots = i < roots.counts_capacity ? roots.counts[i] : 0;
		int64_t external = o->refcnt - (int64_t)in[i] - (int64_t)from_roots;
		if (external > 0)
			suspects[n_suspects++] = (struct suspect){i, in[i], from_roots, external};
	}
	qsort(suspects, n_suspects, sizeof(*suspects), suspect_cmp);
	size_t shown = rs_rows_shown(&ctx->opts, n_suspects, n_suspects, n_suspects); /* text cuts when rendering */
	json_object *doc = json_object_new_object(), *list = json_object_new_array();
	for (size_t k = 0; k < shown; k++) {
		const struct suspect *s = &suspects[k];
		json_object *row = rs_doc_object_ref(ctx->heap, s->object);
		json_object_object_add(row, "refcnt", json_object_new_int64(objects[s->object].refcnt));
		json_object_object_add(row, "heap_refs", json_object_new_int64(s->heap_refs));
		json_object_object_add(row, "root_refs", json_object_new_int64(s->root_refs));
		json_object_object_add(row, "external", json_object_new_int64(s->external));
		json_object_array_add(list, row);
	}
	json_object_object_add(doc, "suspects_total", json_object_new_int64((int64_t)n_suspects));
	json_object_object_add(doc, "suspects", list);
	json_object_object_add(doc, "types", types_doc(ctx->heap, suspects, n_suspects));
	rs_doc_conservative_add(doc, ctx->heap);
	free(in);
	free(suspects);
	rs_roots_free(&roots);
	*out = doc;
	return NULL;
}

static void refcheck_render(json_object *doc, const struct rs_command_options *opts, FILE *out)
{
	json_object *suspects, *types;
	json_object_object_get_ex(doc, "suspects", &suspects);
	json_object_object_get_ex(doc, "types", &types);
	size_t n = json_object_array_length(suspects);
	size_t shown = rs_rows_shown(opts, n, TEXT_DEFAULT_TOP, n);
	fprintf(out, "%" PRId64 " objects hold references the heap and the named roots do not explain\n",
		rs_json_int(doc, "suspects_total"));
	static const char *const headers[] = {"external", "refcnt", "heap", "roots", "address", "type"};
	struct rs_table *table = rs_table_new(6, headers, "rrrrll");
	for (size_t i = 0; i < shown; i++) {
		json_object *s = json_object_array_get_idx(suspects, i);
		char ext[24], rc[24], heap[24], roots[24];
		snprintf(ext, sizeof(ext), "%" PRId64, rs_json_int(s, "external"));
		snprintf(rc, sizeof(rc), "%" PRId64, rs_json_int(s, "refcnt"));
		snprintf(heap, sizeof(heap), "%" PRId64, rs_json_int(s, "heap_refs"));
		snprintf(roots, sizeof(roots), "%" PRId64, rs_json_int(s, "root_refs"));
		const char *cells[] = {ext, rc, heap, roots, rs_json_str(s, "address"), rs_json_str(s, "type")};
		rs_table_row(table, cells);
	}
	if (n)
		rs_table_print(table, out, "");
	rs_table_free(table);
	if (shown < n)
		fprintf(out, "... %zu more not shown (--top N to see more)\n", n - shown);
	if (json_object_array_length(types)) {
		fprintf(out, "\nby type:\n");
		static const char *const type_headers[] = {"objects", "external", "type"};
		struct rs_table *by_type = rs_table_new(3, type_headers, "rrl");
		for (size_t i = 0; i < json_object_array_length(types) && i < TEXT_DEFAULT_TOP; i++) {
			json_object *t = json_object_array_get_idx(types, i);
			char objects[24], external[24];
			snprintf(objects, sizeof(objects), "%" PRId64, rs_json_int(t, "objects"));
			snprintf(external, sizeof(external), "%" PRId64, rs_json_int(t, "external"));
			const char *cells[] = {objects, external, rs_json_str(t, "type")};
			rs_table_row(by_type, cells);
		}
		rs_table_print(by_type, out, "  ");
		rs_table_free(by_type);
	}
	rs_render_conservative(doc, out);
	rs_render_warnings(doc, out);
}

const struct rs_command rs_command_refcheck = {
	.name = "refcheck",
	.summary = "objects whose refcount the heap and the roots do not explain (leaked references)",
	.needs_heap = true,
	.build = refcheck_build,
	.render = refcheck_render,
};
