/* gc: per interpreter, every generation's threshold, count, objects and bytes. */
#include <inttypes.h>
#include <stdio.h>

#include "render.h"

static json_object *interpreter_gc(const struct rs_interpreter *it)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(it->id));
	json_object *gc = rs_doc_interpreter_gc(it);
	json_object_object_foreach(gc, key, value)
		json_object_object_add(o, key, json_object_get(value));
	json_object_put(gc);
	return o;
}

static rs_error *gc_build(struct rs_command_context *ctx, json_object **out)
{
	json_object *doc = json_object_new_object();
	json_object *interps = json_object_new_array();
	for (size_t i = 0; i < rs_heap_interpreter_count(ctx->heap); i++)
		json_object_array_add(interps, interpreter_gc(rs_heap_interpreter(ctx->heap, i)));
	json_object_object_add(doc, "interpreters", interps);
	*out = doc;
	return NULL;
}

static void generation_row(struct rs_table *table, const char *name, json_object *g, bool counters)
{
	char threshold[24] = "", count[24] = "", objects[24], bytes[32];
	if (counters) {
		snprintf(threshold, sizeof(threshold), "%" PRId64, rs_json_int(g, "threshold"));
		snprintf(count, sizeof(count), "%" PRId64, rs_json_int(g, "count"));
	}
	snprintf(objects, sizeof(objects), "%" PRId64, rs_json_int(g, "objects"));
	rs_format_bytes((uint64_t)rs_json_int(g, "bytes"), bytes, sizeof(bytes));
	const char *row[] = {name, threshold, count, objects, bytes, rs_json_bool(g, "broken") ? "BROKEN (see warnings)" : ""};
	rs_table_row(table, row);
}

/* Prints one interpreter's generations; shared with info. */
void rs_render_gc_table(json_object *interp, FILE *out, const char *indent)
{
	static const char *const headers[] = {"generation", "threshold", "count", "objects", "bytes", ""};
	struct rs_table *table = rs_table_new(6, headers, "lrrrrl");
	json_object *gens, *perm;
	if (json_object_object_get_ex(interp, "generations", &gens))
		for (size_t g = 0; g < json_object_array_length(gens); g++) {
			json_object *gen = json_object_array_get_idx(gens, g);
			generation_row(table, rs_json_str(gen, "name"), gen, true);
		}
	if (json_object_object_get_ex(interp, "permanent", &perm))
		generation_row(table, "permanent", perm, false);
	rs_table_print(table, out, indent);
	rs_table_free(table);
}

void rs_render_warnings(json_object *doc, FILE *out)
{
	json_object *warnings;
	if (!json_object_object_get_ex(doc, "warnings", &warnings) || json_object_array_length(warnings) == 0)
		return;
	fprintf(out, "\nwarnings:\n");
	for (size_t i = 0; i < json_object_array_length(warnings); i++)
		fprintf(out, "  %s\n", json_object_get_string(json_object_array_get_idx(warnings, i)));
}

static void gc_render(json_object *doc, const struct rs_command_options *opts, FILE *out)
{
	(void)opts;
	json_object *interps;
	json_object_object_get_ex(doc, "interpreters", &interps);
	for (size_t i = 0; i < json_object_array_length(interps); i++) {
		json_object *it = json_object_array_get_idx(interps, i);
		fprintf(out, "%sinterpreter %" PRId64 ": gc %s%s\n", i ? "\n" : "", rs_json_int(it, "id"),
			rs_json_bool(it, "enabled") ? "enabled" : "DISABLED",
			rs_json_bool(it, "collecting") ? ", a collection is running (lists may be incomplete)" : "");
		rs_render_gc_table(it, out, "  ");
	}
	rs_render_warnings(doc, out);
}

const struct rs_command rs_command_gc = {
	.name = "gc",
	.summary = "per interpreter, per generation: threshold, count, objects, bytes",
	.needs_heap = true,
	.needs_address = false,
	.build = gc_build,
	.render = gc_render,
};
