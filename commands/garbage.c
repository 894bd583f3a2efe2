/* garbage: what gc.collect() would free now, in connected groups, with finalizers. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "group_row.h"
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

static json_object *members_doc(const rs_heap *heap, const struct rs_garbage *g, const uint32_t *members, size_t n)
{
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *ref = rs_doc_object_ref(heap, members[i]);
		const char *fin = finalizer_name(g->finalizer[members[i]]);
		json_object_object_add(ref, "finalizer", fin ? json_object_new_string(fin) : NULL);
		json_object_array_add(list, ref);
	}
	return list;
}

struct group_totals {
	uint64_t bytes;
	bool has_finalizer, certain;
};

static struct group_totals group_totals(const rs_heap *heap, const struct rs_garbage *g, const uint32_t *members,
					size_t n)
{
	const struct rs_object *objects = rs_heap_objects(heap);
	struct group_totals t = {0, false, true};
	for (size_t i = 0; i < n; i++) {
		t.certain &= !rs_garbage_uncertain(g, members[i]);
		t.bytes += objects[members[i]].size;
		t.has_finalizer |= finalizer_name(g->finalizer[members[i]]) != NULL;
	}
	return t;
}

static json_object *group_doc(const rs_heap *heap, const struct rs_garbage *g, size_t k)
{
	const uint32_t *members = g->groups.members + g->groups.start[k];
	size_t n = (size_t)(g->groups.start[k + 1] - g->groups.start[k]);
	struct group_totals t = group_totals(heap, g, members, n);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "size", json_object_new_int64((int64_t)n));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)t.bytes));
	json_object_object_add(o, "has_finalizer", json_object_new_boolean(t.has_finalizer));
	json_object_object_add(o, "certain", json_object_new_boolean(t.certain));
	json_object_object_add(o, "types", rs_doc_group_types(heap, members, n));
	json_object_object_add(o, "objects", members_doc(heap, g, members, n));
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
	return group_doc(f->heap, &f->garbage, f->rows[r].group);
}

static const char *const GROUP_FLAG_KEYS[] = {"\"has_finalizer\"", "\"certain\""};

/* --json: the row printed from the group, members and all. */
static int garbage_row_print(void *state, size_t r, struct printbuf *pb, int level, int flags)
{
	struct garbage_found *f = state;
	const struct rs_groups *groups = &f->garbage.groups;
	size_t k = f->rows[r].group, n = (size_t)(groups->start[k + 1] - groups->start[k]);
	const uint32_t *members = groups->members + groups->start[k];
	struct group_totals t = group_totals(f->heap, &f->garbage, members, n);
	struct rs_type_count *counts = malloc((n ? n : 1) * sizeof(*counts));
	if (!counts)
		return -1;
	bool row_flags[] = {t.has_finalizer, t.certain};
	struct members_arg arg = {f->heap, &f->garbage, members};
	struct rs_group_row row = {n, t.bytes, GROUP_FLAG_KEYS, row_flags, 2, counts,
				   rs_group_type_counts(rs_heap_objects(f->heap), members, n, counts), member_item, &arg};
	int printed = rs_group_row_print(f->names, &row, pb, level, flags);
	free(counts);
	return printed;
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
			       ? rs_lazy_array_printed(shown, garbage_row_print, f, garbage_found_free)
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
