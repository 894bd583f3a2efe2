/* Graphviz DOT for groups of objects (cycles, garbage): one cluster per
 * group, nodes labelled with type and short repr, edges with their via. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

#define DOT_MEMBERS_MAX 300
#define DOT_REPR_MAX 48

void rs_dot_escaped(FILE *out, const char *text, size_t max)
{
	size_t n = 0;
	for (const char *c = text; *c && n < max; c++, n++) {
		if (*c == '"' || *c == '\\')
			fputc('\\', out);
		fputc(*c == '\n' ? ' ' : *c, out);
	}
	if (strlen(text) > max)
		fputs("...", out);
}

struct dot_edges {
	rs_target *target;
	rs_heap *heap;
	FILE *out;
	uint64_t source;
	const uint64_t *members; /* sorted addresses of the group */
	size_t n;
};

static int address_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void dot_edge(void *arg, uint64_t referent, const char *via, bool conservative)
{
	struct dot_edges *e = arg;
	if (!bsearch(&referent, e->members, e->n, sizeof(uint64_t), address_cmp))
		return;
	fprintf(e->out, "    \"0x%" PRIx64 "\" -> \"0x%" PRIx64 "\" [label=\"", e->source, referent);
	rs_dot_escaped(e->out, via, 60);
	fprintf(e->out, "\"%s];\n", conservative ? ", style=dashed" : "");
}

/* One cluster: the members of a group and the references between them. */
static void dot_group(struct rs_command_context *ctx, json_object *objects, size_t k, const char *title, FILE *out)
{
	size_t n = json_object_array_length(objects);
	if (n > DOT_MEMBERS_MAX)
		n = DOT_MEMBERS_MAX;
	uint64_t *members = calloc(n + 1, sizeof(*members));
	uint32_t *indices = calloc(n + 1, sizeof(*indices));
	if (!members || !indices) {
		free(members);
		free(indices);
		return;
	}
	fprintf(out, "  subgraph cluster_%zu {\n    label=\"", k);
	rs_dot_escaped(out, title, 200);
	fprintf(out, "\";\n");
	for (size_t i = 0; i < n; i++) {
		members[i] = strtoull(rs_json_str(json_object_array_get_idx(objects, i), "address"), NULL, 16);
		indices[i] = rs_heap_find(ctx->target, ctx->heap, members[i]);
		char repr[256];
		repr[0] = '\0';
		if (indices[i] != RS_NO_OBJECT)
			rs_heap_repr(ctx->target, ctx->heap, indices[i], repr, sizeof(repr));
		/* Instances: their attributes; the type and address are on the first line. */
		const char *shown = repr[0] == '<' && strstr(repr, "> {") ? strstr(repr, "> {") + 2 : repr;
		fprintf(out, "    \"0x%" PRIx64 "\" [label=\"", members[i]);
		rs_dot_escaped(out, rs_json_str(json_object_array_get_idx(objects, i), "type"), 60);
		fprintf(out, " 0x%" PRIx64 "\\n", members[i]);
		rs_dot_escaped(out, shown, DOT_REPR_MAX);
		fputs("\"];\n", out);
	}
	uint64_t *sorted = malloc((n + 1) * sizeof(*sorted));
	if (sorted) {
		memcpy(sorted, members, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), address_cmp);
		struct dot_edges e = {ctx->target, ctx->heap, out, 0, sorted, n};
		for (size_t i = 0; i < n; i++) {
			if (indices[i] == RS_NO_OBJECT)
				continue;
			e.source = members[i];
			rs_error_free(rs_heap_references(ctx->target, ctx->heap, indices[i], dot_edge, &e));
		}
	}
	if (json_object_array_length(objects) > n)
		fprintf(out, "    \"more_%zu\" [shape=plaintext, label=\"... %zu more objects\"];\n", k,
			json_object_array_length(objects) - n);
	fprintf(out, "  }\n");
	free(sorted);
	free(members);
	free(indices);
}

void rs_dot_groups(struct rs_command_context *ctx, json_object *doc, const char *key, const char *name, FILE *out)
{
	json_object *groups;
	json_object_object_get_ex(doc, key, &groups);
	fprintf(out, "digraph %s {\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n"
		     "  edge [fontname=\"monospace\", fontsize=9];\n", name);
	for (size_t k = 0; k < json_object_array_length(groups); k++) {
		json_object *g = json_object_array_get_idx(groups, k), *objects;
		json_object_object_get_ex(g, "objects", &objects);
		char title[256], types[160];
		rs_render_group_types(g, types, sizeof(types));
		snprintf(title, sizeof(title), "%s %zu: %" PRId64 " objects%s - %s", name, k + 1, rs_json_int(g, "size"),
			 json_object_object_get_ex(g, "reachable", NULL) && !rs_json_bool(g, "reachable") ? " (garbage)" : "",
			 types);
		dot_group(ctx, objects, k, title, out);
	}
	fprintf(out, "}\n");
}
