/* show ADDR: one object: type, refcount, size, generation and a short repr. */
#include <inttypes.h>
#include <stdio.h>

#include "render.h"

#define REPR_MAX 2048

static rs_error *show_build(struct rs_command_context *ctx, json_object **out)
{
	uint32_t index;
	rs_error *err = rs_command_object(ctx, &index);
	if (err)
		return err;
	char repr[REPR_MAX];
	rs_heap_repr(ctx->target, ctx->heap, index, repr, sizeof(repr));
	const struct rs_object *o = &rs_heap_objects(ctx->heap)[index];
	json_object *doc = rs_doc_object_ref(ctx->heap, index);
	json_object_object_add(doc, "node_id", json_object_new_int64((int64_t)rs_node_id(index)));
	json_object_object_add(doc, "refcnt", json_object_new_int64(o->refcnt));
	json_object_object_add(doc, "immortal", json_object_new_boolean(o->flags & RS_IMMORTAL));
	json_object_object_add(doc, "size", json_object_new_int64(o->size));
	json_object_object_add(doc, "generation", rs_doc_generation_name(ctx->heap, o));
	json_object_object_add(doc, "repr", json_object_new_string(repr));
	const struct rs_dominators *d;
	err = rs_dominators_of_session(ctx, &d);
	if (err) {
		json_object_put(doc);
		return err;
	}
	bool covered = index < d->count;
	json_object_object_add(doc, "retained", covered ? json_object_new_int64((int64_t)d->retained[index]) : NULL);
	json_object_object_add(doc, "dominator", covered ? rs_doc_dominator(ctx, d, index) : NULL);
	*out = doc;
	return NULL;
}

static void show_render(json_object *doc, const struct rs_command_options *opts, FILE *out)
{
	(void)opts;
	json_object *gen;
	json_object_object_get_ex(doc, "generation", &gen);
	fprintf(out, "%s at %s\n", rs_json_str(doc, "type"), rs_json_str(doc, "address"));
	if (rs_json_bool(doc, "immortal"))
		fprintf(out, "  refcnt      immortal\n");
	else
		fprintf(out, "  refcnt      %" PRId64 "\n", rs_json_int(doc, "refcnt"));
	fprintf(out, "  size        %" PRId64 " bytes\n", rs_json_int(doc, "size"));
	fprintf(out, "  generation  %s\n", gen ? json_object_get_string(gen) : "untracked");
	char retained[32];
	rs_format_bytes((uint64_t)rs_json_int(doc, "retained"), retained, sizeof(retained));
	fprintf(out, "  retained    %s\n", retained);
	json_object *dom;
	if (json_object_object_get_ex(doc, "dominator", &dom) && dom) {
		if (json_object_object_get_ex(dom, "address", NULL))
			fprintf(out, "  dominator   %s at %s\n", rs_json_str(dom, "type"), rs_json_str(dom, "address"));
		else
			fprintf(out, "  dominator   %s: %s\n", rs_json_str(dom, "kind"), rs_json_str(dom, "name"));
	}
	fprintf(out, "  repr        %s\n", rs_json_str(doc, "repr"));
	rs_render_warnings(doc, out);
}

const struct rs_command rs_command_show = {
	.name = "show",
	.summary = "one object: type, refcount, size, generation and a short repr",
	.needs_heap = true,
	.needs_address = true,
	.build = show_build,
	.render = show_render,
};
