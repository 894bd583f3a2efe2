/* top: the dominator tree from the root down, largest subtrees first:
 * Eclipse MAT's "biggest objects" view. Under the root, the roots that
 * hold objects (a module, a thread's frame, C code) and the garbage
 * pseudo-root; under them, what each object alone keeps alive. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dominator_tree.h"

#define DEFAULT_TOP 10
#define DEFAULT_DEPTH 4
#define DEFAULT_MIN_PERCENT 1.0
#define DEPTH_MAX 64

struct walk {
	struct rs_command_context *ctx;
	const struct rs_dom_tree *t;
	size_t top, depth;
	uint64_t min_bytes;
	bool nomem;
};

static json_object *object_node(struct walk *w, uint32_t i, size_t depth);

/* The largest of list (at least min_bytes each, at most top), as nodes. */
static json_object *children_doc(struct walk *w, const uint32_t *list, size_t n, size_t depth)
{
	json_object *children = json_object_new_array();
	uint32_t *sorted = depth < w->depth && n ? malloc(n * sizeof(*sorted)) : NULL;
	if (!sorted) {
		w->nomem |= depth < w->depth && n;
		return children;
	}
	size_t shown = rs_dom_tree_largest(w->t, list, n, sorted, w->top);
	for (size_t k = 0; k < shown && w->t->d->retained[sorted[k]] >= w->min_bytes; k++)
		json_object_array_add(children, object_node(w, sorted[k], depth + 1));
	free(sorted);
	return children;
}

/* Recursion as deep as --depth (at most DEPTH_MAX), not as the heap. */
static json_object *object_node(struct walk *w, uint32_t i, size_t depth)
{
	json_object *node = rs_doc_object_ref(w->ctx->heap, i);
	json_object_object_add(node, "size", json_object_new_int64(rs_heap_objects(w->ctx->heap)[i].size));
	json_object_object_add(node, "retained", json_object_new_int64((int64_t)w->t->d->retained[i]));
	const uint32_t *list = w->t->child + w->t->start[i];
	size_t n = w->t->start[i + 1] - w->t->start[i];
	json_object_object_add(node, "children", children_doc(w, list, n, depth));
	return node;
}

static json_object *root_node(struct walk *w, const char *kind, const char *name, uint64_t retained,
			      const uint32_t *members, size_t n)
{
	json_object *node = json_object_new_object();
	json_object_object_add(node, "kind", json_object_new_string(kind));
	json_object_object_add(node, "name", json_object_new_string(name));
	json_object_object_add(node, "retained", json_object_new_int64((int64_t)retained));
	json_object_object_add(node, "objects", json_object_new_int64((int64_t)n));
	json_object_object_add(node, "children", children_doc(w, members, n, 0));
	return node;
}

static rs_error *top_build(struct rs_command_context *ctx, json_object **out)
{
	struct rs_dom_tree t;
	rs_error *err = rs_dom_tree_build(ctx, &t);
	if (err)
		return err;
	double percent = ctx->opts.min_percent_given ? ctx->opts.min_percent : DEFAULT_MIN_PERCENT;
	struct walk w = {ctx, &t, ctx->opts.top_given ? (size_t)ctx->opts.top : DEFAULT_TOP,
			 ctx->opts.depth ? (size_t)ctx->opts.depth : DEFAULT_DEPTH,
			 (uint64_t)((double)t.d->total * percent / 100.0), false};
	if (w.depth > DEPTH_MAX)
		w.depth = DEPTH_MAX;
	json_object *doc = json_object_new_object(), *roots = json_object_new_array();
	json_object_object_add(doc, "total", json_object_new_int64((int64_t)t.d->total));
	json_object_object_add(doc, "garbage", json_object_new_int64((int64_t)t.d->garbage));
	bool garbage_done = false;
	for (size_t g = 0; g <= t.n_groups; g++) {
		uint64_t next = g < t.n_groups ? t.groups[g].retained : 0;
		if (!garbage_done && t.n_garbage && t.d->garbage >= next) {
			garbage_done = true;
			if (t.d->garbage >= w.min_bytes && json_object_array_length(roots) < w.top)
				json_object_array_add(roots, root_node(&w, "garbage", "unreachable: gc.collect() would free it",
								       t.d->garbage, t.garbage, t.n_garbage));
		}
		if (g == t.n_groups || next < w.min_bytes || json_object_array_length(roots) >= w.top)
			continue;
		const struct rs_root_group *rg = &t.groups[g];
		char name[512];
		const char *kind = rs_dom_tree_group_name(ctx->target, &t, rg, name, sizeof(name));
		json_object_array_add(roots, root_node(&w, kind, name, rg->retained, t.group_members + rg->first,
						       rg->count));
	}
	json_object_object_add(doc, "roots", roots);
	rs_dom_tree_free(&t);
	if (w.nomem) {
		json_object_put(doc);
		return rs_error_nomem();
	}
	*out = doc;
	return NULL;
}

static void node_render(json_object *node, uint64_t total, int depth, FILE *out)
{
	json_object *children;
	char retained[32], size[32];
	uint64_t bytes = (uint64_t)rs_json_int(node, "retained");
	rs_format_bytes(bytes, retained, sizeof(retained));
	double percent = total ? 100.0 * (double)bytes / (double)total : 0;
	if (json_object_object_get_ex(node, "kind", NULL)) {
		fprintf(out, "%*s%10s %5.1f%%  %s: %s (%" PRId64 " object%s)\n", 2 * depth, "", retained, percent,
			rs_json_str(node, "kind"), rs_json_str(node, "name"), rs_json_int(node, "objects"),
			rs_json_int(node, "objects") == 1 ? "" : "s");
	} else {
		rs_format_bytes((uint64_t)rs_json_int(node, "size"), size, sizeof(size));
		fprintf(out, "%*s%10s %5.1f%%  %s at %s (itself %s)\n", 2 * depth, "", retained, percent,
			rs_json_str(node, "type"), rs_json_str(node, "address"), size);
	}
	json_object_object_get_ex(node, "children", &children);
	for (size_t i = 0; children && i < json_object_array_length(children); i++)
		node_render(json_object_array_get_idx(children, i), total, depth + 1, out);
}

static void top_render(json_object *doc, const struct rs_command_options *opts, FILE *out)
{
	(void)opts;
	json_object *roots;
	char total[32];
	uint64_t bytes = (uint64_t)rs_json_int(doc, "total");
	rs_format_bytes(bytes, total, sizeof(total));
	fprintf(out, "%s reached; what each root and object alone keeps alive (retained), largest first:\n", total);
	json_object_object_get_ex(doc, "roots", &roots);
	for (size_t i = 0; i < json_object_array_length(roots); i++)
		node_render(json_object_array_get_idx(roots, i), bytes, 0, out);
	rs_render_warnings(doc, out);
}

const struct rs_command rs_command_top = {
	.name = "top",
	.summary = "the dominator tree from the roots down, largest retained first (--depth D, --min-percent P)",
	.needs_heap = true,
	.build = top_build,
	.render = top_render,
};
