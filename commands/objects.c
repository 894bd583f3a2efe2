/* objects: the instances, filtered by type, size, generation and fate,
 * largest first (by size, or by refcount): from "what is big" to the
 * objects themselves. Their retained sizes need the dominator tree, which
 * costs more than the rest together, so they come when asked for, as
 * summary's do (--retained, or --sort retained); without them, objects
 * costs a summary plus the rows. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "target.h"

#define TEXT_DEFAULT_TOP 25
#define REPR_MAX 200
#define NO_GENERATION 0xfd

/* --generation as an rs_object generation; NO_GENERATION when not given. */
static rs_error *generation_wanted(struct rs_command_context *ctx, uint8_t *out)
{
	const char *g = ctx->opts.generation;
	*out = NO_GENERATION;
	if (!g)
		return NULL;
	if (strcmp(g, "untracked") == 0) {
		*out = RS_GENERATION_UNTRACKED;
		return NULL;
	}
	if (strcmp(g, "permanent") == 0) {
		*out = RS_GENERATION_PERMANENT;
		return NULL;
	}
	const struct rs_interpreter *it = rs_heap_interpreter(ctx->heap, 0);
	for (size_t k = 0; it && k < it->n_generations; k++)
		if (strcmp(it->generations[k].name, g) == 0 || (g[0] - '0' == (int)k && !g[1])) {
			*out = (uint8_t)k;
			return NULL;
		}
	return rs_error_new(RS_ERR_UNSUPPORTED, "no generation '%s' in this interpreter: give one of its "
			    "generations (0, 1, 2 or their names), permanent or untracked", g);
}

static const rs_heap *sort_heap;
static const struct rs_dominators *sort_dominators;
static enum rs_sort sort_key;

static uint64_t sort_value(uint32_t i)
{
	const struct rs_object *o = &rs_heap_objects(sort_heap)[i];
	switch (sort_key) {
	case RS_SORT_REFCNT:
		return (uint64_t)o->refcnt;
	case RS_SORT_SIZE:
		return o->size;
	default:
		return sort_dominators->retained[i];
	}
}

static int row_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint64_t kx = sort_value(x), ky = sort_value(y);
	if (kx != ky)
		return kx < ky ? 1 : -1;
	uint64_t ax = rs_heap_objects(sort_heap)[x].address, ay = rs_heap_objects(sort_heap)[y].address;
	return (ax > ay) - (ax < ay);
}

struct filter {
	const bool *types;   /* NULL: every type */
	uint8_t generation;
	bool fate_wanted;    /* --garbage or --reachable */
	bool garbage_wanted;
	const struct rs_dominators *tree; /* the fate from the tree, when it was built */
	const struct rs_garbage *garbage; /* else from the garbage analysis */
};

/* A tracked object is garbage exactly when the garbage pseudo-root is its
 * immediate dominator: the tree's own garbage, not a second run. */
static bool is_garbage(const struct filter *f, const struct rs_object *o, uint32_t i)
{
	if (o->generation == RS_GENERATION_UNTRACKED)
		return false;
	return f->tree ? f->tree->idom[i] == RS_DOMINATOR_GARBAGE : rs_garbage_contains(f->garbage, i);
}

static bool row_wanted(const rs_heap *heap, const struct filter *f, int min_size, uint32_t i)
{
	const struct rs_object *o = &rs_heap_objects(heap)[i];
	if (f->types && !f->types[o->type])
		return false;
	if ((int64_t)o->size < min_size)
		return false;
	if (f->generation != NO_GENERATION && o->generation != f->generation)
		return false;
	return !f->fate_wanted || f->garbage_wanted == is_garbage(f, o, i);
}

static json_object *row_doc(struct rs_command_context *ctx, const struct rs_dominators *d, uint32_t i)
{
	const struct rs_object *o = &rs_heap_objects(ctx->heap)[i];
	char repr[REPR_MAX];
	rs_heap_repr(ctx->target, ctx->heap, i, repr, sizeof(repr));
	json_object *row = rs_doc_object_ref(ctx->heap, i);
	json_object_object_add(row, "size", json_object_new_int64(o->size));
	if (d)
		json_object_object_add(row, "retained", json_object_new_int64((int64_t)d->retained[i]));
	json_object_object_add(row, "refcnt", json_object_new_int64(o->refcnt));
	json_object_object_add(row, "generation", rs_doc_generation_name(ctx->heap, o));
	json_object_object_add(row, "repr", json_object_new_string(repr));
	json_object_object_add(row, "node_id", json_object_new_int64((int64_t)rs_node_id(i)));
	return row;
}

/* d: the dominator tree, or NULL when retained sizes were not asked for;
 * garbage: the garbage analysis when there is no tree and the fate of
 * objects is a filter. */
static rs_error *objects_select(struct rs_command_context *ctx, const struct rs_dominators *d,
				const struct rs_garbage *garbage, bool *types, json_object *doc)
{
	struct filter f = {ctx->opts.n_types ? types : NULL, NO_GENERATION,
			   ctx->opts.garbage_only || ctx->opts.reachable_only, ctx->opts.garbage_only, d, garbage};
	rs_error *err = generation_wanted(ctx, &f.generation);
	if (err)
		return err;
	size_t count = d ? d->count : rs_heap_object_count(ctx->heap);
	uint32_t *rows = malloc((count ? count : 1) * sizeof(*rows));
	if (!rows)
		return rs_error_nomem();
	size_t n = 0;
	uint64_t bytes = 0;
	for (uint32_t i = 0; i < count; i++)
		if (row_wanted(ctx->heap, &f, ctx->opts.min_size, i)) {
			rows[n++] = i;
			bytes += rs_heap_objects(ctx->heap)[i].size;
		}
	sort_heap = ctx->heap;
	sort_dominators = d;
	sort_key = ctx->opts.sort_given ? ctx->opts.sort : d ? RS_SORT_RETAINED : RS_SORT_SIZE;
	qsort(rows, n, sizeof(*rows), row_cmp);
	size_t shown = rs_rows_shown(&ctx->opts, n, TEXT_DEFAULT_TOP, n);
	json_object *list = json_object_new_array();
	for (size_t k = 0; k < shown; k++)
		json_object_array_add(list, row_doc(ctx, d, rows[k]));
	json_object_object_add(doc, "count", json_object_new_int64((int64_t)n));
	json_object_object_add(doc, "bytes", json_object_new_int64((int64_t)bytes));
	json_object_object_add(doc, "sort", json_object_new_string(sort_key == RS_SORT_REFCNT ? "refcnt"
								    : sort_key == RS_SORT_SIZE ? "size" : "retained"));
	json_object_object_add(doc, "objects", list);
	free(rows);
	return NULL;
}

/* The objects only a root holds (an untracked one in a running frame, say)
 * join the heap when the roots are read: the tree reads them, and without
 * it so does objects, for the same rows either way. */
static rs_error *roots_adopt(struct rs_command_context *ctx)
{
	struct rs_roots roots;
	rs_error *err = rs_heap_roots(ctx->target, ctx->heap, &roots);
	if (!err)
		rs_roots_free(&roots);
	return err;
}

static rs_error *objects_build(struct rs_command_context *ctx, json_object **out)
{
	if (ctx->opts.sort_given && ctx->opts.sort <= RS_SORT_COUNT)
		return rs_error_new(RS_ERR_UNSUPPORTED, "objects are sorted by size, retained or refcnt");
	if (ctx->opts.garbage_only && ctx->opts.reachable_only)
		return rs_error_new(RS_ERR_UNSUPPORTED, "--garbage and --reachable exclude each other");
	rs_error *err = rs_heap_graph_build(ctx->target, ctx->heap);
	if (err)
		return err;
	bool *types = rs_types_named(ctx);
	if (!types)
		return rs_error_nomem();
	const struct rs_dominators *d = NULL;
	struct rs_garbage garbage = {0};
	bool fate = ctx->opts.garbage_only || ctx->opts.reachable_only;
	if (ctx->opts.retained || (ctx->opts.sort_given && ctx->opts.sort == RS_SORT_RETAINED))
		err = rs_dominators_of_session(ctx, &d);
	else
		err = roots_adopt(ctx);
	if (!err && !d && fate)
		err = rs_heap_unreachable(ctx->target, ctx->heap, &garbage);
	json_object *doc = NULL;
	if (!err) {
		doc = json_object_new_object();
		err = objects_select(ctx, d, &garbage, types, doc);
	}
	if (!d && fate)
		rs_garbage_free(&garbage);
	free(types);
	if (err) {
		if (doc)
			json_object_put(doc);
		return err;
	}
	*out = doc;
	return NULL;
}

static void objects_render(json_object *doc, const struct rs_command_options *opts, FILE *out)
{
	json_object *rows;
	json_object_object_get_ex(doc, "objects", &rows);
	size_t n = (size_t)rs_json_int(doc, "count");
	size_t shown = json_object_array_length(rows);
	char bytes[32];
	rs_format_bytes((uint64_t)rs_json_int(doc, "bytes"), bytes, sizeof(bytes));
	fprintf(out, "%" PRId64 " objects, %s (sorted by %s)\n", rs_json_int(doc, "count"), bytes, rs_json_str(doc, "sort"));
	bool with_retained = strcmp(rs_json_str(doc, "sort"), "retained") == 0 || json_object_object_get_ex(
		shown ? json_object_array_get_idx(rows, 0) : NULL, "retained", NULL);
	static const char *const headers[] = {"address", "type", "size", "retained", "refcnt", "gen", "repr"};
	static const char *const headers_no_retained[] = {"address", "type", "size", "refcnt", "gen", "repr"};
	struct rs_table *table = with_retained ? rs_table_new(7, headers, "llrrrll")
					       : rs_table_new(6, headers_no_retained, "llrrll");
	for (size_t i = 0; i < shown; i++) {
		json_object *r = json_object_array_get_idx(rows, i), *gen;
		char size[32], retained[32], refcnt[24], repr[72];
		rs_format_bytes((uint64_t)rs_json_int(r, "size"), size, sizeof(size));
		if (with_retained)
			rs_format_bytes((uint64_t)rs_json_int(r, "retained"), retained, sizeof(retained));
		snprintf(refcnt, sizeof(refcnt), "%" PRId64, rs_json_int(r, "refcnt"));
		snprintf(repr, sizeof(repr), "%s", rs_json_str(r, "repr"));
		if (strlen(rs_json_str(r, "repr")) >= sizeof(repr))
			memcpy(repr + sizeof(repr) - 4, "...", 4);
		json_object_object_get_ex(r, "generation", &gen);
		const char *generation = gen ? json_object_get_string(gen) : "-";
		const char *cells[] = {rs_json_str(r, "address"), rs_json_str(r, "type"), size, retained, refcnt,
				       generation, repr};
		const char *cells_no_retained[] = {rs_json_str(r, "address"), rs_json_str(r, "type"), size, refcnt,
						   generation, repr};
		rs_table_row(table, with_retained ? cells : cells_no_retained);
	}
	if (shown)
		rs_table_print(table, out, "");
	rs_table_free(table);
	if (shown < n)
		fprintf(out, "... %zu more not shown (--top N to see more)\n", n - shown);
	if (shown && !with_retained)
		fprintf(out, "(--retained adds what each keeps alive, and sorts by it)\n");
	rs_render_warnings(doc, out);
}

const struct rs_command rs_command_objects = {
	.name = "objects",
	.summary = "the instances: filtered by --type, --min-size, --generation, --garbage/--reachable; "
		   "largest first; --retained adds retained sizes",
	.needs_heap = true,
	.build = objects_build,
	.render = objects_render,
};
