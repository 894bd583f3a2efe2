/* diff BEFORE AFTER: what grew between two snapshots of one program, and
 * where the growth hangs.
 *
 * BEFORE is a core; AFTER is the target (a core, --pid, or gdb's inferior).
 * With --pid PID --interval SECONDS the target is read twice, SECONDS
 * apart: the process runs in between and is stopped only while each
 * snapshot is read. Each side is reduced to what the comparison needs (per
 * type name: objects, bytes, retained heap; every object's address and type)
 * before the other is read.
 *
 * An object of AFTER is new when BEFORE has no object of the same type at
 * its address: one freed and replaced at the same address by one of the
 * same type counts as surviving. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dominator_tree.h"
#include "render.h"
#include "string_table.h"
#include "target.h"

#define TEXT_TYPES 25

struct located {
	uint64_t address;
	uint32_t key;   /* type name, in the diff's string table */
	uint32_t index; /* in its heap */
	uint32_t size;
};

struct totals {
	uint64_t count, bytes, retained;
};

struct side {
	struct located *objects; /* sorted by address */
	size_t n;
	struct totals *by_key;   /* indexed by key */
	size_t keys;
	uint64_t bytes;
	struct rs_python_info python; /* its strings are the target's: module is a copy */
	char *module;
	char *label;
	char *program;
};

struct diff {
	struct rs_string_table names;
	struct side before, after;
};

static void side_free(struct side *s)
{
	free(s->objects);
	free(s->by_key);
	free(s->label);
	free(s->program);
	free(s->module);
}

static int located_cmp(const void *a, const void *b)
{
	const struct located *x = a, *y = b;
	if (x->address != y->address)
		return x->address < y->address ? -1 : 1;
	return (x->key > y->key) - (x->key < y->key);
}

static bool totals_reserve(struct side *s, size_t keys)
{
	if (keys <= s->keys)
		return true;
	struct totals *grown = realloc(s->by_key, keys * sizeof(*grown));
	if (!grown)
		return false;
	memset(grown + s->keys, 0, (keys - s->keys) * sizeof(*grown));
	s->by_key = grown;
	s->keys = keys;
	return true;
}

/* The executable of the target: the first module that is no shared object
 * (the vdso and libraries are; the program the core is of is not). */
static char *program_of(const rs_target *target)
{
	const struct rs_modules *mods = target->mods;
	for (size_t i = 0; mods && i < mods->count; i++) {
		const char *name = mods->list[i].name ? mods->list[i].name : "";
		const char *base = strrchr(name, '/');
		base = base ? base + 1 : name;
		if (*base && !strstr(base, ".so") && !strstr(base, "vdso"))
			return strdup(base);
	}
	return strdup("?");
}

/* One side reduced: per type name, objects, bytes and retained heap; every
 * object reached, located. */
static rs_error *side_collect(struct diff *d, struct rs_command_context *ctx, const char *label, struct side *s)
{
	struct rs_dom_tree t;
	rs_error *err = rs_dom_tree_build(ctx, &t);
	if (err)
		return err;
	size_t n_types = rs_heap_type_count(ctx->heap);
	uint64_t *per_row = calloc(2 * n_types + 1, sizeof(*per_row));
	uint32_t *key_of_type = malloc((n_types + 1) * sizeof(*key_of_type));
	bool ok = per_row && key_of_type && rs_dom_tree_type_retained(&t, ctx->heap, per_row);
	rs_dom_tree_free(&t);
	for (size_t i = 0; ok && i < n_types; i++) {
		key_of_type[i] = rs_string_table_add(&d->names, rs_heap_type(ctx->heap, (uint32_t)i)->name);
		ok = key_of_type[i] != UINT32_MAX;
	}
	ok = ok && totals_reserve(s, d->names.count);
	s->n = rs_heap_reached_count(ctx->heap);
	s->objects = ok ? malloc((s->n + 1) * sizeof(*s->objects)) : NULL;
	if (ok && s->objects) {
		const struct rs_object *objects = rs_heap_objects(ctx->heap);
		for (size_t i = 0; i < n_types; i++)
			s->by_key[key_of_type[i]].retained += per_row[2 * i] + per_row[2 * i + 1];
		for (uint32_t i = 0; i < s->n; i++) {
			struct totals *row = &s->by_key[key_of_type[objects[i].type]];
			row->count++;
			row->bytes += objects[i].size;
			s->bytes += objects[i].size;
			s->objects[i] = (struct located){objects[i].address, key_of_type[objects[i].type], i, objects[i].size};
		}
		qsort(s->objects, s->n, sizeof(*s->objects), located_cmp);
	}
	free(per_row);
	free(key_of_type);
	rs_target_python(ctx->target, &s->python);
	s->module = strdup(s->python.module_path ? s->python.module_path : "");
	s->label = strdup(label);
	s->program = program_of(ctx->target);
	if (!s->objects || !s->label || !s->program || !s->module)
		return rs_error_nomem();
	return NULL;
}

/* BEFORE read whole from its core, with the options the target was
 * opened with, and reduced; nothing of it is kept but the reduction. */
static rs_error *side_read(struct diff *d, struct rs_command_context *ctx, const char *core, struct side *s)
{
	struct rs_open_options open = *ctx->open;
	open.core_path = core;
	open.pid = 0;
	rs_target *target;
	rs_error *err = rs_target_open(&open, &target);
	if (err)
		return rs_error_prefix(err, "%s", core);
	struct rs_dominators dominators = {0};
	struct rs_command_context other = {.target = target, .opts = ctx->opts, .target_label = core,
					   .dominators = &dominators};
	err = rs_heap_walk(target, NULL, NULL, &other.heap);
	if (!err)
		err = side_collect(d, &other, core, s);
	rs_dominators_free(&dominators);
	rs_heap_free(other.heap);
	rs_target_close(target);
	return err;
}

/* Snapshots of one program and one Python, or an error saying what differs. */
static rs_error *sides_check(const struct side *before, const struct side *after, rs_target *target)
{
	const struct rs_python_info *a = &before->python, *b = &after->python;
	if (a->hexversion != b->hexversion || strcmp(before->module, after->module) != 0)
		return rs_error_new(RS_ERR_FORMAT, "the snapshots are of two Pythons: %u.%u.%u (%s) before, %u.%u.%u (%s) "
				    "after", a->major, a->minor, a->micro, before->module, b->major, b->minor, b->micro,
				    after->module);
	if (strcmp(before->program, after->program) != 0)
		return rs_error_new(RS_ERR_FORMAT, "the snapshots are of two programs: %s before, %s after",
				    before->program, after->program);
	/* Address space layout is drawn anew for each process: another place
	 * for _PyRuntime is another process. */
	if (a->runtime_address != b->runtime_address)
		rs_diag_add(&target->diag, "the snapshots are of two processes of %s (_PyRuntime at 0x%" PRIx64 " before, "
			    "0x%" PRIx64 " after): objects at the same address are not the same objects, so new and gone "
			    "compare two heaps, not one heap's growth", after->program, a->runtime_address,
			    b->runtime_address);
	return NULL;
}

/* Marks the objects of AFTER that BEFORE has not (by address and type) in
 * a bitmap over AFTER's heap (n objects: those reached, and any adopted
 * since); counts what is gone the other way. */
static uint64_t *objects_match(const struct side *before, const struct side *after, size_t n, uint64_t *gone,
			       uint64_t *gone_bytes)
{
	uint64_t *bits = calloc(n / 64 + 1, sizeof(*bits));
	if (!bits)
		return NULL;
	size_t i = 0, j = 0;
	*gone = *gone_bytes = 0;
	while (i < before->n || j < after->n) {
		int c = i == before->n ? 1 : j == after->n ? -1 : located_cmp(&before->objects[i], &after->objects[j]);
		if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			(*gone)++;
			*gone_bytes += before->objects[i].size;
			i++;
		} else {
			uint32_t index = after->objects[j++].index;
			bits[index / 64] |= 1ull << (index % 64);
		}
	}
	return bits;
}

struct type_row {
	uint32_t key;
	struct totals before, after;
	int64_t delta_bytes;
};

static int row_cmp(const void *a, const void *b)
{
	const struct type_row *x = a, *y = b;
	if (x->delta_bytes != y->delta_bytes)
		return x->delta_bytes < y->delta_bytes ? 1 : -1;
	int64_t dx = (int64_t)x->after.count - (int64_t)x->before.count, dy = (int64_t)y->after.count - (int64_t)y->before.count;
	if (dx != dy)
		return dx < dy ? 1 : -1;
	return (x->key > y->key) - (x->key < y->key);
}

static json_object *totals_doc(const struct totals *t)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "count", json_object_new_int64((int64_t)t->count));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)t->bytes));
	json_object_object_add(o, "retained", json_object_new_int64((int64_t)t->retained));
	return o;
}

static json_object *types_doc(const struct diff *d)
{
	size_t keys = d->names.count;
	struct type_row *rows = calloc(keys + 1, sizeof(*rows));
	json_object *list = json_object_new_array();
	size_t n = 0;
	for (uint32_t k = 0; rows && k < keys; k++) {
		struct totals none = {0, 0, 0};
		const struct totals *b = k < d->before.keys ? &d->before.by_key[k] : &none;
		const struct totals *a = k < d->after.keys ? &d->after.by_key[k] : &none;
		if (!b->count && !a->count)
			continue;
		rows[n++] = (struct type_row){k, *b, *a, (int64_t)a->bytes - (int64_t)b->bytes};
	}
	if (rows)
		qsort(rows, n, sizeof(*rows), row_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct type_row *r = &rows[i];
		json_object *row = json_object_new_object(), *delta = json_object_new_object();
		json_object_object_add(row, "type", json_object_new_string(rs_string_table_get(&d->names, r->key)));
		json_object_object_add(row, "status", !r->before.count ? json_object_new_string("new")
						      : !r->after.count ? json_object_new_string("gone") : NULL);
		json_object_object_add(row, "before", totals_doc(&r->before));
		json_object_object_add(row, "after", totals_doc(&r->after));
		json_object_object_add(delta, "count", json_object_new_int64((int64_t)r->after.count - (int64_t)r->before.count));
		json_object_object_add(delta, "bytes", json_object_new_int64(r->delta_bytes));
		json_object_object_add(delta, "retained",
				       json_object_new_int64((int64_t)r->after.retained - (int64_t)r->before.retained));
		json_object_object_add(row, "delta", delta);
		json_object_array_add(list, row);
	}
	free(rows);
	return list;
}

static json_object *snapshot_doc(const struct side *s)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "target", json_object_new_string(s->label));
	json_object_object_add(o, "objects", json_object_new_int64((int64_t)s->n));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)s->bytes));
	return o;
}

/* The new objects per type, most bytes first. */
static json_object *new_types_doc(struct rs_command_context *ctx, const uint64_t *bits, size_t n)
{
	size_t n_types = rs_heap_type_count(ctx->heap);
	struct totals *per = calloc(n_types + 1, sizeof(*per));
	uint32_t *order = malloc((n_types + 1) * sizeof(*order));
	json_object *list = json_object_new_array();
	const struct rs_object *objects = rs_heap_objects(ctx->heap);
	for (size_t i = 0; per && order && i < n; i++)
		if (rs_bit(bits, i)) {
			per[objects[i].type].count++;
			per[objects[i].type].bytes += objects[i].size;
		}
	size_t m = 0;
	for (uint32_t t = 0; per && order && t < n_types; t++)
		if (per[t].count)
			order[m++] = t;
	for (size_t a = 1; a < m; a++) /* insertion sort: a few hundred types at most */
		for (size_t b = a; b > 0 && per[order[b]].bytes > per[order[b - 1]].bytes; b--) {
			uint32_t x = order[b];
			order[b] = order[b - 1];
			order[b - 1] = x;
		}
	for (size_t k = 0; k < m; k++) {
		json_object *row = json_object_new_object();
		json_object_object_add(row, "type", json_object_new_string(rs_heap_type(ctx->heap, order[k])->name));
		json_object_object_add(row, "objects", json_object_new_int64((int64_t)per[order[k]].count));
		json_object_object_add(row, "bytes", json_object_new_int64((int64_t)per[order[k]].bytes));
		json_object_array_add(list, row);
	}
	free(per);
	free(order);
	return list;
}

static rs_error *sleep_seconds(double seconds)
{
	struct timespec ts = {(time_t)seconds, (long)((seconds - floor(seconds)) * 1e9)};
	while (nanosleep(&ts, &ts) != 0)
		if (rs_interrupt_requested())
			return rs_error_new(RS_ERR_INTERRUPTED, "interrupted while waiting for the second snapshot");
	return NULL;
}

static rs_error *diff_build(struct rs_command_context *ctx, json_object **out)
{
	struct diff d;
	memset(&d, 0, sizeof(d));
	rs_error *err = NULL;
	const char *before_label = ctx->before ? ctx->before : ctx->target_label;
	/* BEFORE: a core read now, or this target read now (--interval). */
	if (ctx->before)
		err = side_read(&d, ctx, ctx->before, &d.before);
	else
		err = side_collect(&d, ctx, before_label, &d.before);
	/* AFTER, when it is the same process later: read into the session. */
	struct rs_command_context later = *ctx;
	struct rs_dominators later_dominators = {0};
	rs_target *later_target = NULL;
	if (!err && !ctx->before) {
		err = sleep_seconds(ctx->opts.interval);
		if (!err)
			err = rs_target_open(ctx->open, &later_target);
		later.target = later_target;
		later.heap = NULL;
		later.dominators = &later_dominators;
		if (!err)
			err = rs_heap_walk(later_target, NULL, NULL, &later.heap);
		if (later_target)
			rs_target_release(later_target);
	}
	struct rs_command_context *after_ctx = ctx->before ? ctx : &later;
	if (!err)
		err = side_collect(&d, after_ctx, after_ctx->target_label, &d.after);
	if (!err)
		err = sides_check(&d.before, &d.after, ctx->target);
	uint64_t *bits = NULL, gone = 0, gone_bytes = 0;
	size_t n_bits = after_ctx->heap ? rs_heap_object_count(after_ctx->heap) : 0;
	if (!err && !(bits = objects_match(&d.before, &d.after, n_bits, &gone, &gone_bytes)))
		err = rs_error_nomem();
	json_object *groups = NULL;
	uint64_t new_objects = 0, new_bytes = 0;
	if (!err)
		err = rs_retainers_tree(after_ctx, bits, n_bits, &groups, &new_objects, &new_bytes);
	if (!err) {
		json_object *doc = json_object_new_object(), *fresh = json_object_new_object(),
			    *old = json_object_new_object();
		json_object_object_add(doc, "before", snapshot_doc(&d.before));
		json_object_object_add(doc, "after", snapshot_doc(&d.after));
		json_object_object_add(doc, "types", types_doc(&d));
		json_object_object_add(fresh, "objects", json_object_new_int64((int64_t)new_objects));
		json_object_object_add(fresh, "bytes", json_object_new_int64((int64_t)new_bytes));
		json_object_object_add(fresh, "types", new_types_doc(after_ctx, bits, d.after.n));
		json_object_object_add(fresh, "groups", groups);
		json_object_object_add(doc, "new", fresh);
		json_object_object_add(old, "objects", json_object_new_int64((int64_t)gone));
		json_object_object_add(old, "bytes", json_object_new_int64((int64_t)gone_bytes));
		json_object_object_add(doc, "gone", old);
		*out = doc;
	}
	free(bits);
	if (later_target) {
		rs_dominators_free(&later_dominators);
		rs_heap_free(later.heap);
		rs_target_close(later_target);
	}
	side_free(&d.before);
	side_free(&d.after);
	rs_string_table_free(&d.names);
	return err;
}

static void signed_bytes(int64_t value, char *buf, size_t size)
{
	char magnitude[24];
	rs_format_bytes((uint64_t)(value < 0 ? -value : value), magnitude, sizeof(magnitude));
	snprintf(buf, size, "%s%s", value < 0 ? "-" : "+", magnitude);
}

/* One group of new objects in a line, along its largest chain: "+10000
 * Leak (+390.6 KiB) in a list under module __main__ .__dict__['REGISTRY']
 * ['leaks'][i]". */
static void group_line(json_object *top, FILE *out)
{
	const char *vias[64];
	size_t n_vias = 0, ways = 0;
	const char *holder = NULL;
	json_object *node = top, *children, *root = NULL;
	while (json_object_object_get_ex(node, "children", &children) && json_object_array_length(children)) {
		ways += json_object_array_length(children) - 1;
		json_object *child = json_object_array_get_idx(children, 0);
		if (json_object_object_get_ex(child, "root", &root))
			break;
		if (!holder)
			holder = rs_json_str(child, "type");
		if (n_vias < 64)
			vias[n_vias++] = rs_json_str(child, "via");
		node = child;
	}
	char bytes[32];
	rs_format_bytes((uint64_t)rs_json_int(top, "bytes"), bytes, sizeof(bytes));
	fprintf(out, "  +%" PRId64 " %s (+%s)", rs_json_int(top, "objects"), rs_json_str(top, "type"), bytes);
	if (holder)
		fprintf(out, " in a %s", holder);
	if (root && strcmp(rs_json_str(root, "kind"), "garbage") == 0) {
		fprintf(out, ", garbage: gc.collect() would free %s", n_vias ? "what holds them" : "them");
	} else if (root) {
		fprintf(out, " under %s %s%s", rs_json_str(root, "kind"), rs_json_str(root, "name"), n_vias ? " " : "");
		for (size_t i = n_vias; i > 0; i--)
			fputs(vias[i - 1], out);
	}
	if (ways)
		fprintf(out, " (and %zu more ways: --json has the tree)", ways);
	fputc('\n', out);
}

static void diff_render(json_object *doc, const struct rs_command_options *opts, FILE *out)
{
	json_object *before, *after, *types, *fresh, *old, *groups;
	json_object_object_get_ex(doc, "before", &before);
	json_object_object_get_ex(doc, "after", &after);
	json_object_object_get_ex(doc, "types", &types);
	json_object_object_get_ex(doc, "new", &fresh);
	json_object_object_get_ex(doc, "gone", &old);
	char a[32], b[32], dobj[32], dbytes[40];
	rs_format_bytes((uint64_t)rs_json_int(before, "bytes"), a, sizeof(a));
	rs_format_bytes((uint64_t)rs_json_int(after, "bytes"), b, sizeof(b));
	signed_bytes(rs_json_int(after, "bytes") - rs_json_int(before, "bytes"), dbytes, sizeof(dbytes));
	snprintf(dobj, sizeof(dobj), "%+" PRId64, rs_json_int(after, "objects") - rs_json_int(before, "objects"));
	fprintf(out, "before: %s: %" PRId64 " objects, %s\nafter:  %s: %" PRId64 " objects, %s (%s objects, %s)\n\n",
		rs_json_str(before, "target"), rs_json_int(before, "objects"), a, rs_json_str(after, "target"),
		rs_json_int(after, "objects"), b, dobj, dbytes);
	size_t n = json_object_array_length(types), shown = rs_rows_shown(opts, n, TEXT_TYPES, n);
	static const char *const headers[] = {"objects", "bytes", "retained", "now", "type"};
	struct rs_table *table = rs_table_new(5, headers, "rrrrl");
	size_t changed = 0;
	for (size_t i = 0; i < n && changed < shown; i++) {
		json_object *row = json_object_array_get_idx(types, i), *delta, *now, *status;
		json_object_object_get_ex(row, "delta", &delta);
		json_object_object_get_ex(row, "after", &now);
		if (!rs_json_int(delta, "count") && !rs_json_int(delta, "bytes"))
			continue;
		changed++;
		char count[32], bytes[40], retained[40], total[32], name[300];
		snprintf(count, sizeof(count), "%+" PRId64, rs_json_int(delta, "count"));
		signed_bytes(rs_json_int(delta, "bytes"), bytes, sizeof(bytes));
		signed_bytes(rs_json_int(delta, "retained"), retained, sizeof(retained));
		snprintf(total, sizeof(total), "%" PRId64, rs_json_int(now, "count"));
		json_object_object_get_ex(row, "status", &status);
		snprintf(name, sizeof(name), "%s%s%s%s", rs_json_str(row, "type"), status ? " (" : "",
			 status ? json_object_get_string(status) : "", status ? ")" : "");
		const char *cells[] = {count, bytes, retained, total, name};
		rs_table_row(table, cells);
	}
	if (changed) {
		fprintf(out, "types that changed, most growth first:\n");
		rs_table_print(table, out, "  ");
	} else {
		fprintf(out, "no type changed\n");
	}
	rs_table_free(table);
	char nb[32], gb[32];
	rs_format_bytes((uint64_t)rs_json_int(fresh, "bytes"), nb, sizeof(nb));
	rs_format_bytes((uint64_t)rs_json_int(old, "bytes"), gb, sizeof(gb));
	fprintf(out, "\nnew objects: %" PRId64 " (%s)%s\n", rs_json_int(fresh, "objects"), nb,
		rs_json_int(fresh, "objects") ? ", where they hang:" : "");
	json_object_object_get_ex(fresh, "groups", &groups);
	for (size_t i = 0; groups && i < json_object_array_length(groups) && i < TEXT_TYPES; i++)
		group_line(json_object_array_get_idx(groups, i), out);
	fprintf(out, "gone: %" PRId64 " objects (%s)\n", rs_json_int(old, "objects"), gb);
	rs_render_warnings(doc, out);
}

const struct rs_command rs_command_diff = {
	.name = "diff",
	.summary = "BEFORE TARGET: what is new in TARGET since the core BEFORE, and where it hangs "
		   "(--pid PID --interval S: two snapshots S seconds apart)",
	.needs_heap = true,
	.needs_before = true,
	.build = diff_build,
	.render = diff_render,
};
