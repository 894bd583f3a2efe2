/* The dominator tree walked from the top, shared by top and suspects:
 * children lists from the immediate dominators, and the virtual root's
 * children grouped by the root that holds them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dominator_tree.h"
#include "util/huge_pages.h"

static int group_cmp(const void *a, const void *b)
{
	const struct rs_root_group *x = a, *y = b;
	if (x->retained != y->retained)
		return x->retained < y->retained ? 1 : -1;
	return (x->first > y->first) - (x->first < y->first);
}

#define KIND_IMMORTAL 0xfe
#define KIND_EXTERNAL 0xff

/* What holds a child of the virtual root, as a sortable key: the root's
 * kind, its name, and where it is when it has no name (static data). */
struct holder {
	uint32_t object, ref;
	uint8_t kind;
	uint32_t name;
	uint64_t where;
};

static int holder_cmp(const void *a, const void *b)
{
	const struct holder *x = a, *y = b;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->name != y->name)
		return x->name < y->name ? -1 : 1;
	if (x->where != y->where)
		return x->where < y->where ? -1 : 1;
	return (x->object > y->object) - (x->object < y->object);
}

static bool same_holder(const struct holder *x, const struct holder *y)
{
	return x->kind == y->kind && x->name == y->name && x->where == y->where;
}

/* Root references by object, to find each root child's first one. */
static const struct rs_root_ref *sort_refs;

static int ref_by_object_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	if (sort_refs[x].object != sort_refs[y].object)
		return sort_refs[x].object < sort_refs[y].object ? -1 : 1;
	return (x > y) - (x < y);
}

/* The first root reference of object o in by_object (n of them), or
 * RS_NO_OBJECT. */
static uint32_t first_ref_of(const struct rs_roots *roots, const uint32_t *by_object, size_t n, uint32_t o)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (roots->refs[by_object[mid]].object < o)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && roots->refs[by_object[lo]].object == o ? by_object[lo] : RS_NO_OBJECT;
}

static bool groups_build(struct rs_dom_tree *t, const struct rs_object *objects, const uint32_t *root_children,
			 size_t n)
{
	uint32_t *by_object = malloc((t->roots.n_refs + 1) * sizeof(*by_object));
	struct holder *rows = rs_huge_malloc((n + 1) * sizeof(*rows));
	t->group_members = rs_huge_malloc((n + 1) * sizeof(*t->group_members));
	if (!by_object || !rows || !t->group_members) {
		free(by_object);
		free(rows);
		return false;
	}
	for (size_t r = 0; r < t->roots.n_refs; r++)
		by_object[r] = (uint32_t)r;
	sort_refs = t->roots.refs;
	qsort(by_object, t->roots.n_refs, sizeof(*by_object), ref_by_object_cmp);
	for (size_t k = 0; k < n; k++) {
		uint32_t o = root_children[k], r = first_ref_of(&t->roots, by_object, t->roots.n_refs, o);
		struct holder *h = &rows[k];
		*h = (struct holder){o, r, KIND_EXTERNAL, UINT32_MAX, 0};
		if (r != RS_NO_OBJECT) {
			const struct rs_root_ref *ref = &t->roots.refs[r];
			h->kind = ref->kind;
			h->name = ref->name;
			h->where = ref->name == UINT32_MAX ? ref->where : 0;
		} else if (objects[o].flags & RS_IMMORTAL) {
			h->kind = KIND_IMMORTAL;
		}
	}
	free(by_object);
	qsort(rows, n, sizeof(*rows), holder_cmp);
	size_t n_groups = 0;
	for (size_t k = 0; k < n; k++)
		n_groups += !k || !same_holder(&rows[k], &rows[k - 1]);
	t->groups = calloc(n_groups + 1, sizeof(*t->groups));
	if (!t->groups) {
		free(rows);
		return false;
	}
	for (size_t k = 0; k < n; k++) {
		const struct holder *h = &rows[k];
		if (!k || !same_holder(h, &rows[k - 1])) {
			struct rs_root_group *g = &t->groups[t->n_groups++];
			g->first = (uint32_t)k;
			g->ref = h->kind == KIND_IMMORTAL ? RS_ROOT_GROUP_IMMORTAL
				 : h->kind == KIND_EXTERNAL ? RS_ROOT_GROUP_EXTERNAL : h->ref;
		}
		struct rs_root_group *g = &t->groups[t->n_groups - 1];
		t->group_members[k] = h->object;
		g->count++;
		g->retained += t->d->retained[h->object];
	}
	free(rows);
	qsort(t->groups, t->n_groups, sizeof(*t->groups), group_cmp);
	return true;
}

const char *rs_dom_tree_group_name(rs_target *target, const struct rs_dom_tree *t, const struct rs_root_group *g,
				   char *name, size_t size)
{
	if (g->ref == RS_ROOT_GROUP_IMMORTAL) {
		snprintf(name, size, "immortal objects (never freed)");
		return "immortal";
	}
	if (g->ref == RS_ROOT_GROUP_EXTERNAL) {
		snprintf(name, size, "references no root explains (C code, the C stack)");
		return "external";
	}
	rs_root_name(target, &t->roots, &t->roots.refs[g->ref], name, size);
	return rs_root_kind_name(t->roots.refs[g->ref].kind);
}

/* Children lists by counting: start[up + 2] counts, then prefix sums,
 * then each child placed at start[up + 1]++, which leaves start[up] at
 * the list's beginning. The roots' per-object counts go once the seeds
 * are found: the tree needs only the references. */
rs_error *rs_dom_tree_build(struct rs_command_context *ctx, struct rs_dom_tree *t)
{
	memset(t, 0, sizeof(*t));
	/* The roots first: the tree releases the address index they need. */
	rs_error *err = rs_heap_roots(ctx->target, ctx->heap, &t->roots);
	if (err)
		return err;
	err = rs_dominators_of_session_roots(ctx, &t->roots, &t->d);
	if (err) {
		rs_roots_free(&t->roots);
		return err;
	}
	size_t n = t->d->count, n_root = 0, n_child = 0;
	t->start = rs_huge_calloc(n + 2, sizeof(*t->start));
	bool ok = t->start != NULL;
	for (size_t i = 0; ok && i < n; i++) {
		uint32_t up = t->d->idom[i];
		if (up < n) {
			t->start[up + 2]++;
			n_child++;
		} else if (up == RS_DOMINATOR_ROOT) {
			n_root++;
		} else if (up == RS_DOMINATOR_GARBAGE) {
			t->n_garbage++;
		}
	}
	uint32_t *root_children = NULL;
	ok = ok && (t->child = rs_huge_malloc((n_child + 1) * sizeof(*t->child))) &&
	     (t->garbage = malloc((t->n_garbage + 1) * sizeof(*t->garbage))) &&
	     (root_children = malloc((n_root + 1) * sizeof(*root_children)));
	if (ok) {
		for (size_t i = 0; i < n; i++)
			t->start[i + 2] += t->start[i + 1];
		size_t g = 0, r = 0;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t up = t->d->idom[i];
			if (up < n)
				t->child[t->start[up + 1]++] = i;
			else if (up == RS_DOMINATOR_ROOT)
				root_children[r++] = i;
			else if (up == RS_DOMINATOR_GARBAGE)
				t->garbage[g++] = i;
		}
	}
	ok = ok && groups_build(t, rs_heap_objects(ctx->heap), root_children, n_root);
	free(root_children);
	if (!ok) {
		rs_dom_tree_free(t);
		return rs_error_nomem();
	}
	return NULL;
}

static const struct rs_dominators *sort_d;

static int retained_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	if (sort_d->retained[x] != sort_d->retained[y])
		return sort_d->retained[x] < sort_d->retained[y] ? 1 : -1;
	return (x > y) - (x < y);
}

/* Restores the heap at kept[0..n) (the entry sorting last at its root)
 * below slot i. */
static void last_heap_down(uint32_t *kept, size_t n, size_t i)
{
	for (;;) {
		size_t worst = i, l = 2 * i + 1, r = l + 1;
		if (l < n && retained_cmp(&kept[l], &kept[worst]) > 0)
			worst = l;
		if (r < n && retained_cmp(&kept[r], &kept[worst]) > 0)
			worst = r;
		if (worst == i)
			return;
		uint32_t swap = kept[i];
		kept[i] = kept[worst];
		kept[worst] = swap;
		i = worst;
	}
}

/* The first max in retained order, without sorting the rest: the children
 * of the root of a large heap are millions, and top shows a few. */
size_t rs_dom_tree_largest(const struct rs_dom_tree *t, const uint32_t *list, size_t n, uint32_t *out, size_t max)
{
	size_t kept = n < max ? n : max;
	memmove(out, list, kept * sizeof(*out));
	sort_d = t->d;
	if (kept < n && kept > 0) {
		for (size_t i = kept / 2; i-- > 0;)
			last_heap_down(out, kept, i);
		for (size_t i = kept; i < n; i++)
			if (retained_cmp(&list[i], &out[0]) < 0) {
				out[0] = list[i];
				last_heap_down(out, kept, 0);
			}
	}
	qsort(out, kept, sizeof(*out), retained_cmp);
	return kept;
}

void rs_dom_tree_free(struct rs_dom_tree *t)
{
	rs_roots_free(&t->roots);
	free(t->start);
	free(t->child);
	free(t->garbage);
	free(t->groups);
	free(t->group_members);
	memset(t, 0, sizeof(*t));
}

/* Depth-first from every child of the virtual and garbage roots, counting
 * per summary row (type, untracked) the instances on the current chain: an
 * instance adds its retained size only when no instance of its row
 * dominates it. */
static uint32_t row_of(const struct rs_object *o)
{
	return 2 * o->type + (o->generation == RS_GENERATION_UNTRACKED);
}

bool rs_dom_tree_type_retained(const struct rs_dom_tree *t, const rs_heap *heap, uint64_t *per_row)
{
	const struct rs_object *objects = rs_heap_objects(heap);
	size_t n = t->d->count, n_types = rs_heap_type_count(heap);
	uint32_t *active = calloc(2 * n_types + 1, sizeof(*active));
	uint32_t *stack = rs_huge_malloc((n + 1) * sizeof(*stack)), *cursor = rs_huge_malloc((n + 1) * sizeof(*cursor));
	if (!active || !stack || !cursor) {
		free(active);
		free(stack);
		free(cursor);
		return false;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (t->d->idom[i] != RS_DOMINATOR_ROOT && t->d->idom[i] != RS_DOMINATOR_GARBAGE)
			continue;
		size_t top = 0;
		stack[top] = i;
		cursor[top++] = t->start[i];
		if (!active[row_of(&objects[i])]++)
			per_row[row_of(&objects[i])] += t->d->retained[i];
		while (top) {
			uint32_t v = stack[top - 1];
			if (cursor[top - 1] == t->start[v + 1]) {
				active[row_of(&objects[v])]--;
				top--;
				continue;
			}
			uint32_t w = t->child[cursor[top - 1]++];
			if (!active[row_of(&objects[w])]++)
				per_row[row_of(&objects[w])] += t->d->retained[w];
			stack[top] = w;
			cursor[top++] = t->start[w];
		}
	}
	free(active);
	free(stack);
	free(cursor);
	return true;
}
