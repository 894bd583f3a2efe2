/* info: the interpreter's version and layout source, interpreters, threads, gc summary. */
#include <inttypes.h>
#include <stdio.h>

#include "render.h"

static json_object *thread_doc(const struct rs_thread *t)
{
	char addr[19];
	json_object *o = json_object_new_object();
	json_object_object_add(o, "address", json_object_new_string(rs_format_address(t->address, addr)));
	json_object_object_add(o, "thread_id", json_object_new_int64((int64_t)t->thread_id));
	json_object_object_add(o, "native_thread_id",
			       t->native_thread_id >= 0 ? json_object_new_int64(t->native_thread_id) : NULL);
	return o;
}

static json_object *interpreter_doc(const struct rs_interpreter *it)
{
	char addr[19];
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(it->id));
	json_object_object_add(o, "address", json_object_new_string(rs_format_address(it->address, addr)));
	json_object_object_add(o, "threads", json_object_new_int64((int64_t)it->n_threads));
	json_object *threads = json_object_new_array();
	for (size_t t = 0; t < it->n_threads; t++)
		json_object_array_add(threads, thread_doc(&it->threads[t]));
	json_object_object_add(o, "thread_list", threads);
	json_object *gc = rs_doc_interpreter_gc(it);
	json_object_object_add(o, "gc", gc);
	return o;
}

static rs_error *info_build(struct rs_command_context *ctx, json_object **out)
{
	json_object *doc = json_object_new_object();
	json_object *interps = json_object_new_array();
	for (size_t i = 0; i < rs_heap_interpreter_count(ctx->heap); i++)
		json_object_array_add(interps, interpreter_doc(rs_heap_interpreter(ctx->heap, i)));
	json_object_object_add(doc, "interpreters", interps);
	*out = doc;
	return NULL;
}

static void python_render(json_object *doc, FILE *out)
{
	json_object *py, *target;
	json_object_object_get_ex(doc, "python", &py);
	json_object_object_get_ex(doc, "target", &target);
	fprintf(out, "Python %s (from %s), %s gc, layout from %s\n", rs_json_str(py, "version"),
		rs_json_str(py, "version_source"), rs_json_str(py, "gc_kind"), rs_json_str(doc, "layout"));
	fprintf(out, "  target   %s %s\n", rs_json_str(target, "kind"), rs_json_str(target, "name"));
	fprintf(out, "  module   %s (debug info: %s)\n", rs_json_str(py, "module"),
		rs_json_bool(py, "debuginfo") ? "yes" : "no");
	fprintf(out, "  runtime  %s (found by %s)\n", rs_json_str(py, "runtime"),
		rs_json_str(py, "runtime_found_by"));
}

static void threads_render(json_object *it, FILE *out)
{
	static const char *const headers[] = {"thread_id", "native_id", "thread state"};
	struct rs_table *table = rs_table_new(3, headers, "rrl");
	json_object *threads;
	json_object_object_get_ex(it, "thread_list", &threads);
	for (size_t t = 0; t < json_object_array_length(threads); t++) {
		json_object *th = json_object_array_get_idx(threads, t);
		char tid[24], native[24] = "-";
		snprintf(tid, sizeof(tid), "%" PRIu64, (uint64_t)rs_json_int(th, "thread_id"));
		json_object *n;
		if (json_object_object_get_ex(th, "native_thread_id", &n) && n)
			snprintf(native, sizeof(native), "%" PRId64, json_object_get_int64(n));
		const char *row[] = {tid, native, rs_json_str(th, "address")};
		rs_table_row(table, row);
	}
	rs_table_print(table, out, "    ");
	rs_table_free(table);
}

static void info_render(json_object *doc, const struct rs_command_options *opts, FILE *out)
{
	(void)opts;
	python_render(doc, out);
	json_object *interps;
	json_object_object_get_ex(doc, "interpreters", &interps);
	for (size_t i = 0; i < json_object_array_length(interps); i++) {
		json_object *it = json_object_array_get_idx(interps, i), *gc;
		json_object_object_get_ex(it, "gc", &gc);
		char bytes[32];
		rs_format_bytes((uint64_t)rs_json_int(gc, "bytes"), bytes, sizeof(bytes));
		fprintf(out, "\ninterpreter %" PRId64 " at %s: %" PRId64 " thread%s, %" PRId64
			" gc-tracked objects (%s), gc %s%s\n", rs_json_int(it, "id"), rs_json_str(it, "address"),
			rs_json_int(it, "threads"), rs_json_int(it, "threads") == 1 ? "" : "s",
			rs_json_int(gc, "objects"), bytes, rs_json_bool(gc, "enabled") ? "enabled" : "DISABLED",
			rs_json_bool(gc, "collecting") ? ", collecting" : "");
		if (rs_json_int(it, "threads") > 0)
			threads_render(it, out);
		rs_render_gc_table(gc, out, "    ");
	}
	rs_render_warnings(doc, out);
}

const struct rs_command rs_command_info = {
	.name = "info",
	.summary = "Python version, layout source, interpreters, threads, gc summary",
	.needs_heap = true,
	.needs_address = false,
	.build = info_build,
	.render = info_render,
};
