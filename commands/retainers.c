/* retainers --type NAME: Eclipse MAT's "merge shortest paths to GC roots".
 * The shortest chain from a root to every instance of the type, merged
 * into one tree keyed by (type, via) from the instances up to the roots;
 * each node counts the instances whose chain passes through it, and their
 * bytes. Item indices merge: "[41]" and "[42]" are both "[i]"; so do the
 * keys of a dict that holds more than WIDE objects of one type on the
 * chains (a cache keyed by user: "[key]"), while a namespace's few names
 * stay ("['registry']"). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "target.h"

#define TEXT_DEPTH_MAX 12
#define DOT_DEPTH_MAX 40
#define TEXT_BRANCHES_MAX 8 /* per node, the largest first */
#define VIA_MAX 160
#define WIDE 8

struct node {
	uint32_t parent;   /* node towards the instances; NONE for the top */
	uint32_t type;     /* type index, or NONE for a root node */
	uint32_t via;      /* offset into the label strings */
	uint32_t root_ref; /* root nodes: index into roots.refs, or NONE (C code), GARBAGE */
	uint64_t objects, bytes;
};

#define NONE UINT32_MAX
#define GARBAGE (UINT32_MAX - 1)

/* Open addressing: (parent node, type, via) -> node; and
 * (holder object, held object) -> via label offset. */
struct table {
	uint64_t *keys, *values;
	size_t capacity, count;
};

static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull + (a << 6) + (a >> 2));
	return h ^ (h >> 29);
}

static bool table_grow(struct table *t)
{
	size_t cap = t->capacity ? 2 * t->capacity : 1024;
	uint64_t *keys = calloc(cap * 2, sizeof(*keys)), *values = malloc(cap * sizeof(*values));
	if (!keys || !values) {
		free(keys);
		free(values);
		return false;
	}
	for (size_t i = 0; i < t->capacity; i++) {
		if (!t->keys[2 * i] && !t->keys[2 * i + 1])
			continue;
		size_t s = mix(t->keys[2 * i], t->keys[2 * i + 1]) & (cap - 1);
		while (keys[2 * s] || keys[2 * s + 1])
			s = (s + 1) & (cap - 1);
		keys[2 * s] = t->keys[2 * i];
		keys[2 * s + 1] = t->keys[2 * i + 1];
		values[s] = t->values[i];
	}
	free(t->keys);
	free(t->values);
	t->keys = keys;
	t->values = values;
	t->capacity = cap;
	return true;
}

/* The slot of key (a, b), (a, b) != (0, 0); *found whether it is set. */
static uint64_t *table_slot(struct table *t, uint64_t a, uint64_t b, bool *found)
{
	if ((t->count + 1) * 2 > t->capacity && !table_grow(t))
		return NULL;
	size_t s = mix(a, b) & (t->capacity - 1);
	while (t->keys[2 * s] || t->keys[2 * s + 1]) {
		if (t->keys[2 * s] == a && t->keys[2 * s + 1] == b) {
			*found = true;
			return &t->values[s];
		}
		s = (s + 1) & (t->capacity - 1);
	}
	t->keys[2 * s] = a;
	t->keys[2 * s + 1] = b;
	t->count++;
	*found = false;
	return &t->values[s];
}

struct merge {
	struct rs_command_context *ctx;
	const struct rs_paths *paths;
	struct node *nodes;
	size_t n_nodes, nodes_capacity;
	char *labels;
	size_t labels_len, labels_capacity;
	struct table by_key, by_edge, by_label, by_holder; /* by_holder: (holder, type) -> held objects on chains */
	uint8_t *labeled; /* bit per object: its references' labels are in by_edge */
	bool nomem;
};

/* "[41]" -> "[i]": items merge whatever their index. */
static void label_generalize(const char *via, char *out, size_t size)
{
	size_t len = strlen(via);
	if (len >= 3 && via[0] == '[' && via[len - 1] == ']' && strspn(via + 1, "0123456789") == len - 2)
		snprintf(out, size, "[i]");
	else
		snprintf(out, size, "%s", via);
}

static uint32_t label_intern(struct merge *m, const char *text)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *c = text; *c; c++)
		h = (h ^ (uint8_t)*c) * 1099511628211ull;
	bool found;
	/* by_label: (hash, 1) -> offsets; a collision falls back to a new copy. */
	uint64_t *slot = table_slot(&m->by_label, h | 1, 1, &found);
	if (!slot) {
		m->nomem = true;
		return 0;
	}
	if (found && strcmp(m->labels + *slot, text) == 0)
		return (uint32_t)*slot;
	size_t len = strlen(text) + 1;
	if (m->labels_len + len > m->labels_capacity) {
		size_t cap = m->labels_capacity ? 2 * m->labels_capacity : 4096;
		while (cap < m->labels_len + len)
			cap *= 2;
		char *labels = realloc(m->labels, cap);
		if (!labels) {
			m->nomem = true;
			return 0;
		}
		m->labels = labels;
		m->labels_capacity = cap;
	}
	memcpy(m->labels + m->labels_len, text, len);
	uint32_t offset = (uint32_t)m->labels_len;
	m->labels_len += len;
	if (!found)
		*slot = offset;
	return offset;
}

struct labeling {
	struct merge *m;
	uint32_t holder;
};

/* How many objects of type the holder holds on the chains. */
static uint64_t held_count(struct merge *m, uint32_t holder, uint32_t type)
{
	bool found;
	uint64_t *slot = table_slot(&m->by_holder, (uint64_t)holder + 1, type, &found);
	if (!slot) {
		m->nomem = true;
		return 0;
	}
	if (!found)
		*slot = 0;
	return *slot;
}

static void edge_label(void *arg, uint64_t referent, const char *via, bool conservative)
{
	struct labeling *l = arg;
	char text[VIA_MAX];
	(void)conservative;
	label_generalize(via, text, sizeof(text));
	uint32_t held = rs_heap_find(l->m->ctx->target, l->m->ctx->heap, referent);
	if (text[0] == '[' && strcmp(text, "[i]") != 0 && held != RS_NO_OBJECT &&
	    held_count(l->m, l->holder, rs_heap_objects(l->m->ctx->heap)[held].type) > WIDE)
		snprintf(text, sizeof(text), "[key]");
	bool found;
	uint64_t *slot = table_slot(&l->m->by_edge, (uint64_t)l->holder + 1, referent, &found);
	if (!slot) {
		l->m->nomem = true;
		return;
	}
	if (!found)
		*slot = label_intern(l->m, text);
}

/* The label of holder's reference to held, every reference of holder
 * labelled once. */
static uint32_t via_of(struct merge *m, uint32_t holder, uint32_t held)
{
	if (!(m->labeled[holder / 8] & (1u << (holder % 8)))) {
		m->labeled[holder / 8] |= (uint8_t)(1u << (holder % 8));
		struct labeling l = {m, holder};
		rs_error_free(rs_heap_references(m->ctx->target, m->ctx->heap, holder, edge_label, &l));
	}
	bool found;
	uint64_t address = rs_heap_objects(m->ctx->heap)[held].address;
	uint64_t *slot = table_slot(&m->by_edge, (uint64_t)holder + 1, address, &found);
	if (!slot) {
		m->nomem = true;
		return 0;
	}
	if (!found)
		*slot = label_intern(m, "?");
	return (uint32_t)*slot;
}

static uint32_t node_get(struct merge *m, uint32_t parent, uint32_t type, uint32_t via, uint32_t root_ref)
{
	bool found;
	uint64_t *slot = table_slot(&m->by_key, (uint64_t)parent << 32 | type, ((uint64_t)via << 32 | root_ref) + 1, &found);
	if (!slot) {
		m->nomem = true;
		return NONE;
	}
	if (found)
		return (uint32_t)*slot;
	if (m->n_nodes == m->nodes_capacity) {
		size_t cap = m->nodes_capacity ? 2 * m->nodes_capacity : 256;
		struct node *nodes = realloc(m->nodes, cap * sizeof(*nodes));
		if (!nodes) {
			m->nomem = true;
			return NONE;
		}
		m->nodes = nodes;
		m->nodes_capacity = cap;
	}
	m->nodes[m->n_nodes] = (struct node){parent, type, via, root_ref, 0, 0};
	*slot = m->n_nodes;
	return (uint32_t)m->n_nodes++;
}

/* First pass: per (holder, type), the distinct objects of the type the
 * holder holds on the chains of the instances. */
static void chains_count(struct merge *m, const uint64_t *selected, size_t n_selected, uint8_t *seen)
{
	const struct rs_object *objects = rs_heap_objects(m->ctx->heap);
	for (uint32_t i = 0; i < m->paths->count && i < n_selected && !m->nomem; i++) {
		if (!rs_bit(selected, i))
			continue;
		uint32_t at = i;
		for (size_t steps = 0; steps <= m->paths->count; steps++) {
			uint32_t up = m->paths->parent[at];
			if (up == at || up == NONE || (seen[at / 8] & (1u << (at % 8))))
				break;
			seen[at / 8] |= (uint8_t)(1u << (at % 8));
			bool found;
			uint64_t *slot = table_slot(&m->by_holder, (uint64_t)up + 1, objects[at].type, &found);
			if (!slot) {
				m->nomem = true;
				return;
			}
			*slot = found ? *slot + 1 : 1;
			at = up;
		}
	}
}

/* Adds the chain of instance i: its own node, then one per holder up to
 * the root node. */
static void chain_add(struct merge *m, uint32_t i, const struct rs_garbage *garbage)
{
	const struct rs_object *objects = rs_heap_objects(m->ctx->heap);
	uint64_t bytes = objects[i].size;
	uint32_t node = node_get(m, NONE, objects[i].type, label_intern(m, ""), NONE);
	uint32_t at = i;
	for (size_t steps = 0; node != NONE && steps <= m->paths->count; steps++) {
		m->nodes[node].objects++;
		m->nodes[node].bytes += bytes;
		uint32_t up = m->paths->parent[at];
		if (up == at || up == NONE) {
			uint32_t ref = up == at ? m->paths->root[at]
				       : objects[at].generation != RS_GENERATION_UNTRACKED && rs_garbage_contains(garbage, at)
					       ? GARBAGE : NONE - 2;
			uint32_t top = node_get(m, node, NONE, label_intern(m, ""), ref);
			if (top != NONE) {
				m->nodes[top].objects++;
				m->nodes[top].bytes += bytes;
			}
			return;
		}
		node = node_get(m, node, objects[up].type, via_of(m, up, at), NONE);
		at = up;
	}
}

static json_object *root_doc(struct merge *m, uint32_t ref)
{
	json_object *root = json_object_new_object();
	char name[512];
	const char *kind;
	if (ref == GARBAGE) {
		kind = "garbage";
		snprintf(name, sizeof(name), "unreachable: gc.collect() would free it");
	} else if (ref == NONE) {
		kind = "external";
		snprintf(name, sizeof(name), "references no root explains (C code, the C stack)");
	} else if (ref == NONE - 2) {
		kind = "unreached";
		snprintf(name, sizeof(name), "nothing refscope sees reaches it");
	} else {
		const struct rs_root_ref *r = &m->paths->roots.refs[ref];
		rs_root_name(m->ctx->target, &m->paths->roots, r, name, sizeof(name));
		kind = rs_root_kind_name(r->kind);
	}
	json_object_object_add(root, "kind", json_object_new_string(kind));
	json_object_object_add(root, "name", json_object_new_string(name));
	return root;
}

static int node_cmp_bytes(const void *a, const void *b, void *arg)
{
	const struct node *nodes = arg;
	const struct node *x = &nodes[*(const uint32_t *)a], *y = &nodes[*(const uint32_t *)b];
	if (x->objects != y->objects)
		return x->objects < y->objects ? 1 : -1;
	return (x->bytes < y->bytes) - (x->bytes > y->bytes);
}

/* Children lists in CSR form, largest first, and the tree as JSON,
 * iteratively (chains are as long as the paths). */
static json_object *tree_doc(struct merge *m)
{
	size_t n = m->n_nodes;
	uint32_t *start = calloc(n + 2, sizeof(*start)), *child = malloc((n + 1) * sizeof(*child));
	json_object **docs = calloc(n + 1, sizeof(*docs));
	json_object *tops = json_object_new_array();
	if (!start || !child || !docs) {
		free(start);
		free(child);
		free(docs);
		m->nomem = true;
		return tops;
	}
	for (size_t i = 0; i < n; i++)
		if (m->nodes[i].parent != NONE)
			start[m->nodes[i].parent + 2]++;
	for (size_t i = 0; i < n; i++)
		start[i + 2] += start[i + 1];
	for (uint32_t i = 0; i < n; i++)
		if (m->nodes[i].parent != NONE)
			child[start[m->nodes[i].parent + 1]++] = i;
	for (size_t i = 0; i < n; i++)
		qsort_r(child + start[i], start[i + 1] - start[i], sizeof(*child), node_cmp_bytes, m->nodes);
	/* Nodes are created holder after held: a node's index is above its
	 * parent's, so building from the last makes every child before its parent. */
	for (size_t k = n; k-- > 0;) {
		const struct node *nd = &m->nodes[k];
		json_object *doc = json_object_new_object();
		if (nd->type != NONE) {
			json_object_object_add(doc, "type", json_object_new_string(rs_heap_type(m->ctx->heap, nd->type)->name));
			json_object_object_add(doc, "via", nd->parent == NONE ? NULL : json_object_new_string(m->labels + nd->via));
		} else {
			json_object_object_add(doc, "root", root_doc(m, nd->root_ref));
		}
		json_object_object_add(doc, "objects", json_object_new_int64((int64_t)nd->objects));
		json_object_object_add(doc, "bytes", json_object_new_int64((int64_t)nd->bytes));
		json_object *children = json_object_new_array();
		for (uint32_t c = start[k]; c < start[k + 1]; c++) {
			json_object_array_add(children, docs[child[c]]);
			docs[child[c]] = NULL;
		}
		json_object_object_add(doc, "children", children);
		docs[k] = doc;
	}
	uint32_t *tops_list = malloc((n + 1) * sizeof(*tops_list));
	size_t n_tops = 0;
	for (uint32_t i = 0; tops_list && i < n; i++)
		if (m->nodes[i].parent == NONE)
			tops_list[n_tops++] = i;
	if (tops_list)
		qsort_r(tops_list, n_tops, sizeof(*tops_list), node_cmp_bytes, m->nodes);
	for (size_t k = 0; tops_list && k < n_tops; k++) {
		json_object_array_add(tops, docs[tops_list[k]]);
		docs[tops_list[k]] = NULL;
	}
	for (size_t i = 0; i < n; i++)
		json_object_put(docs[i]);
	free(tops_list);
	free(start);
	free(child);
	free(docs);
	return tops;
}

static void merge_free(struct merge *m)
{
	free(m->nodes);
	free(m->labels);
	free(m->by_key.keys);
	free(m->by_key.values);
	free(m->by_edge.keys);
	free(m->by_edge.values);
	free(m->by_label.keys);
	free(m->by_label.values);
	free(m->by_holder.keys);
	free(m->by_holder.values);
	free(m->labeled);
}

rs_error *rs_retainers_tree(struct rs_command_context *ctx, const uint64_t *selected, size_t n_selected,
			    json_object **tree, uint64_t *objects_out, uint64_t *bytes_out)
{
	rs_error *err = rs_heap_graph_build(ctx->target, ctx->heap);
	if (err)
		return err;
	struct rs_paths paths;
	struct rs_garbage garbage;
	err = rs_heap_unreachable(ctx->target, ctx->heap, &garbage);
	if (!err && (err = rs_heap_shortest_paths(ctx->target, ctx->heap, &paths)))
		rs_garbage_free(&garbage);
	if (err)
		return err;
	struct merge m = {.ctx = ctx, .paths = &paths};
	m.labeled = calloc(paths.count / 8 + 1, 1);
	m.nomem = !m.labeled;
	if (!m.nomem)
		chains_count(&m, selected, n_selected, m.labeled); /* the bits are cleared again below */
	if (!m.nomem)
		memset(m.labeled, 0, paths.count / 8 + 1);
	uint64_t instances = 0, bytes = 0;
	for (uint32_t i = 0; i < paths.count && i < n_selected && !m.nomem; i++)
		if (rs_bit(selected, i)) {
			chain_add(&m, i, &garbage);
			instances++;
			bytes += rs_heap_objects(ctx->heap)[i].size;
		}
	*tree = m.nomem ? NULL : tree_doc(&m);
	bool nomem = m.nomem;
	merge_free(&m);
	rs_paths_free(&paths);
	rs_garbage_free(&garbage);
	if (nomem) {
		json_object_put(*tree);
		return rs_error_nomem();
	}
	*objects_out = instances;
	*bytes_out = bytes;
	return NULL;
}

static rs_error *retainers_build(struct rs_command_context *ctx, json_object **out)
{
	if (!ctx->opts.n_types)
		return rs_error_new(RS_ERR_UNSUPPORTED, "retainers needs --type NAME: the type whose instances to follow");
	rs_error *err = rs_heap_graph_build(ctx->target, ctx->heap);
	if (err)
		return err;
	bool *types = rs_types_named(ctx);
	size_t n = rs_heap_object_count(ctx->heap);
	uint64_t *selected = types ? calloc(n / 64 + 1, sizeof(*selected)) : NULL;
	if (!selected) {
		free(types);
		return rs_error_nomem();
	}
	const struct rs_object *objects = rs_heap_objects(ctx->heap);
	for (size_t i = 0; i < n; i++)
		if (types[objects[i].type])
			selected[i / 64] |= 1ull << (i % 64);
	free(types);
	json_object *tree = NULL;
	uint64_t instances = 0, bytes = 0;
	err = rs_retainers_tree(ctx, selected, n, &tree, &instances, &bytes);
	free(selected);
	if (err)
		return err;
	json_object *doc = json_object_new_object();
	json_object_object_add(doc, "objects", json_object_new_int64((int64_t)instances));
	json_object_object_add(doc, "bytes", json_object_new_int64((int64_t)bytes));
	json_object_object_add(doc, "retainers", tree);
	*out = doc;
	return NULL;
}

void rs_retainers_render_node(json_object *node, int depth, FILE *out)
{
	json_object *root, *children;
	char bytes[32];
	rs_format_bytes((uint64_t)rs_json_int(node, "bytes"), bytes, sizeof(bytes));
	if (json_object_object_get_ex(node, "root", &root))
		fprintf(out, "%*s<- %s: %s\n", 2 * depth, "", rs_json_str(root, "kind"), rs_json_str(root, "name"));
	else if (depth == 0)
		fprintf(out, "%" PRId64 " %s (%s)\n", rs_json_int(node, "objects"), rs_json_str(node, "type"), bytes);
	else
		fprintf(out, "%*s<- %s %s  (%" PRId64 " objects, %s)\n", 2 * depth, "", rs_json_str(node, "via"),
			rs_json_str(node, "type"), rs_json_int(node, "objects"), bytes);
	json_object_object_get_ex(node, "children", &children);
	if (depth >= TEXT_DEPTH_MAX) {
		if (json_object_array_length(children))
			fprintf(out, "%*s<- ... (--json shows the whole tree)\n", 2 * depth + 2, "");
		return;
	}
	size_t n = json_object_array_length(children);
	int64_t rest = 0;
	for (size_t i = 0; i < n; i++) {
		if (i < TEXT_BRANCHES_MAX)
			rs_retainers_render_node(json_object_array_get_idx(children, i), depth + 1, out);
		else
			rest += rs_json_int(json_object_array_get_idx(children, i), "objects");
	}
	if (n > TEXT_BRANCHES_MAX)
		fprintf(out, "%*s<- ... %zu more ways, %" PRId64 " objects (--json shows the whole tree)\n",
			2 * depth + 2, "", n - TEXT_BRANCHES_MAX, rest);
}

static void retainers_render(json_object *doc, const struct rs_command_options *opts, FILE *out)
{
	(void)opts;
	json_object *tops;
	json_object_object_get_ex(doc, "retainers", &tops);
	for (size_t i = 0; tops && i < json_object_array_length(tops); i++)
		rs_retainers_render_node(json_object_array_get_idx(tops, i), 0, out);
	if (!rs_json_int(doc, "objects"))
		fprintf(out, "no instances\n");
	rs_render_warnings(doc, out);
}

/* Node id, then its children, each with an edge from the retainer (the
 * child) to what it holds, labelled with the reference. */
static size_t dot_node(json_object *node, size_t id, size_t depth, FILE *out)
{
	json_object *root, *children;
	char bytes[32];
	rs_format_bytes((uint64_t)rs_json_int(node, "bytes"), bytes, sizeof(bytes));
	if (json_object_object_get_ex(node, "root", &root)) {
		fprintf(out, "  n%zu [shape=ellipse, label=\"", id);
		rs_dot_escaped(out, rs_json_str(root, "kind"), 40);
		fputs("\\n", out);
		rs_dot_escaped(out, rs_json_str(root, "name"), 120);
	} else {
		fprintf(out, "  n%zu [label=\"", id);
		rs_dot_escaped(out, rs_json_str(node, "type"), 60);
	}
	fprintf(out, "\\n%" PRId64 " objects, %s\"];\n", rs_json_int(node, "objects"), bytes);
	size_t next = id + 1;
	json_object_object_get_ex(node, "children", &children);
	for (size_t i = 0; depth < DOT_DEPTH_MAX && children && i < json_object_array_length(children); i++) {
		json_object *child = json_object_array_get_idx(children, i), *via;
		fprintf(out, "  n%zu -> n%zu [label=\"", next, id);
		if (json_object_object_get_ex(child, "via", &via) && via)
			rs_dot_escaped(out, json_object_get_string(via), 60);
		fputs("\"];\n", out);
		next = dot_node(child, next, depth + 1, out);
	}
	return next;
}

static void retainers_dot(struct rs_command_context *ctx, json_object *doc, FILE *out)
{
	(void)ctx;
	json_object *tops;
	fputs("digraph retainers {\n  rankdir=RL;\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n"
	      "  edge [fontname=\"monospace\", fontsize=9];\n", out);
	size_t id = 0;
	json_object_object_get_ex(doc, "retainers", &tops);
	for (size_t i = 0; tops && i < json_object_array_length(tops); i++)
		id = dot_node(json_object_array_get_idx(tops, i), id, 0, out);
	fputs("}\n", out);
}

const struct rs_command rs_command_retainers = {
	.name = "retainers",
	.summary = "--type NAME: the shortest paths from the roots to every instance, merged into one tree",
	.needs_heap = true,
	.build = retainers_build,
	.render = retainers_render,
	.dot = retainers_dot,
};
