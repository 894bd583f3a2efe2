/* referrers ADDR: every object in the heap that refers to the object. */
#include <string.h>

#include "render.h"

struct matching {
	const rs_heap *heap;
	uint64_t target;
	uint32_t source;
	json_object *rows;
};

static void referrer_row(void *arg, uint64_t referent, const char *via, bool conservative)
{
	struct matching *m = arg;
	if (referent != m->target)
		return;
	rs_doc_reference_add(m->rows, rs_doc_object_ref(m->heap, m->source), via, conservative);
}

static rs_error *referrers_build(struct rs_command_context *ctx, json_object **out)
{
	uint32_t index;
	rs_error *err = rs_command_object(ctx, &index);
	if (err)
		return err;
	struct matching m = {ctx->heap, rs_heap_objects(ctx->heap)[index].address, 0, json_object_new_array()};
	size_t n = rs_heap_object_count(ctx->heap);
	for (uint32_t i = 0; i < n && !err; i++) {
		size_t count;
		const uint32_t *referents = rs_heap_referents(ctx->heap, i, &count);
		bool refers = false;
		for (size_t k = 0; k < count && !refers; k++)
			refers = referents[k] == index;
		if (!refers)
			continue;
		m.source = i;
		err = rs_command_references_cut(ctx, i, rs_heap_references(ctx->target, ctx->heap, i, referrer_row, &m));
	}
	if (err) {
		json_object_put(m.rows);
		return err;
	}
	json_object *doc = rs_doc_object_ref(ctx->heap, index);
	json_object_object_add(doc, "referrers", m.rows);
	*out = doc;
	return NULL;
}

static void referrers_render(json_object *doc, const struct rs_command_options *opts, FILE *out)
{
	(void)opts;
	rs_render_references(doc, "referrers", "referrers", out);
}

const struct rs_command rs_command_referrers = {
	.name = "referrers",
	.summary = "the objects that refer to the object at ADDR",
	.needs_heap = true,
	.needs_address = true,
	.build = referrers_build,
	.render = referrers_render,
};
