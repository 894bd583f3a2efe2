/* suspects: Eclipse MAT's leak-suspects report. The deepest objects of the
 * dominator tree that each retain at least --threshold percent of the heap
 * (default 10): no object they dominate retains that much by itself. One
 * whose share comes from many instances of one type it alone keeps alive
 * (a list of 20,000 Handler) is an accumulation point; otherwise a single
 * big object. Each comes with its path from a root, the types of what it
 * retains, and a paragraph saying so. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dominator_tree.h"

#define DEFAULT_THRESHOLD 10.0
#define TYPES_SHOWN 5
/* An accumulation point: at least this many direct instances of one type,
 * retaining at least half of what the suspect retains. */
#define ACCUMULATED_MIN 10

struct type_total {
	uint32_t type;
	uint64_t objects, bytes;
};

static int total_cmp(const void *a, const void *b)
{
	const struct type_total *x = a, *y = b;
	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return (x->type > y->type) - (x->type < y->type);
}

/* Per type, the objects and bytes of what s dominates (s included); the
 * subtree is walked with an explicit stack. rows holds one row per type. */
static bool subtree_types(const struct rs_dom_tree *t, const rs_heap *heap, uint32_t s, struct type_total *rows,
			  size_t n_types)
{
	const struct rs_object *objects = rs_heap_objects(heap);
	uint32_t *stack = malloc((t->d->count + 1) * sizeof(*stack));
	if (!stack)
		return false;
	for (size_t k = 0; k < n_types; k++)
		rows[k] = (struct type_total){(uint32_t)k, 0, 0};
	size_t top = 0;
	stack[top++] = s;
	while (top) {
		uint32_t v = stack[--top];
		rows[objects[v].type].objects++;
		rows[objects[v].type].bytes += objects[v].size;
		for (uint32_t c = t->start[v]; c < t->start[v + 1]; c++)
			stack[top++] = t->child[c];
	}
	free(stack);
	qsort(rows, n_types, sizeof(*rows), total_cmp);
	return true;
}

/* The type most of s's direct children are, when they make it an
 * accumulation point: *objects of them retaining *bytes. */
static bool accumulated(const struct rs_dom_tree *t, const rs_heap *heap, uint32_t s, struct type_total *rows,
			size_t n_types, struct type_total *out)
{
	const struct rs_object *objects = rs_heap_objects(heap);
	for (size_t k = 0; k < n_types; k++)
		rows[k] = (struct type_total){(uint32_t)k, 0, 0};
	for (uint32_t c = t->start[s]; c < t->start[s + 1]; c++) {
		uint32_t v = t->child[c];
		rows[objects[v].type].objects++;
		rows[objects[v].type].bytes += t->d->retained[v];
	}
	qsort(rows, n_types, sizeof(*rows), total_cmp);
	*out = rows[0];
	return n_types && rows[0].objects >= ACCUMULATED_MIN && 2 * rows[0].bytes >= t->d->retained[s];
}

static bool is_deepest(const struct rs_dom_tree *t, uint32_t i, uint64_t min_bytes)
{
	if (t->d->retained[i] < min_bytes || t->d->idom[i] == RS_DOMINATOR_GARBAGE || t->d->idom[i] == RS_NO_OBJECT)
		return false;
	for (uint32_t c = t->start[i]; c < t->start[i + 1]; c++)
		if (t->d->retained[t->child[c]] >= min_bytes)
			return false;
	return true;
}

/* Whether an object whose dominator chain reaches garbage is garbage: the
 * garbage pseudo-root's part is no leak. */
static bool under_garbage(const struct rs_dom_tree *t, uint32_t i)
{
	for (size_t steps = 0; steps <= t->d->count && t->d->idom[i] < t->d->count; steps++)
		i = t->d->idom[i];
	return t->d->idom[i] == RS_DOMINATOR_GARBAGE;
}

static void explanation(struct rs_command_context *ctx, json_object *row, const struct type_total *acc, bool is_acc,
			double percent, char *text, size_t size)
{
	char retained[32], bytes[32];
	json_object *root;
	rs_format_bytes((uint64_t)rs_json_int(row, "retained"), retained, sizeof(retained));
	json_object_object_get_ex(row, "root", &root);
	int n = snprintf(text, size, "The %s at %s keeps %s alive, %.1f%% of the heap, and nothing else keeps that "
			 "memory alive. ", rs_json_str(row, "type"), rs_json_str(row, "address"), retained, percent);
	if (is_acc && n > 0 && (size_t)n < size) {
		rs_format_bytes(acc->bytes, bytes, sizeof(bytes));
		n += snprintf(text + n, size - (size_t)n, "It accumulates %" PRIu64 " %s objects that only it holds, "
			      "%s with what they retain: if they should have been dropped, that is the leak. ",
			      acc->objects, rs_heap_type(ctx->heap, acc->type)->name, bytes);
	}
	if (root && n > 0 && (size_t)n < size)
		snprintf(text + n, size - (size_t)n, "It is reached from %s %s (see path).", rs_json_str(root, "kind"),
			 rs_json_str(root, "name"));
}

static rs_error *suspect_doc(struct rs_command_context *ctx, const struct rs_dom_tree *t, uint32_t s,
			     struct type_total *rows, size_t n_types, json_object **out)
{
	json_object *row = rs_doc_object_ref(ctx->heap, s);
	double percent = t->d->total ? 100.0 * (double)t->d->retained[s] / (double)t->d->total : 0;
	struct type_total acc;
	bool is_acc = accumulated(t, ctx->heap, s, rows, n_types, &acc);
	json_object_object_add(row, "kind", json_object_new_string(is_acc ? "accumulation" : "single"));
	json_object_object_add(row, "size", json_object_new_int64(rs_heap_objects(ctx->heap)[s].size));
	json_object_object_add(row, "retained", json_object_new_int64((int64_t)t->d->retained[s]));
	json_object_object_add(row, "percent", json_object_new_double(percent));
	json_object *accumulates = NULL;
	if (is_acc) {
		accumulates = json_object_new_object();
		json_object_object_add(accumulates, "type", json_object_new_string(rs_heap_type(ctx->heap, acc.type)->name));
		json_object_object_add(accumulates, "objects", json_object_new_int64((int64_t)acc.objects));
		json_object_object_add(accumulates, "bytes", json_object_new_int64((int64_t)acc.bytes));
	}
	json_object_object_add(row, "accumulates", accumulates);
	rs_error *err = rs_doc_path_add(ctx, s, row);
	if (!err && !subtree_types(t, ctx->heap, s, rows, n_types))
		err = rs_error_nomem();
	if (err) {
		json_object_put(row);
		return err;
	}
	json_object *types = json_object_new_array();
	for (size_t k = 0; k < n_types && k < TYPES_SHOWN && rows[k].objects; k++) {
		json_object *tr = json_object_new_object();
		json_object_object_add(tr, "type", json_object_new_string(rs_heap_type(ctx->heap, rows[k].type)->name));
		json_object_object_add(tr, "objects", json_object_new_int64((int64_t)rows[k].objects));
		json_object_object_add(tr, "bytes", json_object_new_int64((int64_t)rows[k].bytes));
		json_object_array_add(types, tr);
	}
	json_object_object_add(row, "types", types);
	char text[1024];
	explanation(ctx, row, &acc, is_acc, percent, text, sizeof(text));
	json_object_object_add(row, "explanation", json_object_new_string(text));
	*out = row;
	return NULL;
}

static rs_error *suspects_build(struct rs_command_context *ctx, json_object **out)
{
	struct rs_dom_tree t;
	rs_error *err = rs_dom_tree_build(ctx, &t);
	if (err)
		return err;
	double threshold = ctx->opts.threshold_given ? ctx->opts.threshold : DEFAULT_THRESHOLD;
	uint64_t min_bytes = (uint64_t)((double)t.d->total * threshold / 100.0);
	if (!min_bytes)
		min_bytes = 1;
	size_t n_types = rs_heap_type_count(ctx->heap);
	uint32_t *found = malloc((t.d->count + 1) * sizeof(*found));
	struct type_total *rows = malloc((n_types + 1) * sizeof(*rows));
	if (!found || !rows) {
		free(found);
		free(rows);
		rs_dom_tree_free(&t);
		return rs_error_nomem();
	}
	size_t n = 0;
	for (uint32_t i = 0; i < t.d->count; i++)
		if (is_deepest(&t, i, min_bytes) && !under_garbage(&t, i))
			found[n++] = i;
	rs_dom_tree_largest(&t, found, n, found, n);
	json_object *doc = json_object_new_object(), *list = json_object_new_array();
	json_object_object_add(doc, "threshold", json_object_new_double(threshold));
	json_object_object_add(doc, "total", json_object_new_int64((int64_t)t.d->total));
	for (size_t k = 0; k < n && !err; k++) {
		json_object *row = NULL;
		err = suspect_doc(ctx, &t, found[k], rows, n_types, &row);
		if (row)
			json_object_array_add(list, row);
	}
	json_object_object_add(doc, "suspects", list);
	free(found);
	free(rows);
	rs_dom_tree_free(&t);
	if (err) {
		json_object_put(doc);
		return err;
	}
	*out = doc;
	return NULL;
}

static void suspects_render(json_object *doc, const struct rs_command_options *opts, FILE *out)
{
	(void)opts;
	json_object *list;
	char total[32];
	rs_format_bytes((uint64_t)rs_json_int(doc, "total"), total, sizeof(total));
	json_object_object_get_ex(doc, "suspects", &list);
	size_t n = json_object_array_length(list);
	json_object *threshold;
	json_object_object_get_ex(doc, "threshold", &threshold);
	fprintf(out, "%zu suspect%s retaining at least %.1f%% of %s\n", n, n == 1 ? "" : "s",
		json_object_get_double(threshold), total);
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(list, i), *path, *types;
		fprintf(out, "\n%zu. %s\n", i + 1, rs_json_str(s, "explanation"));
		json_object_object_get_ex(s, "path", &path);
		fprintf(out, "   path:");
		for (size_t k = 0; k < json_object_array_length(path); k++) {
			json_object *step = json_object_array_get_idx(path, k);
			fprintf(out, "%s %s %s", k ? " ->" : "", rs_json_str(step, "via"), rs_json_str(step, "type"));
		}
		fprintf(out, "\n   retains:");
		json_object_object_get_ex(s, "types", &types);
		for (size_t k = 0; k < json_object_array_length(types); k++) {
			json_object *tr = json_object_array_get_idx(types, k);
			char bytes[32];
			rs_format_bytes((uint64_t)rs_json_int(tr, "bytes"), bytes, sizeof(bytes));
			fprintf(out, "%s %" PRId64 " %s (%s)", k ? "," : "", rs_json_int(tr, "objects"), rs_json_str(tr, "type"),
				bytes);
		}
		fprintf(out, "\n");
	}
	rs_render_warnings(doc, out);
}

const struct rs_command rs_command_suspects = {
	.name = "suspects",
	.summary = "leak suspects: what alone keeps at least --threshold P% of the heap alive (default 10)",
	.needs_heap = true,
	.build = suspects_build,
	.render = suspects_render,
};
