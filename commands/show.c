/* show ADDR...: each object's type, refcount, size, generation, retained
 * size, immediate dominator and a short repr. */
#include <inttypes.h>
#include <stdio.h>

#include "render.h"

#define REPR_MAX 2048

static rs_error *object_doc(struct rs_command_context *ctx, uint32_t index, json_object **out)
{
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
	rs_error *err = rs_dominators_of_session(ctx, &d);
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

static rs_error *show_build(struct rs_command_context *ctx, json_object **out)
{
	if (ctx->n_addresses > 1)
		return rs_command_objects_each(ctx, object_doc, NULL, out);
	uint32_t index;
	rs_error *err = rs_command_object(ctx, &index);
	return err ? err : object_doc(ctx, index, out);
}

static void object_render(json_object *doc, FILE *out)
{
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
}

static void show_render(json_object *doc, const struct rs_command_options *opts, FILE *out)
{
	(void)opts;
	json_object *objects;
	if (!json_object_object_get_ex(doc, "objects", &objects)) {
		object_render(doc, out);
	} else {
		for (size_t i = 0; i < json_object_array_length(objects); i++) {
			json_object *object = json_object_array_get_idx(objects, i);
			if (rs_json_str(object, "type"))
				object_render(object, out);
			else
				fprintf(out, "%s: no object\n", rs_json_str(object, "address"));
		}
	}
	rs_render_warnings(doc, out);
}

const struct rs_command rs_command_show = {
	.name = "show",
	.summary = "each object at ADDR...: type, refcount, size, generation, retained size, dominator, repr",
	.needs_heap = true,
	.needs_address = true,
	.many_addresses = true,
	.build = show_build,
	.render = show_render,
};
