#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/error.h"

#include "render.h"
#include "target.h"

const char *rs_layout_source_name(enum rs_layout_source source)
{
	switch (source) {
	case RS_LAYOUT_DWARF:
		return "dwarf";
	case RS_LAYOUT_DEBUG_OFFSETS:
		return "debug_offsets";
	case RS_LAYOUT_BUILTIN:
		return "builtin";
	case RS_LAYOUT_SYMBOLS:
		return "symbols";
	default:
		return "any";
	}
}

char *rs_format_address(uint64_t address, char buf[19])
{
	snprintf(buf, 19, "0x%" PRIx64, address);
	return buf;
}

void rs_format_bytes(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double value = (double)bytes;
	int unit = 0;
	while (value >= 1024 && unit < 4) {
		value /= 1024;
		unit++;
	}
	if (unit == 0)
		snprintf(buf, size, "%" PRIu64 " B", bytes);
	else
		snprintf(buf, size, "%.1f %s", value, units[unit]);
}

static const char *release_level_name(unsigned level)
{
	switch (level) {
	case 0xA:
		return "a";
	case 0xB:
		return "b";
	case 0xC:
		return "rc";
	default:
		return "";
	}
}

json_object *rs_doc_python(const rs_target *target)
{
	struct rs_python_info info;
	rs_target_python(target, &info);
	char version[32], addr[19];
	if (info.release_level == 0xF)
		snprintf(version, sizeof(version), "%u.%u.%u", info.major, info.minor, info.micro);
	else
		snprintf(version, sizeof(version), "%u.%u.%u%s%u", info.major, info.minor, info.micro,
			 release_level_name(info.release_level), info.serial);
	json_object *py = json_object_new_object();
	json_object_object_add(py, "version", json_object_new_string(version));
	json_object_object_add(py, "hexversion", json_object_new_int64(info.hexversion));
	json_object_object_add(py, "version_source", json_object_new_string(info.version_source));
	json_object_object_add(py, "module", json_object_new_string(info.module_path ? info.module_path : ""));
	json_object_object_add(py, "debuginfo", json_object_new_boolean(info.has_debuginfo));
	json_object_object_add(py, "runtime", json_object_new_string(rs_format_address(info.runtime_address, addr)));
	json_object_object_add(py, "runtime_found_by", json_object_new_string(info.runtime_found_by));
	json_object_object_add(py, "gc_kind", json_object_new_string(info.gc_kind));
	return py;
}

json_object *rs_doc_generation(const struct rs_generation *gen, bool with_counters)
{
	json_object *g = json_object_new_object();
	if (with_counters) {
		json_object_object_add(g, "name", json_object_new_string(gen->name));
		json_object_object_add(g, "threshold", json_object_new_int(gen->threshold));
		json_object_object_add(g, "count", json_object_new_int(gen->count));
	}
	json_object_object_add(g, "objects", json_object_new_int64((int64_t)gen->objects));
	json_object_object_add(g, "bytes", json_object_new_int64((int64_t)gen->bytes));
	if (gen->broken)
		json_object_object_add(g, "broken", json_object_new_boolean(true));
	return g;
}

const char *rs_json_str(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

int64_t rs_json_int(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

bool rs_json_bool(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

json_object *rs_doc_interpreter_gc(const struct rs_interpreter *it)
{
	json_object *gc = json_object_new_object();
	json_object_object_add(gc, "enabled", json_object_new_boolean(it->enabled));
	json_object_object_add(gc, "collecting", json_object_new_boolean(it->collecting));
	json_object *gens = json_object_new_array();
	uint64_t objects = it->permanent.objects, bytes = it->permanent.bytes;
	for (size_t g = 0; g < it->n_generations; g++) {
		json_object_array_add(gens, rs_doc_generation(&it->generations[g], true));
		objects += it->generations[g].objects;
		bytes += it->generations[g].bytes;
	}
	json_object_object_add(gc, "generations", gens);
	json_object_object_add(gc, "permanent", rs_doc_generation(&it->permanent, false));
	json_object_object_add(gc, "objects", json_object_new_int64((int64_t)objects));
	json_object_object_add(gc, "bytes", json_object_new_int64((int64_t)bytes));
	return gc;
}

rs_error *rs_command_object(struct rs_command_context *ctx, uint32_t *index)
{
	rs_error *err = rs_heap_graph_build(ctx->target, ctx->heap);
	if (err)
		return err;
	*index = rs_heap_find(ctx->target, ctx->heap, ctx->address);
	if (*index == RS_NO_OBJECT)
		return rs_error_new(RS_ERR_NOT_FOUND, "0x%" PRIx64 " is not the address of an object in this heap",
				    ctx->address);
	return NULL;
}

/* Several ADDRs: see command.h. The heap (and whatever doc reads, such as
 * the dominator tree) is read once for all of them. */
rs_error *rs_command_objects_each(struct rs_command_context *ctx,
				  rs_error *(*doc)(struct rs_command_context *ctx, uint32_t index, json_object **out),
				  const char *null_key, json_object **out)
{
	rs_error *err = rs_heap_graph_build(ctx->target, ctx->heap);
	if (err)
		return err;
	json_object *objects = json_object_new_array();
	for (size_t i = 0; i < ctx->n_addresses && !err; i++) {
		uint32_t index = rs_heap_find(ctx->target, ctx->heap, ctx->addresses[i]);
		json_object *row = NULL;
		if (index != RS_NO_OBJECT) {
			err = doc(ctx, index, &row);
		} else {
			char addr[19];
			rs_diag_add(&ctx->target->diag, "0x%" PRIx64 " is not the address of an object in this heap",
				    ctx->addresses[i]);
			row = json_object_new_object();
			json_object_object_add(row, "address", json_object_new_string(rs_format_address(ctx->addresses[i], addr)));
			json_object_object_add(row, "type", NULL);
			if (null_key)
				json_object_object_add(row, null_key, NULL);
		}
		if (row)
			json_object_array_add(objects, row);
	}
	if (err) {
		json_object_put(objects);
		return err;
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "objects", objects);
	return NULL;
}

json_object *rs_doc_object_ref(const rs_heap *heap, uint32_t index)
{
	const struct rs_object *o = &rs_heap_objects(heap)[index];
	char addr[19];
	json_object *ref = json_object_new_object();
	json_object_object_add(ref, "address", json_object_new_string(rs_format_address(o->address, addr)));
	json_object_object_add(ref, "type", json_object_new_string(rs_heap_type(heap, o->type)->name));
	return ref;
}

static const char *heap_type_name(const void *heap, uint32_t type)
{
	return rs_heap_type(heap, type)->name;
}

struct rs_ref_names *rs_doc_ref_names(const rs_heap *heap, const char *extra_key)
{
	return rs_ref_names_new(rs_heap_type_count(heap), heap_type_name, heap, extra_key);
}

void rs_doc_member_item(const void *arg, size_t i, struct rs_ref_item *out)
{
	const struct rs_doc_members *m = arg;
	const struct rs_object *o = &rs_heap_objects(m->heap)[m->members[i]];
	*out = (struct rs_ref_item){o->address, o->type, NULL};
}

json_object *rs_doc_object_refs(const rs_heap *heap, const uint32_t *members, size_t n)
{
	json_object *list = json_object_new_array_ext((int)(n < 16 ? 16 : n));
	for (size_t i = 0; list && i < n; i++)
		json_object_array_add(list, rs_doc_object_ref(heap, members[i]));
	return list;
}

void rs_doc_reference_add(json_object *rows, json_object *row, const char *via, bool conservative)
{
	json_object_object_add(row, "via", json_object_new_string(via));
	if (conservative)
		json_object_object_add(row, "conservative", json_object_new_boolean(true));
	json_object_array_add(rows, row);
}

const char *rs_traversal_name(enum rs_type_traversal traversal)
{
	switch (traversal) {
	case RS_TRAVERSAL_EXACT:
		return "exact";
	case RS_TRAVERSAL_CONSERVATIVE:
		return "conservative";
	default:
		return "none";
	}
}

#define CONSERVATIVE_TYPES_SHOWN 5

void rs_doc_conservative_add(json_object *doc, rs_heap *heap)
{
	size_t n_types = rs_heap_type_count(heap), n = rs_heap_object_count(heap), total = 0;
	const struct rs_object *objects = rs_heap_objects(heap);
	uint64_t *per_type = calloc(n_types + 1, sizeof(*per_type));
	json_object *types = json_object_new_array();
	/* The walk's objects come first, those the graph adopted (untracked) after. */
	for (size_t i = 0; per_type && i < n && objects[i].generation != RS_GENERATION_UNTRACKED; i++)
		per_type[objects[i].type]++;
	for (size_t t = 0; per_type && t < n_types; t++)
		if (per_type[t] && rs_heap_type_traversal(heap, (uint32_t)t) != RS_TRAVERSAL_CONSERVATIVE)
			per_type[t] = 0;
		else
			total += per_type[t];
	for (int k = 0; per_type && k < CONSERVATIVE_TYPES_SHOWN; k++) {
		size_t best = n_types;
		for (size_t t = 0; t < n_types; t++)
			if (per_type[t] && (best == n_types || per_type[t] > per_type[best]))
				best = t;
		if (best == n_types)
			break;
		json_object *row = json_object_new_object();
		json_object_object_add(row, "type", json_object_new_string(rs_heap_type(heap, (uint32_t)best)->name));
		json_object_object_add(row, "objects", json_object_new_int64((int64_t)per_type[best]));
		json_object_array_add(types, row);
		per_type[best] = 0;
	}
	free(per_type);
	json_object_object_add(doc, "conservative_objects", json_object_new_int64((int64_t)total));
	json_object_object_add(doc, "conservative_types", types);
}

void rs_render_conservative(json_object *doc, FILE *out)
{
	json_object *types;
	int64_t total = rs_json_int(doc, "conservative_objects");
	if (total <= 0 || !json_object_object_get_ex(doc, "conservative_types", &types))
		return;
	fprintf(out, "%" PRId64 " objects of C types refscope does not decode were scanned conservatively:", total);
	for (size_t i = 0; i < json_object_array_length(types); i++) {
		json_object *row = json_object_array_get_idx(types, i);
		fprintf(out, "%s %s (%" PRId64 ")", i ? "," : "", rs_json_str(row, "type"), rs_json_int(row, "objects"));
	}
	fprintf(out, "\n");
}

const char *rs_generation_name(const rs_heap *heap, const struct rs_object *o)
{
	if (o->generation == RS_GENERATION_UNTRACKED)
		return NULL;
	if (o->generation == RS_GENERATION_PERMANENT)
		return "permanent";
	const struct rs_interpreter *it = rs_heap_interpreter(heap, o->interp);
	return it && o->generation < it->n_generations ? it->generations[o->generation].name : "?";
}

json_object *rs_doc_generation_name(const rs_heap *heap, const struct rs_object *o)
{
	const char *name = rs_generation_name(heap, o);
	return name ? json_object_new_string(name) : NULL;
}

const char *rs_root_kind_name(unsigned kind)
{
	static const char *const names[] = {"module", "frame", "thread", "interpreter", "static", "external"};
	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}
