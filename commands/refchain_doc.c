/* refcheck's part for Py_TRACE_REFS builds: the refchain lists every live
 * object, so the objects no reference reaches are known too. An untracked
 * object (a str, an int) that nothing in the heap and no named root refers
 * to is held by C code refscope cannot see, or leaked: the one refcheck of
 * a release build can never show, as the graph only meets untracked objects
 * through references. */
#include <inttypes.h>
#include <stdlib.h>

#include "refchain_doc.h"
#include "render.h"

#define TEXT_TYPES 10

struct refchain_counts {
	size_t objects, tracked, untracked, unreadable;
	uint32_t *unreached; /* object indices */
	size_t n_unreached;
};

/* Which objects some object of the heap refers to: by the graph's edges,
 * by the references tp_traverse leaves out (code objects' constants and
 * names), and, for the objects only the refchain knows, by their own
 * traversal, as the graph never followed them. */
struct referenced {
	struct rs_command_context *ctx;
	uint8_t *marks;
	size_t n;
};

static void mark_index(void *arg, uint32_t i)
{
	struct referenced *r = arg;
	if (i < r->n)
		r->marks[i] = 1;
}

static void mark_address(void *arg, uint64_t referent, const char *via, bool conservative)
{
	(void)via;
	(void)conservative;
	struct referenced *r = arg;
	mark_index(r, rs_heap_find(r->ctx->target, r->ctx->heap, referent));
}

static rs_error *referenced_mark(struct referenced *r, size_t reached)
{
	for (uint32_t i = 0; i < r->n; i++) {
		if (i < reached) { /* the graph's edges stop at the objects it reached */
			size_t count;
			const uint32_t *referents = rs_heap_referents(r->ctx->heap, i, &count);
			for (size_t k = 0; k < count; k++)
				mark_index(r, referents[k]);
		}
		rs_heap_hidden_references(r->ctx->target, r->ctx->heap, i, mark_index, r);
		if (i >= reached) {
			rs_error *err = rs_heap_references(r->ctx->target, r->ctx->heap, i, mark_address, r);
			if (err && rs_error_kind(err) == RS_ERR_NOMEM)
				return err;
			rs_error_free(err); /* an object that cannot be read whole: what was visited stands */
		}
	}
	return NULL;
}

/* Each address of the refchain as an object of the heap (those the graph
 * did not reach are adopted, after the reached ones), and which untracked
 * ones nothing refers to. */
static rs_error *refchain_classify(struct rs_command_context *ctx, const uint64_t *addresses, size_t n,
				   struct refchain_counts *out)
{
	size_t reached = rs_heap_reached_count(ctx->heap);
	uint32_t *index = malloc((n + 1) * sizeof(*index));
	out->unreached = malloc((n + 1) * sizeof(*out->unreached));
	if (!index || !out->unreached) {
		free(index);
		return rs_error_nomem();
	}
	out->objects = n;
	for (size_t k = 0; k < n; k++)
		index[k] = rs_heap_find(ctx->target, ctx->heap, addresses[k]);
	struct referenced r = {ctx, NULL, rs_heap_object_count(ctx->heap)};
	struct rs_roots roots;
	rs_error *err = rs_heap_roots(ctx->target, ctx->heap, &roots);
	if (!err && !(r.marks = calloc(r.n + 1, 1))) {
		rs_roots_free(&roots);
		err = rs_error_nomem();
	}
	if (!err && (err = referenced_mark(&r, reached)))
		rs_roots_free(&roots);
	for (size_t k = 0; !err && k < n; k++) {
		uint32_t i = index[k];
		if (i == RS_NO_OBJECT) {
			out->unreadable++;
			continue;
		}
		if (rs_heap_objects(ctx->heap)[i].generation != RS_GENERATION_UNTRACKED) {
			out->tracked++;
			continue;
		}
		out->untracked++;
		bool rooted = i < roots.counts_capacity && roots.counts[i];
		if (!rooted && !r.marks[i])
			out->unreached[out->n_unreached++] = i;
	}
	if (!err)
		rs_roots_free(&roots);
	free(r.marks);
	free(index);
	return err;
}

rs_error *rs_refchain_doc(struct rs_command_context *ctx, json_object **out)
{
	bool present;
	uint64_t *addresses;
	size_t n;
	*out = NULL;
	rs_error *err = rs_heap_refchain(ctx->target, ctx->heap, &present, &addresses, &n);
	if (err || !present)
		return err;
	struct refchain_counts c = {0};
	err = refchain_classify(ctx, addresses, n, &c);
	free(addresses);
	if (err) {
		free(c.unreached);
		return err;
	}
	json_object *doc = json_object_new_object(), *rows = json_object_new_array();
	const struct rs_object *objects = rs_heap_objects(ctx->heap);
	json_object_object_add(doc, "objects", json_object_new_int64((int64_t)c.objects));
	json_object_object_add(doc, "tracked", json_object_new_int64((int64_t)c.tracked));
	json_object_object_add(doc, "untracked", json_object_new_int64((int64_t)c.untracked));
	json_object_object_add(doc, "unreadable", json_object_new_int64((int64_t)c.unreadable));
	json_object_object_add(doc, "unreached_total", json_object_new_int64((int64_t)c.n_unreached));
	json_object_object_add(doc, "unreached_types", rs_doc_group_types(ctx->heap, c.unreached, c.n_unreached));
	size_t shown = rs_rows_shown(&ctx->opts, c.n_unreached, c.n_unreached, c.n_unreached);
	for (size_t k = 0; k < shown; k++) {
		json_object *row = rs_doc_object_ref(ctx->heap, c.unreached[k]);
		json_object_object_add(row, "refcnt", json_object_new_int64(objects[c.unreached[k]].refcnt));
		json_object_object_add(row, "size", json_object_new_int64(objects[c.unreached[k]].size));
		json_object_array_add(rows, row);
	}
	json_object_object_add(doc, "unreached", rows);
	free(c.unreached);
	*out = doc;
	return NULL;
}

void rs_render_refchain(json_object *doc, FILE *out)
{
	json_object *chain, *types;
	if (!json_object_object_get_ex(doc, "refchain", &chain) || !chain)
		return;
	fprintf(out, "\nPy_TRACE_REFS refchain: %" PRId64 " objects, %" PRId64 " of them on no gc list; %" PRId64
		" of those no reference in the heap and no named root reaches (held by C code, or leaked)\n",
		rs_json_int(chain, "objects"), rs_json_int(chain, "untracked"), rs_json_int(chain, "unreached_total"));
	if (rs_json_int(chain, "unreadable"))
		fprintf(out, "  %" PRId64 " addresses on it hold no readable object\n", rs_json_int(chain, "unreadable"));
	json_object_object_get_ex(chain, "unreached_types", &types);
	size_t n = json_object_array_length(types);
	for (size_t k = 0; k < n && k < TEXT_TYPES; k++) {
		json_object *row = json_object_array_get_idx(types, k);
		fprintf(out, "  %8" PRId64 "  %s\n", rs_json_int(row, "count"), rs_json_str(row, "type"));
	}
	if (n > TEXT_TYPES)
		fprintf(out, "  ... %zu more types (--json lists every object)\n", n - TEXT_TYPES);
}
