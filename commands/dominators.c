/* dominators ADDR: the chain of immediate dominators from the object up to
 * its root, each with its retained size: who alone keeps the object alive.
 * Also the dominator document show uses. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "target.h"

/* {kind, name} of what holds index from outside the heap: the named root
 * that holds it directly, C code, or more than one root. */
static json_object *root_of(struct rs_command_context *ctx, const struct rs_dominators *d, uint32_t index)
{
	json_object *root = json_object_new_object();
	const char *kind = "roots";
	char name[512] = "held by more than one root, no single object";
	if (d->idom[index] == RS_DOMINATOR_GARBAGE) {
		kind = "garbage";
		snprintf(name, sizeof(name), "unreachable: gc.collect() would free it");
	} else {
		struct rs_path p;
		rs_error *err = rs_heap_path(ctx->target, ctx->heap, index, &p);
		if (!err && p.length == 1 && !p.garbage) {
			if (p.external || p.root == UINT32_MAX) {
				kind = "external";
				snprintf(name, sizeof(name), "references no root explains (C code, the C stack)");
			} else {
				const struct rs_root_ref *ref = &p.roots.refs[p.root];
				rs_root_name(ctx->target, &p.roots, ref, name, sizeof(name));
				kind = rs_root_kind_name(ref->kind);
			}
		}
		if (!err)
			rs_path_free(&p);
		rs_error_free(err);
	}
	json_object_object_add(root, "kind", json_object_new_string(kind));
	json_object_object_add(root, "name", json_object_new_string(name));
	return root;
}

static rs_error *session_dominators(struct rs_command_context *ctx, struct rs_roots *roots,
				   const struct rs_dominators **out)
{
	struct rs_dominators *d = ctx->dominators;
	/* An object adopted since (an address asked for that the graph had not
	 * reached) needs the tree again. */
	if (d->idom && d->count != rs_heap_object_count(ctx->heap))
		rs_dominators_free(d);
	if (!d->idom) {
		rs_error *err = roots ? rs_heap_dominators_of_roots(ctx->target, ctx->heap, roots, d)
				      : rs_heap_dominators(ctx->target, ctx->heap, d);
		if (err)
			return err;
	}
	*out = d;
	return NULL;
}

rs_error *rs_dominators_of_session(struct rs_command_context *ctx, const struct rs_dominators **out)
{
	return session_dominators(ctx, NULL, out);
}

rs_error *rs_dominators_of_session_roots(struct rs_command_context *ctx, struct rs_roots *roots,
					 const struct rs_dominators **out)
{
	rs_error *err = session_dominators(ctx, roots, out);
	free(roots->counts); /* as the tree would have, had it been made here */
	roots->counts = NULL;
	roots->counts_capacity = 0;
	return err;
}

json_object *rs_doc_dominator(struct rs_command_context *ctx, const struct rs_dominators *d, uint32_t index)
{
	uint32_t up = d->idom[index];
	if (up == RS_NO_OBJECT)
		return NULL;
	if (up == RS_DOMINATOR_ROOT || up == RS_DOMINATOR_GARBAGE)
		return root_of(ctx, d, index);
	return rs_doc_object_ref(ctx->heap, up);
}

static json_object *chain_row(const rs_heap *heap, const struct rs_dominators *d, uint32_t index)
{
	json_object *row = rs_doc_object_ref(heap, index);
	json_object_object_add(row, "size", json_object_new_int64(rs_heap_objects(heap)[index].size));
	json_object_object_add(row, "retained", json_object_new_int64((int64_t)d->retained[index]));
	return row;
}

/* The root documents of chain tops already named: chains share their tops,
 * and naming one takes a path search. */
#define ROOT_CACHE 64
struct root_cache {
	uint32_t top[ROOT_CACHE];
	json_object *doc[ROOT_CACHE];
	size_t n;
};

static json_object *root_cached(struct rs_command_context *ctx, const struct rs_dominators *d, uint32_t top,
				struct root_cache *cache)
{
	for (size_t k = 0; k < cache->n; k++)
		if (cache->top[k] == top)
			return json_object_get(cache->doc[k]);
	json_object *root = root_of(ctx, d, top);
	if (d->idom[top] == RS_DOMINATOR_GARBAGE)
		json_object_object_add(root, "retained", json_object_new_int64((int64_t)d->garbage));
	if (cache->n < ROOT_CACHE) {
		cache->top[cache->n] = top;
		cache->doc[cache->n++] = json_object_get(root);
	}
	return root;
}

static void root_cache_free(struct root_cache *cache)
{
	for (size_t k = 0; k < cache->n; k++)
		json_object_put(cache->doc[k]);
}

/* {target, dominators[], root} of the object at index. */
static json_object *chain_doc(struct rs_command_context *ctx, const struct rs_dominators *d, uint32_t index,
			      struct root_cache *cache)
{
	json_object *doc = json_object_new_object(), *chain = json_object_new_array();
	json_object_object_add(doc, "target", chain_row(ctx->heap, d, index));
	uint32_t top = index;
	/* idom never loops; the bound only makes that plain. */
	for (size_t steps = 0; steps < d->count && d->idom[top] < d->count; steps++) {
		top = d->idom[top];
		json_object_array_add(chain, chain_row(ctx->heap, d, top));
	}
	json_object_object_add(doc, "dominators", chain);
	json_object *root = top >= d->count || d->idom[top] == RS_NO_OBJECT ? NULL : root_cached(ctx, d, top, cache);
	json_object_object_add(doc, "root", root);
	return doc;
}

/* One ADDR: its chain; several: objects[] holds one chain each, in the
 * order given (an address that is no object: a warning, a row of nulls). */
static rs_error *dominators_build(struct rs_command_context *ctx, json_object **out)
{
	rs_error *err = rs_heap_graph_build(ctx->target, ctx->heap);
	if (err)
		return err;
	uint32_t *index = calloc(ctx->n_addresses ? ctx->n_addresses : 1, sizeof(*index));
	if (!index)
		return rs_error_nomem();
	for (size_t i = 0; i < ctx->n_addresses; i++)
		index[i] = rs_heap_find(ctx->target, ctx->heap, ctx->addresses[i]);
	if (ctx->n_addresses == 1 && index[0] == RS_NO_OBJECT) {
		free(index);
		return rs_error_new(RS_ERR_NOT_FOUND, "0x%" PRIx64 " is not the address of an object in this heap",
				    ctx->address);
	}
	const struct rs_dominators *d;
	err = rs_dominators_of_session(ctx, &d);
	if (err) {
		free(index);
		return err;
	}
	struct root_cache cache = {.n = 0};
	if (ctx->n_addresses == 1) {
		*out = chain_doc(ctx, d, index[0], &cache);
	} else {
		json_object *objects = json_object_new_array();
		for (size_t i = 0; i < ctx->n_addresses; i++) {
			if (index[i] < d->count) {
				json_object_array_add(objects, chain_doc(ctx, d, index[i], &cache));
				continue;
			}
			char addr[19];
			rs_diag_add(&ctx->target->diag, "0x%" PRIx64 " is not the address of an object in this heap",
				    ctx->addresses[i]);
			json_object *row = json_object_new_object(), *target = json_object_new_object();
			json_object_object_add(target, "address",
					       json_object_new_string(rs_format_address(ctx->addresses[i], addr)));
			json_object_object_add(target, "type", NULL);
			json_object_object_add(row, "target", target);
			json_object_object_add(row, "dominators", NULL);
			json_object_object_add(row, "root", NULL);
			json_object_array_add(objects, row);
		}
		*out = json_object_new_object();
		json_object_object_add(*out, "objects", objects);
	}
	root_cache_free(&cache);
	free(index);
	return NULL;
}

static void row_print(json_object *row, const char *indent, FILE *out)
{
	char retained[32], size[32];
	rs_format_bytes((uint64_t)rs_json_int(row, "retained"), retained, sizeof(retained));
	rs_format_bytes((uint64_t)rs_json_int(row, "size"), size, sizeof(size));
	fprintf(out, "%s%s at %s: retains %s (itself %s)\n", indent, rs_json_str(row, "type"), rs_json_str(row, "address"),
		retained, size);
}

static void chain_render(json_object *doc, FILE *out)
{
	json_object *target, *chain, *root;
	json_object_object_get_ex(doc, "target", &target);
	json_object_object_get_ex(doc, "dominators", &chain);
	json_object_object_get_ex(doc, "root", &root);
	if (json_object_object_get_ex(target, "retained", NULL))
		row_print(target, "", out);
	size_t n = json_object_array_length(chain);
	if (n)
		fprintf(out, "kept alive by (each alone; nearest first):\n");
	for (size_t i = 0; i < n; i++)
		row_print(json_object_array_get_idx(chain, i), "  ", out);
	if (root)
		fprintf(out, "%s%s: %s\n", n ? "  " : "", rs_json_str(root, "kind"), rs_json_str(root, "name"));
	else
		fprintf(out, "nothing refscope sees reaches it\n");
}

static void dominators_render(json_object *doc, const struct rs_command_options *opts, FILE *out)
{
	(void)opts;
	json_object *objects;
	if (!json_object_object_get_ex(doc, "objects", &objects)) {
		chain_render(doc, out);
	} else {
		for (size_t i = 0; i < json_object_array_length(objects); i++) {
			json_object *one = json_object_array_get_idx(objects, i), *chain;
			if (json_object_object_get_ex(one, "dominators", &chain) && chain)
				chain_render(one, out);
		}
	}
	rs_render_warnings(doc, out);
}

static void dot_object_node(json_object *row, FILE *out)
{
	char retained[32];
	rs_format_bytes((uint64_t)rs_json_int(row, "retained"), retained, sizeof(retained));
	fprintf(out, "  \"%s\" [label=\"", rs_json_str(row, "address"));
	rs_dot_escaped(out, rs_json_str(row, "type"), 60);
	fprintf(out, "\\n%s\\nretains %s\"];\n", rs_json_str(row, "address"), retained);
}

static void dot_root_id(json_object *root, FILE *out)
{
	fputs("\"root ", out);
	rs_dot_escaped(out, rs_json_str(root, "kind"), 40);
	fputc(' ', out);
	rs_dot_escaped(out, rs_json_str(root, "name"), 120);
	fputc('"', out);
}

/* One chain, from its root down to the object: each node dominates the next. */
static void dot_chain(json_object *doc, FILE *out)
{
	json_object *target, *chain, *root;
	json_object_object_get_ex(doc, "target", &target);
	json_object_object_get_ex(doc, "dominators", &chain);
	json_object_object_get_ex(doc, "root", &root);
	if (!chain)
		return;
	size_t n = json_object_array_length(chain);
	dot_object_node(target, out);
	for (size_t i = 0; i < n; i++)
		dot_object_node(json_object_array_get_idx(chain, i), out);
	if (root) {
		fputs("  ", out);
		dot_root_id(root, out);
		fputs(" [shape=ellipse, label=\"", out);
		rs_dot_escaped(out, rs_json_str(root, "kind"), 40);
		fputs("\\n", out);
		rs_dot_escaped(out, rs_json_str(root, "name"), 120);
		fputs("\"];\n  ", out);
		dot_root_id(root, out);
		fprintf(out, " -> \"%s\";\n", rs_json_str(n ? json_object_array_get_idx(chain, n - 1) : target, "address"));
	}
	for (size_t i = n; i > 0; i--)
		fprintf(out, "  \"%s\" -> \"%s\";\n", rs_json_str(json_object_array_get_idx(chain, i - 1), "address"),
			rs_json_str(i > 1 ? json_object_array_get_idx(chain, i - 2) : target, "address"));
}

static void dominators_dot(struct rs_command_context *ctx, json_object *doc, FILE *out)
{
	(void)ctx;
	json_object *objects;
	fputs("digraph dominators {\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n", out);
	if (!json_object_object_get_ex(doc, "objects", &objects))
		dot_chain(doc, out);
	else
		for (size_t i = 0; i < json_object_array_length(objects); i++)
			dot_chain(json_object_array_get_idx(objects, i), out);
	fputs("}\n", out);
}

const struct rs_command rs_command_dominators = {
	.name = "dominators",
	.summary = "the objects that alone keep the object at ADDR alive, nearest first, with retained sizes",
	.needs_heap = true,
	.needs_address = true,
	.many_addresses = true,
	.build = dominators_build,
	.render = dominators_render,
	.dot = dominators_dot,
};
