/* refcheck: objects whose reference count the heap and the named roots do
 * not explain: the mark of a C extension that took a reference and lost it.
 *
 * The suspects come in groups by cause, type and the type of the first
 * object found referring to them, so that one real leak
 * (thousands of references on each of a few hundred classes, or one
 * reference on each of 20,000 records) stands apart from the few objects C
 * structures hold here and there:
 *  - type: a class. Each instance of a heap type holds its class; a count far
 *    above what the heap shows grows with every instance made and freed.
 *  - unreferenced: nothing in the heap and no root refers to it.
 *  - referenced: referred to, and held once more by something unseen. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refchain_doc.h"
#include "render.h"
#include "util/huge_pages.h"

#define TEXT_DEFAULT_TOP 25
#define TPFLAGS_TYPE_SUBCLASS (1ul << 31)

enum cause { CAUSE_TYPE, CAUSE_UNREFERENCED, CAUSE_REFERENCED, CAUSE_COUNT };

static const char *const cause_names[CAUSE_COUNT] = {"type", "unreferenced", "referenced"};

static const char *const cause_explanations[CAUSE_COUNT] = {
	"classes with more references than the heap shows: every instance of a heap type holds its class, "
	"so a count far above the live instances grows with each instance made and freed: a tp_dealloc that "
	"does not release its type (Py_DECREF(Py_TYPE(self))), as mypyc's classes do, or C code taking new "
	"references to the class in a loop",
	"nothing in the heap and no root refers to them: a reference C code leaked (a Py_INCREF or a new "
	"reference never released), or one only C memory holds (a malloc'd structure, the C stack)",
	"referred to from the heap or a root, and held once more by something refscope cannot see: a leaked "
	"Py_INCREF, or a C structure keeping its own pointer",
};

#define suspect rs_refcount_suspect


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

static const rs_heap *sort_heap; /* qsort has no argument: refcheck runs one at a time */

/* The type of the first object found referring to s; classes are grouped
 * without it (their instances refer to them). */
static uint32_t holder_type(const struct suspect *s)
{
	if (s->holder == RS_NO_OBJECT || s->cause == CAUSE_TYPE)
		return UINT32_MAX;
	return rs_heap_objects(sort_heap)[s->holder].type;
}

static int group_cmp(const void *a, const void *b)
{
	const struct suspect *x = a, *y = b;
	uint32_t tx = rs_heap_objects(sort_heap)[x->object].type, ty = rs_heap_objects(sort_heap)[y->object].type;
	if (x->cause != y->cause)
		return x->cause - y->cause;
	if (tx != ty)
		return tx < ty ? -1 : 1;
	if (holder_type(x) != holder_type(y))
		return holder_type(x) < holder_type(y) ? -1 : 1;
	return suspect_cmp(a, b);
}

struct group {
	size_t first, n;
	int64_t external, largest;
};

static int group_external_cmp(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	if (x->external != y->external)
		return x->external < y->external ? 1 : -1;
	return (x->first > y->first) - (x->first < y->first);
}

static bool same_group(const struct suspect *x, const struct suspect *y)
{
	const struct rs_object *objects = rs_heap_objects(sort_heap);
	return x->cause == y->cause && objects[x->object].type == objects[y->object].type &&
	       holder_type(x) == holder_type(y);
}

/* One group per (cause, type, holder's type) run of the suspects sorted by
 * group_cmp, largest first. */
static struct group *groups_find(const struct suspect *s, size_t n, size_t *n_groups)
{
	struct group *groups = calloc(n + 1, sizeof(*groups));
	size_t count = 0;
	if (!groups)
		return NULL;
	for (size_t i = 0; i < n;) {
		struct group *g = &groups[count++];
		size_t j = i;
		*g = (struct group){.first = i};
		for (; j < n && same_group(&s[j], &s[i]); j++) {
			g->external += s[j].external;
			if (s[j].external > g->largest)
				g->largest = s[j].external;
		}
		g->n = j - i;
		i = j;
	}
	qsort(groups, count, sizeof(*groups), group_external_cmp);
	*n_groups = count;
	return groups;
}

#define GROUP_EXAMPLES 5

static json_object *groups_doc(const rs_heap *heap, const struct suspect *suspects, size_t n)
{
	json_object *list = json_object_new_array();
	sort_heap = heap;
	struct suspect *sorted = malloc((n + 1) * sizeof(*sorted));
	size_t n_groups = 0;
	struct group *groups = NULL;
	if (sorted) {
		memcpy(sorted, suspects, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), group_cmp);
		groups = groups_find(sorted, n, &n_groups);
	}
	const struct rs_object *objects = rs_heap_objects(heap);
	for (size_t g = 0; groups && g < n_groups; g++) {
		const struct group *gr = &groups[g];
		const struct suspect *first = &sorted[gr->first];
		json_object *row = json_object_new_object(), *examples = json_object_new_array();
		json_object_object_add(row, "cause", json_object_new_string(cause_names[first->cause]));
		json_object_object_add(row, "type",
				       json_object_new_string(rs_heap_type(heap, objects[first->object].type)->name));
		json_object_object_add(row, "objects", json_object_new_int64((int64_t)gr->n));
		json_object_object_add(row, "external", json_object_new_int64(gr->external));
		json_object_object_add(row, "largest", json_object_new_int64(gr->largest));
		uint32_t held_by = holder_type(first);
		json_object_object_add(row, "held_by", held_by == UINT32_MAX ? NULL :
				       json_object_new_string(rs_heap_type(heap, held_by)->name));
		for (size_t k = 0; k < gr->n && k < GROUP_EXAMPLES; k++) {
			char address[19];
			rs_format_address(objects[sorted[gr->first + k].object].address, address);
			json_object_array_add(examples, json_object_new_string(address));
		}
		json_object_object_add(row, "examples", examples);
		json_object_array_add(list, row);
	}
	free(groups);
	free(sorted);
	return list;
}

static json_object *causes_doc(void)
{
	json_object *causes = json_object_new_object();
	for (int c = 0; c < CAUSE_COUNT; c++)
		json_object_object_add(causes, cause_names[c], json_object_new_string(cause_explanations[c]));
	return causes;
}

static void count_reference(void *arg, uint32_t referent)
{
	((uint32_t *)arg)[referent]++;
}

/* Each suspect's first referrer in object order, found by a second pass
 * over the references rather than kept for every object in the first:
 * slot (n + 1 entries) maps an object to its place among the suspects. */
static void holders_find(rs_heap *heap, size_t n, struct suspect *suspects, size_t n_suspects, uint32_t *slot)
{
	size_t missing = 0;
	memset(slot, 0xff, (n + 1) * sizeof(*slot));
	for (size_t k = 0; k < n_suspects; k++) {
		slot[suspects[k].object] = (uint32_t)k;
		missing += suspects[k].heap_refs > 0;
	}
	for (uint32_t i = 0; i < n && missing; i++) {
		size_t refs;
		const uint32_t *referents = rs_heap_referents(heap, i, &refs);
		for (size_t k = 0; k < refs; k++) {
			uint32_t s = slot[referents[k]];
			if (s != UINT32_MAX && suspects[s].holder == RS_NO_OBJECT) {
				suspects[s].holder = i;
				missing--;
			}
		}
	}
}

rs_error *rs_refcount_suspects(struct rs_command_context *ctx, struct rs_refcount_suspect **out, size_t *count)
{
	struct rs_roots roots;
	rs_error *err = rs_heap_roots(ctx->target, ctx->heap, &roots);
	if (err)
		return err;
	size_t n = rs_heap_object_count(ctx->heap);
	uint32_t *in = rs_huge_calloc(n + 1, sizeof(*in));
	struct suspect *suspects = calloc(n + 1, sizeof(*suspects));
	if (!in || !suspects) {
		free(in);
		free(suspects);
		rs_roots_free(&roots);
		return rs_error_nomem();
	}
	for (uint32_t i = 0; i < n; i++) {
		size_t refs;
		const uint32_t *referents = rs_heap_referents(ctx->heap, i, &refs);
		for (size_t k = 0; k < refs; k++)
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
		if (external <= 0)
			continue;
		uint8_t cause = CAUSE_REFERENCED;
		if (rs_heap_type(ctx->heap, o->type)->flags & TPFLAGS_TYPE_SUBCLASS)
			cause = CAUSE_TYPE;
		else if (in[i] == 0 && from_roots == 0)
			cause = CAUSE_UNREFERENCED;
		suspects[n_suspects++] = (struct suspect){i, in[i], from_roots, RS_NO_OBJECT, cause, external};
	}
	holders_find(ctx->heap, n, suspects, n_suspects, in);
	free(in);
	rs_roots_free(&roots);
	qsort(suspects, n_suspects, sizeof(*suspects), suspect_cmp);
	*out = suspects;
	*count = n_suspects;
	return NULL;
}

static rs_error *refcheck_build(struct rs_command_context *ctx, json_object **out)
{
	struct suspect *suspects;
	size_t n_suspects;
	rs_error *err = rs_refcount_suspects(ctx, &suspects, &n_suspects);
	if (err)
		return err;
	const struct rs_object *objects = rs_heap_objects(ctx->heap);
	size_t shown = rs_rows_shown(&ctx->opts, n_suspects, n_suspects, n_suspects); /* text cuts when rendering */
	json_object *doc = json_object_new_object(), *list = json_object_new_array();
	for (size_t k = 0; k < shown; k++) {
		const struct suspect *s = &suspects[k];
		json_object *row = rs_doc_object_ref(ctx->heap, s->object);
		json_object_object_add(row, "refcnt", json_object_new_int64(objects[s->object].refcnt));
		json_object_object_add(row, "heap_refs", json_object_new_int64(s->heap_refs));
		json_object_object_add(row, "root_refs", json_object_new_int64(s->root_refs));
		json_object_object_add(row, "external", json_object_new_int64(s->external));
		json_object_object_add(row, "cause", json_object_new_string(cause_names[s->cause]));
		json_object_array_add(list, row);
	}
	json_object_object_add(doc, "suspects_total", json_object_new_int64((int64_t)n_suspects));
	json_object_object_add(doc, "suspects", list);
	json_object_object_add(doc, "types", types_doc(ctx->heap, suspects, n_suspects));
	json_object_object_add(doc, "groups", groups_doc(ctx->heap, suspects, n_suspects));
	json_object_object_add(doc, "causes", causes_doc());
	rs_doc_conservative_add(doc, ctx->heap);
	free(suspects);
	json_object *refchain;
	if ((err = rs_refchain_doc(ctx, &refchain))) {
		json_object_put(doc);
		return err;
	}
	json_object_object_add(doc, "refchain", refchain);
	*out = doc;
	return NULL;
}

/* text folded at width columns, each line after indent. */
static void render_folded(const char *text, size_t indent, size_t width, FILE *out)
{
	size_t column = indent;
	while (*text) {
		size_t word = strcspn(text, " ");
		if (column > indent && column + 1 + word > width) {
			fprintf(out, "\n%*s", (int)indent, "");
			column = indent;
		} else if (column > indent) {
			fputc(' ', out);
			column++;
		}
		fwrite(text, 1, word, out);
		column += word;
		text += word;
		text += strspn(text, " ");
	}
	fputc('\n', out);
}

static void render_groups(json_object *doc, json_object *groups, FILE *out)
{
	size_t n = json_object_array_length(groups), shown = n < TEXT_DEFAULT_TOP ? n : TEXT_DEFAULT_TOP;
	bool present[CAUSE_COUNT] = {false};
	fprintf(out, "\nin %zu group%s, by cause, type and first holder:\n", n, n == 1 ? "" : "s");
	static const char *const headers[] = {"objects", "external", "largest", "cause", "type", "first held by"};
	struct rs_table *table = rs_table_new(6, headers, "rrrlll");
	for (size_t i = 0; i < n; i++) {
		json_object *g = json_object_array_get_idx(groups, i), *held;
		for (int c = 0; c < CAUSE_COUNT; c++)
			present[c] |= strcmp(rs_json_str(g, "cause"), cause_names[c]) == 0;
		if (i >= shown)
			continue;
		char objects[24], external[24], largest[24];
		snprintf(objects, sizeof(objects), "%" PRId64, rs_json_int(g, "objects"));
		snprintf(external, sizeof(external), "%" PRId64, rs_json_int(g, "external"));
		snprintf(largest, sizeof(largest), "%" PRId64, rs_json_int(g, "largest"));
		const char *holder = json_object_object_get_ex(g, "held_by", &held) && held ? json_object_get_string(held)
				     : strcmp(rs_json_str(g, "cause"), "referenced") == 0 ? "a root" : "-";
		const char *cells[] = {objects, external, largest, rs_json_str(g, "cause"), rs_json_str(g, "type"), holder};
		rs_table_row(table, cells);
	}
	rs_table_print(table, out, "  ");
	rs_table_free(table);
	if (shown < n)
		fprintf(out, "  ... %zu more groups (--json has them all)\n", n - shown);
	json_object *causes;
	bool first_cause = true;
	json_object_object_get_ex(doc, "causes", &causes);
	for (int c = 0; c < CAUSE_COUNT; c++) {
		if (!present[c])
			continue;
		char lead[600];
		snprintf(lead, sizeof(lead), "%s: %s", cause_names[c], rs_json_str(causes, cause_names[c]));
		fprintf(out, "%s  ", first_cause ? "\n" : "");
		render_folded(lead, 4, 100, out);
		first_cause = false;
	}
	fputc('\n', out);
}

static void refcheck_render(json_object *doc, const struct rs_command_options *opts, FILE *out)
{
	json_object *suspects, *groups;
	json_object_object_get_ex(doc, "suspects", &suspects);
	json_object_object_get_ex(doc, "groups", &groups);
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
	if (json_object_array_length(groups))
		render_groups(doc, groups, out);
	rs_render_refchain(doc, out);
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
