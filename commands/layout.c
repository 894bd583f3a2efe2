/* layout: every offset refscope uses for this interpreter, and where it came from. */
#include <inttypes.h>
#include <stdio.h>

#include "render.h"

static rs_error *layout_build(struct rs_command_context *ctx, json_object **out)
{
	json_object *doc = json_object_new_object(), *fields = json_object_new_object();
	for (size_t i = 0; i < rs_layout_field_count(); i++) {
		int64_t value = rs_target_layout_field(ctx->target, i);
		json_object_object_add(fields, rs_layout_field_name(i), value >= 0 ? json_object_new_int64(value) : NULL);
	}
	json_object_object_add(doc, "fields", fields);
	*out = doc;
	return NULL;
}

static void layout_render(json_object *doc, const struct rs_command_options *opts, FILE *out)
{
	(void)opts;
	json_object *py, *fields;
	json_object_object_get_ex(doc, "python", &py);
	json_object_object_get_ex(doc, "fields", &fields);
	fprintf(out, "Python %s, layout from %s\n", rs_json_str(py, "version"), rs_json_str(doc, "layout"));
	json_object_object_foreach(fields, name, value)
	{
		if (value)
			fprintf(out, "  %-28s %" PRId64 "\n", name, json_object_get_int64(value));
		else
			fprintf(out, "  %-28s -\n", name);
	}
	rs_render_warnings(doc, out);
}

const struct rs_command rs_command_layout = {
	"layout", "the byte offsets used for this interpreter and their source", false, layout_build, layout_render,
};
