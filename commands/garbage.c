/* garbage: what gc.collect() would free now, in connected groups, with finalizers. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "lazy_array.h"
#include "render.h"

#define TEXT_DEFAULT_TOP 20

static const char *finalizer_name(uint8_t f)
{
	switch (f) {
	case RS_FINALIZER_DEL:
		return "__del__";
	case RS_FINALIZER_TP_DEL:
		return "tp_del";
	case RS_FINALIZER_TP_FINALIZE:
		return "tp_finalize";
	case RS_FINALIZER_WEAKREF_CALLBACK:
		return "weakref_callback";
	default:
		return NULL;
	}
}

struct members_arg {
	const rs_heap *heap;
	const struct rs_garbage *g;
	const uint32_t *members;
};

static void member_item(const void *arg, size_t i, struct rs_ref_item *out)
{
	const struct members_arg *m = arg;
	const struct rs_object *o = &rs_heap_objects(m->heap)[m->members[i]];
	*out = (struct rs_ref_item){o->address, o->type, finalizer_name(m->g->finalizer[m->members[i]])};
}

/* Each member's ref and finalizer: printed from the group by a ref list
 * with names (--json), else as json-c objects. */
static json_object *members_doc(const rs_heap *heap, const struct rs_garbage *g, const uint32_t *members, size_t n,
				struct rs_ref_names *names)
{
	if (names) {
		struct members_arg arg = {heap, g, members};
		return rs_ref_list_new(names, n, member_item, &arg, sizeof(arg));
	}
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *ref = rs_doc_object_ref(heap, members[i]);
		const char *fin = finalizer_name(g->finalizer[members[i]]);
		json_object_object_add(ref, "finalizer", fin ? json_object_new_string(fin) : NULL);
		json_object_array_add(list, ref);
	}
	return list;
}

static json_object *group_doc(const rs_heap *heap, const struct rs_garbage *g, size_t k, struct rs_ref_names *names)
{
	const struct rs_object *objects = rs_heap_objects(heap);
	const uint32_t *members = g->groups.members + g->groups.start[k];
	size_t n = (size_t)(g->groups.start[k + 1] - g->groups.start[k]);
	json_object *o = json_object_new_object(), *list = members_doc(heap, g, members, n, names);
	uint64_t bytes = 0;
	bool has_finalizer = false, certain = true;
	for (size_t i = 0; i < n; i++) {
		certain &= !rs_garbage_uncertain(g, members[i]);
		bytes += objects[members[i]].size;
		has_finalizer |= finalizer_name(g->finalizer[members[i]]) != NULL;
	}
	json_object_object_add(o, "size", json_object_new_int64((int64_t)n));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)bytes));
	json_object_object_add(o, "has_finalizer", json_object_new_boolean(has_finalizer));
	json_object_object_add(o, "certain", json_object_new_boolean(certain));
	json_object_object_add(o, "types", rs_doc_group_types(heap, members, n));
	json_object_object_add(o, "objects", list);
	return o;
}

struct listing {
	struct rs_command_context *ctx;
	json_object *rows;
};

static void garbage_item(void *arg, uint64_t referent, const char *via, bool conservative)
{
	(void)via;
	(void)conservative;
	struct listing *l = arg;
	uint32_t index = rs_heap_find(l->ctx->target, l->ctx->heap, referent);
	if (index != RS_NO_OBJECT)
		json_object_array_add(l->rows, rs_doc_object_ref(l->ctx->heap, index));
}

/* What earlier collections left in gc.garbage (uncollectable, or kept by DEBUG_SAVEALL). */
static json_object *gc_garbage_doc(struct rs_command_context *ctx)
{
	struct listing l = {ctx, json_object_new_array()};
	for (size_t i = 0; i < rs_heap_interpreter_count(ctx->heap); i++) {
		uint64_t list = rs_heap_interpreter(ctx->heap, i)->garbage_list;
		uint32_t index = list ? rs_heap_find(ctx->target, ctx->heap, list) : RS_NO_OBJECT;
		if (index != RS_NO_OBJECT)
			rs_error_free(rs_heap_references(ctx->target, ctx->heap, index, garbage_item, &l));
	}
	return l.rows;
}

struct group_row {
	size_t group;
	uint64_t size;
};

/* Largest first; equal sizes in the order the groups were found. */
static int row_cmp(const void *a, const void *b)
{
	const struct group_row *x = a, *y = b;
	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return (x->group > y->group) - (x->group < y->group);
}

/* What the rows of the answer are built from, kept until they are printed. */
struct garbage_found {
	const rs_heap *heap;
	struct rs_garbage garbage;
	struct group_row *rows;
	struct rs_ref_names *names; /* --json: the members' refs are printed from the groups */
};

static void garbage_found_free(void *state)
{
	struct garbage_found *f = state;
	rs_garbage_free(&f->garbage);
	rs_ref_names_free(f->names);
	free(f->rows);
	free(f);
}

static json_object *garbage_row(void *state, size_t r)
{
	struct garbage_found *f = state;
	return group_doc(f->heap, &f->garbage, f->rows[r].group, f->names);
}

static rs_error *garbage_build(struct rs_command_context *ctx, json_object **out)
{
	struct garbage_found *f = calloc(1, sizeof(*f));
	if (!f)
		return rs_error_nomem();
	f->heap = ctx->heap;
	rs_error *err = rs_heap_garbage(ctx->target, ctx->heap, &f->garbage);
	if (err) {
		free(f);
		return err;
	}
	const struct rs_groups *groups = &f->garbage.groups;
	if (!(f->rows = calloc(groups->count + 1, sizeof(*f->rows)))) {
		garbage_found_free(f);
		return rs_error_nomem();
	}
	for (size_t k = 0; k < groups->count; k++)
		f->rows[k] = (struct group_row){k, groups->start[k + 1] - groups->start[k]};
	qsort(f->rows, groups->count, sizeof(*f->rows), row_cmp);
	size_t shown = rs_rows_shown(&ctx->opts, groups->count, TEXT_DEFAULT_TOP, groups->count);
	json_object *doc = json_object_new_object();
	json_object_object_add(doc, "objects", json_object_new_int64((int64_t)f->garbage.objects));
	json_object_object_add(doc, "objects_certain", json_object_new_int64((int64_t)f->garbage.objects_certain));
	json_object_object_add(doc, "finalizer_reachable", json_object_new_int64((int64_t)f->garbage.finalizer_reachable));
	json_object_object_add(doc, "bytes", json_object_new_int64((int64_t)f->garbage.bytes));
	json_object_object_add(doc, "groups_total", json_object_new_int64((int64_t)groups->count));
	json_object *list;
	if (ctx->opts.json) {
		list = (f->names = rs_doc_ref_names(ctx->heap, "finalizer"))
			       ? rs_lazy_array_new(shown, garbage_row, f, garbage_found_free)
			       : (garbage_found_free(f), NULL);
	} else {
		list = json_object_new_array();
		for (size_t r = 0; r < shown; r++)
			json_object_array_add(list, garbage_row(f, r));
		garbage_found_free(f);
	}
	if (!list) {
		json_object_put(doc);
		return rs_error_nomem();
	}
	json_object_object_add(doc, "groups", list);
	json_object_object_add(doc, "gc_garbage", gc_garbage_doc(ctx));
	rs_doc_conservative_add(doc, ctx->heap);
	*out = doc;
	return NULL;
}

static const char *finalizer_column(json_object *group)
{
	bool finalizer = rs_json_bool(group, "has_finalizer"), certain = rs_json_bool(group, "certain");
	return finalizer ? (certain ? "yes" : "yes, uncertain") : (certain ? "" : "uncertain");
}

static void garbage_render(json_object *doc, const struct rs_command_options *opts, FILE *out)
{
	json_object *groups;
	json_object_object_get_ex(doc, "groups", &groups);
	size_t n = json_object_array_length(groups);
	size_t shown = rs_rows_shown(opts, n, TEXT_DEFAULT_TOP, n);
	char bytes[32];
	rs_format_bytes((uint64_t)rs_json_int(doc, "bytes"), bytes, sizeof(bytes));
	fprintf(out, "gc.collect() would free %" PRId64 " objects (%s) in %" PRId64 " groups\n",
		rs_json_int(doc, "objects"), bytes, rs_json_int(doc, "groups_total"));
	int64_t reachable = rs_json_int(doc, "finalizer_reachable");
	if (reachable > 0)
		fprintf(out, "%" PRId64 " of them are reached by finalizers that will run (__del__, tp_finalize): "
			"Python code may keep those alive; the other %" PRId64 " are freed whatever it does\n",
			reachable, rs_json_int(doc, "objects") - reachable);
	int64_t uncertain = rs_json_int(doc, "objects") - rs_json_int(doc, "objects_certain");
	if (uncertain > 0)
		fprintf(out, "%" PRId64 " of them only if the references conservative scans found are all real "
			"(groups marked uncertain)\n", uncertain);
	rs_render_group_table(groups, shown, rs_json_int(doc, "groups_total"), "groups", "finalizer", finalizer_column,
			      out);
	json_object *saved;
	if (json_object_object_get_ex(doc, "gc_garbage", &saved) && json_object_array_length(saved))
		fprintf(out, "gc.garbage already holds %zu objects (uncollectable ones found before)\n",
			json_object_array_length(saved));
	rs_render_conservative(doc, out);
	rs_render_warnings(doc, out);
}

static void garbage_dot(struct rs_command_context *ctx, json_object *doc, FILE *out)
{
	rs_dot_groups(ctx, doc, "groups", "garbage", out);
}

const struct rs_command rs_command_garbage = {
	.name = "garbage",
	.summary = "what gc.collect() would free now, in connected groups, with finalizers",
	.needs_heap = true,
	.needs_address = false,
	.build = garbage_build,
	.render = garbage_render,
	.dot = garbage_dot,
};
