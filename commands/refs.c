/* refs ADDR: what the object refers to, exactly as its tp_traverse visits it. */
#include <inttypes.h>
#include <stdio.h>

#include "render.h"
#include "target.h"

struct collected {
	rs_target *target;
	rs_heap *heap;
	json_object *rows;
};

static void reference_row(void *arg, uint64_t referent, const char *via, bool conservative)
{
	struct collected *c = arg;
	uint32_t index = rs_heap_find(c->target, c->heap, referent);
	json_object *row;
	if (index != RS_NO_OBJECT) {
		row = rs_doc_object_ref(c->heap, index);
	} else {
		char addr[19];
		row = json_object_new_object();
		json_object_object_add(row, "address", json_object_new_string(rs_format_address(referent, addr)));
		json_object_object_add(row, "type", NULL);
	}
	rs_doc_reference_add(c->rows, row, via, conservative);
}

/* {address, type, referents[]} of the object at index. */
static rs_error *object_refs(struct rs_command_context *ctx, uint32_t index, json_object **out)
{
	struct collected c = {ctx->target, ctx->heap, json_object_new_array()};
	rs_error *err = rs_command_references_cut(ctx, index,
						  rs_heap_references(ctx->target, ctx->heap, index, reference_row, &c));
	if (err) {
		json_object_put(c.rows);
		return err;
	}
	*out = rs_doc_object_ref(ctx->heap, index);
	json_object_object_add(*out, "referents", c.rows);
	return NULL;
}

static rs_error *refs_build(struct rs_command_context *ctx, json_object **out)
{
	if (ctx->n_addresses > 1)
		return rs_command_objects_each(ctx, object_refs, "referents", out);
	uint32_t index;
	rs_error *err = rs_command_object(ctx, &index);
	return err ? err : object_refs(ctx, index, out);
}

rs_error *rs_command_references_cut(struct rs_command_context *ctx, uint32_t index, rs_error *err)
{
	if (!err || (rs_error_kind(err) != RS_ERR_FAULT && rs_error_kind(err) != RS_ERR_CORRUPT))
		return err;
	/* The graph build warned already about the objects it traversed. */
	if (index >= rs_heap_reached_count(ctx->heap)) {
		const struct rs_object *o = &rs_heap_objects(ctx->heap)[index];
		rs_diag_add(&ctx->target->diag, "object at 0x%" PRIx64 " (%s): references cut short: %s", (uint64_t)o->address,
			    rs_heap_type(ctx->heap, o->type)->name, rs_error_message(err));
	}
	rs_error_free(err);
	return NULL;
}

/* One "address type via" table, shared with referrers. */
void rs_render_references(json_object *doc, const char *key, const char *what, FILE *out)
{
	json_object *rows;
	json_object_object_get_ex(doc, key, &rows);
	size_t n = json_object_array_length(rows);
	fprintf(out, "%s at %s: %zu %s\n", rs_json_str(doc, "type"), rs_json_str(doc, "address"), n, what);
	static const char *const headers[] = {"via", "address", "type"};
	struct rs_table *table = rs_table_new(3, headers, "lll");
	for (size_t i = 0; i < n; i++) {
		json_object *row = json_object_array_get_idx(rows, i);
		const char *type = rs_json_str(row, "type");
		const char *cells[] = {rs_json_str(row, "via"), rs_json_str(row, "address"), type && *type ? type : "?"};
		rs_table_row(table, cells);
	}
	if (n)
		rs_table_print(table, out, "  ");
	rs_table_free(table);
	rs_render_warnings(doc, out);
}

static void refs_render(json_object *doc, const struct rs_command_options *opts, FILE *out)
{
	(void)opts;
	json_object *objects;
	if (!json_object_object_get_ex(doc, "objects", &objects)) {
		rs_render_references(doc, "referents", "references", out);
		return;
	}
	for (size_t i = 0; i < json_object_array_length(objects); i++) {
		json_object *object = json_object_array_get_idx(objects, i), *rows;
		if (json_object_object_get_ex(object, "referents", &rows) && rows)
			rs_render_references(object, "referents", "references", out);
		else
			fprintf(out, "%s: no object\n", rs_json_str(object, "address"));
	}
	rs_render_warnings(doc, out);
}

const struct rs_command rs_command_refs = {
	.name = "refs",
	.summary = "what the object at ADDR refers to, with how (via)",
	.needs_heap = true,
	.needs_address = true,
	.many_addresses = true,
	.build = refs_build,
	.render = refs_render,
};
