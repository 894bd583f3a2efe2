/* layout: every offset refscope uses for this interpreter, and where it came from. */
#include <inttypes.h>
#include <stdio.h>

#include "render.h"

static rs_error *layout_build(struct rs_command_context *ctx, json_object **out)
{
	json_object *doc = json_object_new_object(), *fields = json_object_new_object();
	json_object *sources = json_object_new_object();
	for (size_t i = 0; i < rs_layout_field_count(); i++) {
		int64_t value = rs_target_layout_field(ctx->target, i);
		const char *name = rs_layout_field_name(i);
		/* -1: absent; other negative offsets are 3.6's gc statics, which may lie before generations[] */
		json_object_object_add(fields, name, value != -1 ? json_object_new_int64(value) : NULL);
		json_object_object_add(sources, name, json_object_new_string(
			rs_layout_source_name(rs_target_layout_field_source(ctx->target, i))));
	}
	json_object_object_add(doc, "fields", fields);
	json_object_object_add(doc, "sources", sources);
	*out = doc;
	return NULL;
}

static void layout_render(json_object *doc, const struct rs_command_options *opts, FILE *out)
{
	(void)opts;
	json_object *py, *fields, *sources;
	json_object_object_get_ex(doc, "python", &py);
	json_object_object_get_ex(doc, "fields", &fields);
	json_object_object_get_ex(doc, "sources", &sources);
	fprintf(out, "Python %s, layout from %s\n", rs_json_str(py, "version"), rs_json_str(doc, "layout"));
	json_object_object_foreach(fields, name, value)
	{
		const char *source = rs_json_str(sources, name);
		if (value)
			fprintf(out, "  %-28s %8" PRId64 "  %s\n", name, json_object_get_int64(value), source);
		else
			fprintf(out, "  %-28s %8s  %s\n", name, "-", source);
	}
	rs_render_warnings(doc, out);
}

const struct rs_command rs_command_layout = {
	.name = "layout",
	.summary = "the byte offsets used for this interpreter and their source",
	.needs_heap = false,
	.needs_address = false,
	.build = layout_build,
	.render = layout_render,
};
