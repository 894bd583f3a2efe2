#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "lazy_array.h"

const struct rs_command *const rs_commands[] = {
	&rs_command_info, &rs_command_gc, &rs_command_summary, &rs_command_objects, &rs_command_show, &rs_command_refs, &rs_command_referrers, &rs_command_path,
	&rs_command_dominators, &rs_command_retainers, &rs_command_top, &rs_command_suspects, &rs_command_cycles, &rs_command_garbage, &rs_command_refcheck, &rs_command_audit, &rs_command_export, &rs_command_diff, &rs_command_layout, NULL,
};

size_t rs_rows_shown(const struct rs_command_options *opts, size_t n, size_t text_default, size_t dot_default)
{
	size_t shown = opts->top_given ? (size_t)opts->top : opts->json ? n : opts->dot ? dot_default : text_default;
	return shown < n ? shown : n;
}

const struct rs_command *rs_command_find(const char *name)
{
	for (size_t i = 0; rs_commands[i]; i++)
		if (strcmp(rs_commands[i]->name, name) == 0)
			return rs_commands[i];
	return NULL;
}

static void document_add_target(json_object *doc, struct rs_command_context *ctx)
{
	json_object *target = json_object_new_object();
	struct rs_python_info info;
	rs_target_python(ctx->target, &info);
	json_object_object_add(target, "kind", json_object_new_string(info.target_kind));
	json_object_object_add(target, "name", json_object_new_string(ctx->target_label));
	json_object_object_add(doc, "target", target);
	json_object_object_add(doc, "python", rs_doc_python(ctx->target));
	json_object_object_add(doc, "layout", json_object_new_string(rs_layout_source_name(info.layout)));
}

static void document_add_warnings(json_object *doc, const rs_target *target)
{
	json_object *warnings = json_object_new_array();
	for (size_t i = 0; i < rs_target_diagnostic_count(target); i++)
		json_object_array_add(warnings, json_object_new_string(rs_target_diagnostic(target, i)));
	json_object_object_add(doc, "warnings", warnings);
}

/* The addresses of the objects ADDRs given as @ID name. */
static rs_error *node_ids_resolve(struct rs_command_context *ctx, uint64_t **out)
{
	rs_error *err = rs_heap_graph_build(ctx->target, ctx->heap);
	if (err)
		return err;
	uint64_t *resolved = malloc(ctx->n_addresses * sizeof(*resolved));
	if (!resolved)
		return rs_error_nomem();
	size_t n = rs_heap_object_count(ctx->heap);
	for (size_t i = 0; i < ctx->n_addresses; i++) {
		uint64_t a = ctx->addresses[i], id = a & ~RS_ADDRESS_NODE_ID;
		resolved[i] = a;
		if (!(a & RS_ADDRESS_NODE_ID))
			continue;
		if (!(id & 1) || (id - 1) / 2 >= n) {
			free(resolved);
			return rs_error_new(RS_ERR_NOT_FOUND, "@%" PRIu64 " is no object's node in an export of this target "
					    "(object nodes have odd ids up to @%" PRIu64 ")", id, rs_node_id((uint32_t)(n - 1)));
		}
		resolved[i] = rs_heap_objects(ctx->heap)[(id - 1) / 2].address;
	}
	*out = resolved;
	return NULL;
}

rs_error *rs_command_run(const struct rs_command *cmd, struct rs_command_context *ctx, bool json, FILE *out)
{
	rs_error *err = NULL;
	if (ctx->opts.dot && !cmd->dot)
		return rs_error_new(RS_ERR_USAGE, "%s draws no picture: --dot is for cycles, garbage, path, dominators and retainers", cmd->name);
	if (cmd->needs_heap && !ctx->heap)
		err = rs_heap_walk(ctx->target, ctx->opts.progress, ctx->opts.progress_arg, &ctx->heap);
	uint64_t *resolved = NULL;
	if (!err && ctx->n_addresses && (ctx->addresses[0] & RS_ADDRESS_NODE_ID))
		err = node_ids_resolve(ctx, &resolved);
	for (size_t i = 1; !err && !resolved && i < ctx->n_addresses; i++)
		if (ctx->addresses[i] & RS_ADDRESS_NODE_ID)
			err = node_ids_resolve(ctx, &resolved);
	const uint64_t *given = ctx->addresses;
	if (resolved) {
		ctx->addresses = resolved;
		ctx->address = resolved[0];
	}
	/* A live target runs on as soon as its memory has been read. */
	rs_target_release(ctx->target);
	json_object *doc = NULL;
	ctx->opts.json = json;
	if (!err)
		err = cmd->build(ctx, &doc);
	if (resolved) {
		ctx->addresses = given;
		ctx->address = given[0];
		free(resolved);
	}
	if (err)
		return err;
	json_object *full = json_object_new_object();
	document_add_target(full, ctx);
	json_object_object_foreach(doc, key, value)
		json_object_object_add(full, key, json_object_get(value));
	json_object_put(doc);
	document_add_warnings(full, ctx->target);

	if (json) {
		/* Straight to out: the text of a large answer is as large as its graph. */
		int written = rs_lazy_text_write(json_object_to_json_string_ext(full, JSON_C_TO_STRING_PRETTY |
										   JSON_C_TO_STRING_NOSLASHESCAPE |
										   RS_LAZY_ROWS_AS_MARKERS),
						 out);
		json_object_put(full);
		if (written != 0)
			return rs_error_nomem();
		fputc('\n', out);
		return NULL;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (!mem) {
		json_object_put(full);
		return rs_error_nomem();
	}
	if (ctx->opts.dot && cmd->dot)
		cmd->dot(ctx, full, mem);
	else
		cmd->render(full, &ctx->opts, mem);
	fclose(mem);
	json_object_put(full);
	fwrite(text, 1, len, out);
	free(text);
	return NULL;
}
