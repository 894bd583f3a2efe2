/* export --format heapsnapshot TARGET FILE: the whole graph as a V8 heap
 * snapshot, which Chrome DevTools' Memory panel (Load profile) and the
 * tools built on its code open: summary, containment, retainers, dominators.
 *
 * Node 0 is a synthetic root; its edges go to synthetic group nodes, which
 * hold the named roots by name, what C code holds (unexplained reference
 * counts), the immortal objects, and the garbage: the same virtual root and
 * garbage pseudo-root refscope's dominator tree starts from, so DevTools'
 * dominators and retained sizes are refscope's. A reference between the
 * garbage and the live heap is a weak edge (gc frees the garbage whatever
 * it refers to), which DevTools leaves out of dominators as refscope does.
 *
 * Node ids are refscope's object numbers, 2 * index + 1, below 2^32 as the
 * loaders need; `refscope show TARGET @ID` names the object of node @ID (of
 * an export of the same core: a live process changes between runs). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export.h"
#include "labelled_edges.h"
#include "string_table.h"

enum { NODE_OBJECT = 3, NODE_SYNTHETIC = 9 };
enum { EDGE_ELEMENT = 1, EDGE_PROPERTY = 2, EDGE_INTERNAL = 3, EDGE_HIDDEN = 4, EDGE_WEAK = 6 };
enum { G_MODULES, G_FRAMES, G_INTERPRETER, G_STATIC, G_EXTERNAL, G_IMMORTAL, G_GARBAGE, G_COUNT };
static const char *const group_names[G_COUNT] = {"(modules)", "(thread frames)", "(interpreter)", "(static)",
						 "(external)", "(immortal)", "(garbage)"};
#define FIRST_OBJECT_NODE (1 + G_COUNT)
#define NODE_FIELDS 7

struct snap_edge {
	uint32_t name_or_index;
	uint32_t to;   /* node ordinal */
	uint8_t type;
};

struct snapshot {
	struct rs_command_context *ctx;
	const struct rs_dominators *d;
	size_t n;                     /* objects */
	struct snap_edge *edges;
	size_t n_edges, edges_cap;
	uint32_t *edge_count;         /* per node */
	uint8_t *garbage_side;        /* per object: the dominator tree puts it under the garbage */
	struct rs_string_table strings;
	bool nomem;
};

static void edge_add(struct snapshot *s, uint32_t from, uint8_t type, uint32_t name_or_index, uint32_t to)
{
	if (s->nomem)
		return;
	if (s->n_edges == s->edges_cap) {
		size_t cap = s->edges_cap ? 2 * s->edges_cap : 1 << 16;
		struct snap_edge *edges = realloc(s->edges, cap * sizeof(*edges));
		if (!edges) {
			s->nomem = true;
			return;
		}
		s->edges = edges;
		s->edges_cap = cap;
	}
	s->edges[s->n_edges++] = (struct snap_edge){name_or_index, to, type};
	s->edge_count[from]++;
}

static uint32_t string_add(struct snapshot *s, const char *text)
{
	uint32_t id = rs_string_table_add(&s->strings, text);
	if (id == UINT32_MAX)
		s->nomem = true;
	return id == UINT32_MAX ? 0 : id;
}

/* Which objects hang under the garbage pseudo-root: the chain of immediate
 * dominators ends there. */
static bool sides_mark(struct snapshot *s)
{
	uint32_t *stack = malloc((s->n + 1) * sizeof(*stack));
	uint8_t *state = calloc(s->n + 1, 1); /* 0 unknown, 1 live, 2 garbage */
	s->garbage_side = state;
	if (!stack || !state) {
		free(stack);
		return false;
	}
	for (uint32_t i = 0; i < s->n; i++) {
		size_t top = 0;
		uint32_t v = i;
		while (v < s->n && !state[v]) {
			stack[top++] = v;
			v = s->d->idom[v];
			if (top > s->n)
				break;
		}
		uint8_t side = v < s->n ? state[v] : v == RS_DOMINATOR_GARBAGE ? 2 : 1;
		while (top)
			state[stack[--top]] = side;
	}
	for (uint32_t i = 0; i < s->n; i++)
		state[i] = state[i] == 2;
	free(stack);
	return true;
}

/* gc's verdict covers the tracked objects, which come first. */
static bool is_garbage(const struct rs_object *objects, const struct rs_garbage *garbage, uint32_t i)
{
	return objects[i].generation != RS_GENERATION_UNTRACKED && rs_garbage_contains(garbage, i);
}

static void count_reference(void *arg, uint32_t referent)
{
	((uint32_t *)arg)[referent]++;
}

rs_error *rs_export_roots_garbage(struct rs_command_context *ctx, struct rs_roots *roots, struct rs_garbage *garbage)
{
	rs_error *err = rs_heap_roots(ctx->target, ctx->heap, roots);
	if (err)
		return err;
	err = rs_heap_garbage(ctx->target, ctx->heap, garbage);
	if (err)
		rs_roots_free(roots);
	return err;
}

/* The root's edges to the groups, then each group's edges: the seeds of
 * refscope's dominator tree, by what holds them. */
static rs_error *groups_add(struct snapshot *s)
{
	struct rs_command_context *ctx = s->ctx;
	struct rs_roots roots;
	struct rs_garbage garbage;
	rs_error *err = rs_export_roots_garbage(ctx, &roots, &garbage);
	if (err)
		return err;
	uint32_t *in = calloc(s->n + 1, sizeof(*in));
	uint8_t *grouped = calloc(s->n + 1, 1);
	if (!in || !grouped) {
		free(in);
		free(grouped);
		rs_roots_free(&roots);
		rs_garbage_free(&garbage);
		return rs_error_nomem();
	}
	for (uint32_t g = 0; g < G_COUNT; g++)
		edge_add(s, 0, EDGE_ELEMENT, g, 1 + g);
	const struct rs_object *objects = rs_heap_objects(ctx->heap);
	for (uint32_t i = 0; i < s->n; i++) {
		size_t count;
		const uint32_t *referents = rs_heap_referents(ctx->heap, i, &count);
		for (size_t k = 0; k < count; k++)
			if (referents[k] < s->n)
				in[referents[k]]++;
		rs_heap_hidden_references(ctx->target, ctx->heap, i, count_reference, in);
	}
	/* Each node's edges must be contiguous and in node order: one pass per
	 * group. */
	static const uint8_t group_of_kind[] = {G_MODULES, G_FRAMES, G_FRAMES, G_INTERPRETER, G_STATIC, G_EXTERNAL};
	enum { BY_ROOT = 1, EXTERNAL = 2, IMMORTAL = 4, GARBAGE = 8 };
	for (uint32_t i = 0; i < s->n; i++) {
		int64_t from_roots = i < roots.counts_capacity ? roots.counts[i] : 0;
		if (is_garbage(objects, &garbage, i))
			grouped[i] = GARBAGE;
		else if (objects[i].flags & RS_IMMORTAL)
			grouped[i] = IMMORTAL;
		else if (objects[i].refcnt - (int64_t)in[i] - from_roots > 0)
			grouped[i] = EXTERNAL;
	}
	for (uint8_t g = G_MODULES; g < G_EXTERNAL; g++)
		for (size_t r = 0; r < roots.n_refs; r++) {
			const struct rs_root_ref *ref = &roots.refs[r];
			if (ref->kind >= RS_ROOT_EXTERNAL || group_of_kind[ref->kind] != g || ref->object >= s->n ||
			    grouped[ref->object] == GARBAGE)
				continue;
			char name[256];
			rs_root_name(ctx->target, &roots, ref, name, sizeof(name));
			edge_add(s, 1 + g, EDGE_PROPERTY, string_add(s, name), FIRST_OBJECT_NODE + ref->object);
			grouped[ref->object] |= BY_ROOT;
		}
	uint32_t unexplained = string_add(s, "references no root explains");
	uint32_t elsewhere = string_add(s, "held by references refscope does not count");
	for (uint32_t i = 0; i < s->n; i++) {
		/* What the dominator tree hangs under the root without a seed
		 * holding it (gc keeps it, nothing refscope counts does). */
		if (grouped[i] & EXTERNAL)
			edge_add(s, 1 + G_EXTERNAL, EDGE_INTERNAL, unexplained, FIRST_OBJECT_NODE + i);
		else if (!grouped[i] && s->d->idom[i] == RS_DOMINATOR_ROOT)
			edge_add(s, 1 + G_EXTERNAL, EDGE_INTERNAL, elsewhere, FIRST_OBJECT_NODE + i);
	}
	uint32_t immortal = string_add(s, "immortal");
	for (uint32_t i = 0; i < s->n; i++)
		if (grouped[i] & IMMORTAL)
			edge_add(s, 1 + G_IMMORTAL, EDGE_INTERNAL, immortal, FIRST_OBJECT_NODE + i);
	uint32_t unreachable = string_add(s, "unreachable: gc.collect() would free it");
	for (uint32_t i = 0; i < s->n; i++)
		if (grouped[i] == GARBAGE)
			edge_add(s, 1 + G_GARBAGE, EDGE_INTERNAL, unreachable, FIRST_OBJECT_NODE + i);
	free(in);
	free(grouped);
	rs_roots_free(&roots);
	rs_garbage_free(&garbage);
	return s->nomem ? rs_error_nomem() : NULL;
}

static uint8_t edge_type_of(const char *via, uint32_t *index)
{
	char *end;
	if (via[0] == '[' && via[1] >= '0' && via[1] <= '9') {
		unsigned long i = strtoul(via + 1, &end, 10);
		if (end[0] == ']' && end[1] == '\0' && i < UINT32_MAX) {
			*index = (uint32_t)i;
			return EDGE_ELEMENT;
		}
	}
	return via[0] == '[' || via[0] == '.' ? EDGE_PROPERTY : EDGE_INTERNAL;
}

struct object_edges {
	struct snapshot *s;
	uint32_t from, k;
	uint32_t unlabelled, hidden;
};

/* One reference: an item is an element edge, a key or attribute a property,
 * anything else (and a reference found conservatively) internal; one that
 * refs could not label, or a hidden one, a hidden edge; one between the
 * garbage and the live heap weak (named by a string, as weak edges are). */
static void object_edge(void *arg, uint32_t to, const char *via, bool conservative, bool hidden)
{
	struct object_edges *e = arg;
	struct snapshot *s = e->s;
	uint32_t k = e->k++, index = k;
	uint8_t type = via ? (conservative ? EDGE_INTERNAL : edge_type_of(via, &index)) : EDGE_HIDDEN;
	uint32_t name = via ? string_add(s, via) : hidden ? e->hidden : e->unlabelled;
	if (s->garbage_side[e->from] != s->garbage_side[to])
		type = EDGE_WEAK;
	edge_add(s, FIRST_OBJECT_NODE + e->from, type, type == EDGE_ELEMENT || type == EDGE_HIDDEN ? index : name,
		 FIRST_OBJECT_NODE + to);
}

static rs_error *object_edges_add(struct snapshot *s)
{
	struct rs_edge_labels scratch = {0};
	struct object_edges e = {s, 0, 0, string_add(s, "(reference)"), string_add(s, "(hidden)")};
	for (uint32_t i = 0; i < s->n && !s->nomem; i++) {
		e.from = i;
		e.k = 0;
		rs_labelled_edges(s->ctx, &scratch, i, s->n, object_edge, &e);
	}
	rs_edge_labels_free(&scratch);
	return s->nomem ? rs_error_nomem() : NULL;
}

static void json_string_write(FILE *out, const char *text)
{
	json_object *o = json_object_new_string(text);
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_NOSLASHESCAPE), out);
	json_object_put(o);
}

static void meta_write(FILE *out, size_t nodes, size_t edges)
{
	fprintf(out, "{\"snapshot\":{\"meta\":{"
		"\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\",\"trace_node_id\",\"detachedness\"],"
		"\"node_types\":[[\"hidden\",\"array\",\"string\",\"object\",\"code\",\"closure\",\"regexp\",\"number\","
		"\"native\",\"synthetic\",\"concatenated string\",\"sliced string\",\"symbol\",\"bigint\",\"object shape\"],"
		"\"string\",\"number\",\"number\",\"number\",\"number\",\"number\"],"
		"\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
		"\"edge_types\":[[\"context\",\"element\",\"property\",\"internal\",\"hidden\",\"shortcut\",\"weak\"],"
		"\"string_or_number\",\"node\"],"
		"\"trace_function_info_fields\":[\"function_id\",\"name\",\"script_name\",\"script_id\",\"line\",\"column\"],"
		"\"trace_node_fields\":[\"id\",\"function_info_index\",\"count\",\"size\",\"children\"],"
		"\"sample_fields\":[\"timestamp_us\",\"last_assigned_id\"],"
		"\"location_fields\":[\"object_index\",\"script_id\",\"line\",\"column\"]},"
		"\"node_count\":%zu,\"edge_count\":%zu,\"trace_function_count\":0},\n", nodes, edges);
}

static void snapshot_write(struct snapshot *s, FILE *out)
{
	size_t nodes = FIRST_OBJECT_NODE + s->n;
	meta_write(out, nodes, s->n_edges);
	uint32_t root_name = string_add(s, "(root)");
	fprintf(out, "\"nodes\":[%d,%u,0,0,%u,0,0", NODE_SYNTHETIC, root_name, s->edge_count[0]);
	for (uint32_t g = 0; g < G_COUNT; g++)
		fprintf(out, ",\n%d,%u,%u,0,%u,0,0", NODE_SYNTHETIC, string_add(s, group_names[g]), 2 * (g + 1),
			s->edge_count[1 + g]);
	const struct rs_object *objects = rs_heap_objects(s->ctx->heap);
	size_t n_types = rs_heap_type_count(s->ctx->heap);
	uint32_t *type_names = malloc((n_types + 1) * sizeof(*type_names));
	for (size_t t = 0; type_names && t < n_types; t++)
		type_names[t] = string_add(s, rs_heap_type(s->ctx->heap, (uint32_t)t)->name);
	for (uint32_t i = 0; type_names && i < s->n; i++)
		fprintf(out, ",\n%d,%u,%" PRIu64 ",%u,%u,0,0", NODE_OBJECT, type_names[objects[i].type],
			rs_node_id(i), objects[i].size, s->edge_count[FIRST_OBJECT_NODE + i]);
	if (!type_names)
		s->nomem = true;
	free(type_names);
	fputs("],\n\"edges\":[", out);
	for (size_t e = 0; e < s->n_edges; e++)
		fprintf(out, "%s%u,%u,%" PRIu64, e ? ",\n" : "", s->edges[e].type, s->edges[e].name_or_index,
			(uint64_t)s->edges[e].to * NODE_FIELDS);
	fputs("],\n\"trace_function_infos\":[],\n\"trace_tree\":[],\n\"samples\":[],\n\"locations\":[],\n\"strings\":[", out);
	for (uint32_t k = 0; k < s->strings.count; k++) {
		if (k)
			fputs(",\n", out);
		json_string_write(out, rs_string_table_get(&s->strings, k));
	}
	fputs("]}\n", out);
}

/* A new empty file beside path, with the mode fopen would give it. */
static rs_error *temporary_create(const char *path, char **name, int *fd)
{
	size_t len = strlen(path) + 16;
	*name = malloc(len);
	if (!*name)
		return rs_error_nomem();
	snprintf(*name, len, "%s.tmp.XXXXXX", path);
	*fd = mkstemp(*name);
	mode_t mask = umask(0);
	umask(mask);
	if (*fd < 0 || fchmod(*fd, 0666 & ~mask) != 0) {
		rs_error *err = rs_error_os(errno, "cannot write %s", path);
		if (*fd >= 0) {
			close(*fd);
			unlink(*name);
		}
		free(*name);
		*name = NULL;
		return err;
	}
	return NULL;
}

static rs_error *heapsnapshot_write(struct snapshot *s, int fd, const char *path)
{
	FILE *out = fdopen(fd, "w");
	if (!out) {
		close(fd);
		return rs_error_os(errno, "cannot write %s", path);
	}
	setvbuf(out, NULL, _IOFBF, 1 << 20);
	snapshot_write(s, out);
	int failed = ferror(out), saved = errno;
	if (fclose(out) != 0 && !failed) {
		failed = 1;
		saved = errno;
	}
	if (s->nomem)
		return rs_error_nomem();
	return failed ? rs_error_os(saved ? saved : EIO, "cannot write %s", path) : NULL;
}

static rs_error *heapsnapshot_export(struct rs_command_context *ctx, const struct rs_dominators *d, int fd,
				     const char *path, struct rs_export_counts *counts, uint32_t *strings)
{
	struct snapshot s = {.ctx = ctx, .d = d, .n = d->count};
	rs_error *err = NULL;
	s.edge_count = calloc(FIRST_OBJECT_NODE + s.n + 1, sizeof(*s.edge_count));
	if (!s.edge_count || !sides_mark(&s))
		err = rs_error_nomem();
	if (!err)
		err = groups_add(&s);
	if (!err)
		err = object_edges_add(&s);
	if (!err)
		err = heapsnapshot_write(&s, fd, path);
	else
		close(fd);
	counts->objects = s.n;
	counts->edges = s.n_edges;
	*strings = s.strings.count;
	free(s.edges);
	free(s.edge_count);
	free(s.garbage_side);
	rs_string_table_free(&s.strings);
	return err;
}

/* The file is written under a temporary name beside FILE and renamed once
 * whole: a failed export leaves nothing under FILE. */
static rs_error *export_build(struct rs_command_context *ctx, json_object **out)
{
	const char *format = ctx->opts.format;
	bool sqlite = format && strcmp(format, "sqlite") == 0;
	if (!format || (!sqlite && strcmp(format, "heapsnapshot") != 0))
		return rs_error_new(RS_ERR_USAGE, "export needs --format heapsnapshot or --format sqlite");
	if (!ctx->file)
		return rs_error_new(RS_ERR_USAGE, "export needs the FILE to write after the target");
	const struct rs_dominators *d;
	rs_error *err = rs_dominators_of_session(ctx, &d);
	char *temporary = NULL;
	int fd = -1;
	if (!err)
		err = temporary_create(ctx->file, &temporary, &fd);
	if (err)
		return err;
	struct rs_export_counts counts = {0, 0};
	uint32_t strings = 0;
	if (sqlite) {
		close(fd);
		err = rs_export_sqlite(ctx, d, temporary, &counts);
	} else {
		err = heapsnapshot_export(ctx, d, fd, ctx->file, &counts, &strings);
	}
	if (!err && rename(temporary, ctx->file) != 0)
		err = rs_error_os(errno, "cannot write %s", ctx->file);
	if (err)
		unlink(temporary);
	free(temporary);
	if (err)
		return err;
	json_object *doc = json_object_new_object();
	json_object_object_add(doc, "file", json_object_new_string(ctx->file));
	json_object_object_add(doc, "format", json_object_new_string(sqlite ? "sqlite" : "heapsnapshot"));
	json_object_object_add(doc, "objects", json_object_new_int64((int64_t)counts.objects));
	json_object_object_add(doc, "edges", json_object_new_int64((int64_t)counts.edges));
	if (!sqlite) {
		json_object_object_add(doc, "nodes", json_object_new_int64((int64_t)(FIRST_OBJECT_NODE + counts.objects)));
		json_object_object_add(doc, "strings", json_object_new_int64(strings));
	}
	*out = doc;
	return NULL;
}

static void export_render(json_object *doc, const struct rs_command_options *opts, FILE *out)
{
	(void)opts;
	bool sqlite = strcmp(rs_json_str(doc, "format"), "sqlite") == 0;
	fprintf(out, "%s: %" PRId64 " objects, %" PRId64 " references (%s)\n", rs_json_str(doc, "file"),
		rs_json_int(doc, "objects"), rs_json_int(doc, "edges"),
		sqlite ? "an SQLite database: tables types, objects, edges, roots"
		       : "a V8 heap snapshot: open it in Chrome DevTools, Memory, Load profile; node @ID is "
			 "`refscope show TARGET @ID`");
	rs_render_warnings(doc, out);
}

const struct rs_command rs_command_export = {
	.name = "export",
	.summary = "--format heapsnapshot|sqlite: write the graph to FILE (after the target), for Chrome "
		   "DevTools or SQL",
	.needs_heap = true,
	.needs_file = true,
	.build = export_build,
	.render = export_render,
};
