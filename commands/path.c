/* path ADDR: a shortest chain of references from a named root to the object. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

struct step_label {
	uint64_t next;
	char via[256];
	bool found;
};

static void label_of_next(void *arg, uint64_t referent, const char *via, bool conservative)
{
	struct step_label *s = arg;
	if (s->found || referent != s->next)
		return;
	snprintf(s->via, sizeof(s->via), "%s%s", via, conservative ? "" : "");
	s->found = true;
}

static json_object *root_doc(struct rs_command_context *ctx, const struct rs_path *p, char *held_by, size_t size)
{
	json_object *root = json_object_new_object();
	char name[512] = "references no root explains (C code, the C stack)";
	const char *kind = "external";
	if (p->garbage) {
		kind = "garbage";
		snprintf(name, sizeof(name), "unreachable: gc.collect() would free it%s",
			 p->garbage_uncertain ? " if the references conservative scans found are real" : "");
		snprintf(held_by, size, "nothing alive");
	} else if (!p->external && p->root != UINT32_MAX) {
		const struct rs_root_ref *ref = &p->roots.refs[p->root];
		rs_root_name(ctx->target, &p->roots, ref, name, sizeof(name));
		kind = rs_root_kind_name(ref->kind);
		if (ref->kind == RS_ROOT_MODULE)
			snprintf(held_by, size, "sys.modules['%s']", name);
		else
			snprintf(held_by, size, "%s", name);
	} else {
		snprintf(held_by, size, "external");
	}
	json_object_object_add(root, "kind", json_object_new_string(kind));
	json_object_object_add(root, "name", json_object_new_string(name));
	return root;
}

rs_error *rs_doc_path_add(struct rs_command_context *ctx, uint32_t index, json_object *doc)
{
	struct rs_path p;
	rs_error *err = rs_heap_path(ctx->target, ctx->heap, index, &p);
	if (err)
		return err;
	char held_by[600];
	json_object *steps = json_object_new_array();
	json_object_object_add(doc, "root", root_doc(ctx, &p, held_by, sizeof(held_by)));
	const struct rs_object *objects = rs_heap_objects(ctx->heap);
	for (size_t i = 0; i < p.length; i++) {
		json_object *step = rs_doc_object_ref(ctx->heap, p.steps[i]);
		struct step_label label = {objects[p.steps[i]].address, "", false};
		if (i > 0)
			rs_error_free(rs_heap_references(ctx->target, ctx->heap, p.steps[i - 1], label_of_next, &label));
		json_object_object_add(step, "via", json_object_new_string(i == 0 ? held_by : label.found ? label.via : "?"));
		json_object_array_add(steps, step);
	}
	json_object_object_add(doc, "path", steps);
	rs_path_free(&p);
	return NULL;
}

static rs_error *path_build(struct rs_command_context *ctx, json_object **out)
{
	uint32_t index;
	rs_error *err = rs_command_object(ctx, &index);
	if (err)
		return err;
	json_object *doc = json_object_new_object();
	json_object_object_add(doc, "target", rs_doc_object_ref(ctx->heap, index));
	err = rs_doc_path_add(ctx, index, doc);
	if (err) {
		json_object_put(doc);
		return err;
	}
	*out = doc;
	return NULL;
}

static void path_render(json_object *doc, const struct rs_command_options *opts, FILE *out)
{
	(void)opts;
	json_object *target, *root, *steps;
	json_object_object_get_ex(doc, "target", &target);
	json_object_object_get_ex(doc, "root", &root);
	json_object_object_get_ex(doc, "path", &steps);
	size_t n = json_object_array_length(steps);
	if (strcmp(rs_json_str(root, "kind"), "garbage") == 0) {
		fprintf(out, "%s at %s is %s\n", rs_json_str(target, "type"), rs_json_str(target, "address"),
			rs_json_str(root, "name"));
		rs_render_warnings(doc, out);
		return;
	}
	fprintf(out, "%s at %s is reached in %zu step%s from %s %s\n", rs_json_str(target, "type"),
		rs_json_str(target, "address"), n, n == 1 ? "" : "s", rs_json_str(root, "kind"), rs_json_str(root, "name"));
	static const char *const headers[] = {"via", "address", "type"};
	struct rs_table *table = rs_table_new(3, headers, "lll");
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(steps, i);
		const char *cells[] = {rs_json_str(s, "via"), rs_json_str(s, "address"), rs_json_str(s, "type")};
		rs_table_row(table, cells);
	}
	rs_table_print(table, out, "  ");
	rs_table_free(table);
	rs_render_warnings(doc, out);
}

static void path_dot(struct rs_command_context *ctx, json_object *doc, FILE *out)
{
	(void)ctx;
	json_object *root, *steps;
	json_object_object_get_ex(doc, "root", &root);
	json_object_object_get_ex(doc, "path", &steps);
	fprintf(out, "digraph path {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n"
		     "  edge [fontname=\"monospace\", fontsize=9];\n  root [shape=ellipse, label=\"%s\"];\n",
		rs_json_str(root, "kind"));
	const char *previous = "root";
	char id[32];
	for (size_t i = 0; i < json_object_array_length(steps); i++) {
		json_object *s = json_object_array_get_idx(steps, i);
		snprintf(id, sizeof(id), "\"%s\"", rs_json_str(s, "address"));
		fprintf(out, "  %s [label=\"%s\\n%s\"];\n", id, rs_json_str(s, "type"), rs_json_str(s, "address"));
		fprintf(out, "  %s -> %s [label=\"", previous, id);
		rs_dot_escaped(out, rs_json_str(s, "via"), 200);
		fprintf(out, "\"];\n");
		previous = rs_json_str(s, "address");
		static char quoted[40];
		snprintf(quoted, sizeof(quoted), "\"%s\"", previous);
		previous = quoted;
	}
	fprintf(out, "}\n");
}

const struct rs_command rs_command_path = {
	.name = "path",
	.summary = "a shortest chain of references from a named root to the object at ADDR",
	.needs_heap = true,
	.needs_address = true,
	.build = path_build,
	.render = path_render,
	.dot = path_dot,
};
