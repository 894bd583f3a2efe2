/* Named-type table (named_types.h): the C types of every other
 * standard-library extension module. */
#include "named_types.h"

#include <inttypes.h>
#include <string.h>

#define ITEMS_MAX (1u << 24) /* more than any real array, less than a corrupt length */
#define CHUNK 32

static rs_error *too_many(const struct rs_traversal *t, uint64_t n)
{
	return rs_error_new(RS_ERR_CORRUPT, "object at 0x%" PRIx64 " claims %" PRIu64 " items", t->obj, n);
}

/* n records of `stride` bytes from address, the object pointer at `at`
 * in each visited with its index. */
static rs_error *visit_records(const struct rs_traversal *t, uint64_t address, uint64_t n, unsigned stride,
			       unsigned at)
{
	uint64_t words[CHUNK * 4];
	unsigned per = stride / 8;
	if (n > ITEMS_MAX)
		return too_many(t, n);
	for (uint64_t done = 0; done < n;) {
		uint64_t chunk = n - done < CHUNK ? n - done : CHUNK;
		rs_error *err = rs_mem_read(t->m->mem, address + stride * done, words, stride * chunk);
		if (err)
			return err;
		for (uint64_t i = 0; i < chunk; i++)
			rs_visit_nonnull(t, words[i * per + at / 8], RS_VIA_INDEX, done + i);
		done += chunk;
	}
	return NULL;
}

#define HEX(minor, micro) (0x03000000u | (minor) << 16 | (micro) << 8)

static uint32_t hexversion(const struct rs_traversal *t)
{
	return t->m->py->hexversion;
}

/* The fields of a list chosen at run time (rs_traverse_named does those of the entry). */
static rs_error *visit_fields(const struct rs_traversal *t, const struct rs_named_field *fields)
{
	uint64_t words[40];
	size_t last = 0;
	for (const struct rs_named_field *f = fields; f->name; f++)
		if (f->offset > last)
			last = f->offset;
	if (last >= sizeof(words))
		return rs_error_new(RS_ERR_UNSUPPORTED, "a field past %zu bytes", sizeof(words));
	rs_error *err = rs_mem_read(t->m->mem, rs_head(t), words, last + 8);
	if (err)
		return err;
	for (const struct rs_named_field *f = fields; f->name; f++)
		rs_visit_nonnull(t, words[f->offset / 8], RS_VIA_FIELD, (uint64_t)(uintptr_t)f->name);
	return NULL;
}

/* _sre */
static const struct rs_named_field sre_pattern[] = {
	{32, "groupindex"}, {40, "indexgroup"}, {48, "pattern"}, RS_NAMED_END};
static const struct rs_named_field sre_match[] = {{24, "string"}, {32, "regs"}, {40, "re"}, RS_NAMED_END};
static const struct rs_named_field sre_scanner[] = {{16, "pattern"}, RS_NAMED_END};
static const struct rs_named_field sre_template[] = {{32, "literal"}, RS_NAMED_END};

/* TemplateObject: ob_size items {index, literal} from byte 40. */
static rs_error *sre_template_items(const struct rs_traversal *t)
{
	uint64_t n;
	rs_error *err = rs_mem_read_u64(t->m->mem, rs_head(t) + 16, &n);
	return err ? err : visit_records(t, rs_head(t) + 40, n, 16, 8);
}

/* _elementtree */
#define JOIN_FLAG 1 /* text and tail carry a flag in their lowest bit */

/* ElementObject: tag@16, text@24, tail@32, extra@40; the extra block:
 * attrib@0, length@8, children@24. */
static rs_error *et_element(const struct rs_traversal *t)
{
	uint64_t w[6], extra[4];
	rs_error *err = rs_mem_read(t->m->mem, rs_head(t), w, sizeof(w));
	if (err)
		return err;
	rs_visit_nonnull(t, w[2], RS_VIA_FIELD, (uint64_t)(uintptr_t) "tag");
	rs_visit_nonnull(t, w[3] & ~(uint64_t)JOIN_FLAG, RS_VIA_FIELD, (uint64_t)(uintptr_t) "text");
	rs_visit_nonnull(t, w[4] & ~(uint64_t)JOIN_FLAG, RS_VIA_FIELD, (uint64_t)(uintptr_t) "tail");
	if (!w[5])
		return NULL;
	err = rs_mem_read(t->m->mem, w[5], extra, sizeof(extra));
	if (err)
		return err;
	rs_visit_nonnull(t, extra[0], RS_VIA_FIELD, (uint64_t)(uintptr_t) "attrib");
	return rs_visit_pointer_array(t, extra[3], extra[1], 0);
}

/* ElementIterObject: parent_stack@16 of parent_stack_used@24 {parent, child_index}. */
static rs_error *et_iterator_stack(const struct rs_traversal *t)
{
	uint64_t w[4];
	rs_error *err = rs_mem_read(t->m->mem, rs_head(t), w, sizeof(w));
	return err ? err : visit_records(t, w[2], w[3], 16, 0);
}

static const struct rs_named_field et_iterator[] = {{40, "root_element"}, {48, "sought_tag"}, RS_NAMED_END};
static const struct rs_named_field et_treebuilder[] = {
	{16, "root"}, {24, "this"}, {32, "last"}, {40, "last_for_tail"}, {48, "data"}, {56, "stack"},
	{72, "element_factory"}, {80, "comment_factory"}, {88, "pi_factory"}, {96, "events_append"},
	{104, "start_event_obj"}, {112, "end_event_obj"}, {120, "start_ns_event_obj"},
	{128, "end_ns_event_obj"}, {136, "comment_event_obj"}, {144, "pi_event_obj"}, RS_NAMED_END};
/* 3.7: no comment and pi factories, no last_for_tail, no namespace handlers;
 * its xmlparser_gc_traverse leaves handle_doctype out. */
static const struct rs_named_field et_treebuilder_37[] = {
	{16, "root"}, {24, "this"}, {32, "last"}, {40, "data"}, {48, "stack"}, {64, "element_factory"},
	{72, "events_append"}, {80, "start_event_obj"}, {88, "end_event_obj"}, {96, "start_ns_event_obj"},
	{104, "end_ns_event_obj"}, RS_NAMED_END};
static const struct rs_named_field et_xmlparser_37[] = {
	{24, "target"}, {32, "entity"}, {40, "names"}, {48, "handle_start"}, {56, "handle_data"},
	{64, "handle_end"}, {72, "handle_comment"}, {80, "handle_pi"}, {96, "handle_close"}, RS_NAMED_END};
static const struct rs_named_field et_xmlparser[] = {
	{24, "target"}, {32, "entity"}, {40, "names"}, {48, "handle_start_ns"}, {56, "handle_end_ns"},
	{64, "handle_start"}, {72, "handle_data"}, {80, "handle_end"}, {88, "handle_comment"},
	{96, "handle_pi"}, {104, "handle_doctype"}, {112, "handle_close"}, RS_NAMED_END};

/* _json */
#define JSON_SCANNER_HOOKS {24, "object_hook"}, {32, "object_pairs_hook"}
static const struct rs_named_field json_scanner_38[] = {
	JSON_SCANNER_HOOKS, {40, "parse_float"}, {48, "parse_int"}, {56, "parse_constant"}, RS_NAMED_END};
static const struct rs_named_field json_scanner_39[] = {
	JSON_SCANNER_HOOKS, {40, "parse_float"}, {48, "parse_int"}, {56, "parse_constant"}, {64, "memo"}, RS_NAMED_END};
static const struct rs_named_field json_scanner_315[] = {
	JSON_SCANNER_HOOKS, {40, "array_hook"}, {48, "parse_float"}, {56, "parse_int"}, {64, "parse_constant"},
	RS_NAMED_END};
/* 3.6 visits the strict flag, the sort_keys and skipkeys flags too */
static const struct rs_named_field json_scanner_36[] = {
	{16, "strict"}, JSON_SCANNER_HOOKS, {40, "parse_float"}, {48, "parse_int"}, {56, "parse_constant"}, RS_NAMED_END};
static const struct rs_named_field json_encoder_36[] = {
	{16, "markers"}, {24, "default"}, {32, "encoder"}, {40, "indent"}, {48, "key_separator"},
	{56, "item_separator"}, {64, "sort_keys"}, {72, "skipkeys"}, RS_NAMED_END};
static const struct rs_named_field json_encoder[] = {
	{16, "markers"}, {24, "default"}, {32, "encoder"}, {40, "indent"}, {48, "key_separator"},
	{56, "item_separator"}, RS_NAMED_END};

/* _pickle. 3.11.7 and 3.12.1 began to visit the memo; 3.13.1 added
 * persistent_id_attr and persistent_load_attr; 3.13.15 and 3.14.7 two
 * fields before the Unpickler's read (frame_end, saved_input_len). */
static bool pickle_visits_memo(const struct rs_traversal *t)
{
	uint32_t v = hexversion(t);
	return v >= HEX(12, 1) || (v >= HEX(11, 7) && v < HEX(12, 0));
}

static bool pickle_has_attr_fields(const struct rs_traversal *t)
{
	return hexversion(t) >= HEX(13, 1);
}

static bool pickle_has_frame_end(const struct rs_traversal *t)
{
	uint32_t v = hexversion(t);
	return v >= HEX(14, 7) || (v >= HEX(13, 15) && v < HEX(14, 0));
}

/* 3.7: no reducer_override, no buffer_callback (PEP 574) */
static const struct rs_named_field pickler_37[] = {
	{24, "persistent_id"}, {40, "dispatch_table"}, {48, "write"}, {128, "fast_memo"}, RS_NAMED_END};
static const struct rs_named_field pickler_38[] = {
	{24, "persistent_id"}, {40, "dispatch_table"}, {48, "reducer_override"}, {56, "write"},
	{136, "fast_memo"}, {144, "buffer_callback"}, RS_NAMED_END};
static const struct rs_named_field pickler_3130[] = {
	{24, "persistent_id"}, {32, "dispatch_table"}, {40, "reducer_override"}, {48, "write"},
	{128, "fast_memo"}, {136, "buffer_callback"}, RS_NAMED_END};
static const struct rs_named_field pickler_3131[] = {
	{24, "persistent_id"}, {32, "persistent_id_attr"}, {40, "dispatch_table"}, {48, "reducer_override"},
	{56, "write"}, {136, "fast_memo"}, {144, "buffer_callback"}, RS_NAMED_END};

/* PicklerObject.memo@16: a PyMemoTable {mask, used, allocated@16, table@24}
 * of {key, value} entries; the keys are visited. */
static rs_error *pickler_memo(const struct rs_traversal *t)
{
	uint64_t memo, table[4];
	rs_error *err = rs_mem_read_u64(t->m->mem, rs_head(t) + 16, &memo);
	if (err || !memo)
		return err;
	err = rs_mem_read(t->m->mem, memo, table, sizeof(table));
	if (err || !table[3])
		return err;
	return visit_records(t, table[3], table[2], 16, 0);
}

static rs_error *pickler(const struct rs_traversal *t)
{
	const struct rs_named_field *fields = pickler_3131;
	if (t->m->py->layout.minor <= 7)
		fields = pickler_37;
	else if (t->m->py->layout.minor < 13)
		fields = pickler_38;
	else if (!pickle_has_attr_fields(t))
		fields = pickler_3130;
	rs_error *err = visit_fields(t, fields);
	return err || !pickle_visits_memo(t) ? err : pickler_memo(t);
}

#define UNPICKLER_READERS(at) \
	{(at), "read"}, {(at) + 8, "readinto"}, {(at) + 16, "readline"}, {(at) + 24, "peek"}, {(at) + 32, "buffers"}
static const struct rs_named_field unpickler_37[] = { /* no readinto, no buffers */
	{16, "stack"}, {48, "persistent_load"}, {184, "read"}, {192, "readline"}, {200, "peek"}, RS_NAMED_END};
static const struct rs_named_field unpickler_38[] = {
	{16, "stack"}, {48, "persistent_load"}, UNPICKLER_READERS(184), RS_NAMED_END};
static const struct rs_named_field unpickler_3130[] = {
	{16, "stack"}, {48, "persistent_load"}, UNPICKLER_READERS(176), RS_NAMED_END};
static const struct rs_named_field unpickler_3131[] = {
	{16, "stack"}, {48, "persistent_load"}, {56, "persistent_load_attr"}, UNPICKLER_READERS(184), RS_NAMED_END};
static const struct rs_named_field unpickler_31315[] = {
	{16, "stack"}, {48, "persistent_load"}, {56, "persistent_load_attr"}, UNPICKLER_READERS(200), RS_NAMED_END};
static const struct rs_named_field unpickler_315[] = {
	{16, "stack"}, {48, "memo_dict"}, {56, "persistent_load"}, {64, "persistent_load_attr"},
	UNPICKLER_READERS(208), RS_NAMED_END};

/* UnpicklerObject: memo@24, an array of memo_size@32 object pointers. */
static rs_error *unpickler_memo(const struct rs_traversal *t)
{
	uint64_t w[5];
	rs_error *err = rs_mem_read(t->m->mem, rs_head(t), w, sizeof(w));
	return err || !w[3] ? err : rs_visit_pointer_array(t, w[3], w[4], 0);
}

static rs_error *unpickler(const struct rs_traversal *t)
{
	const struct rs_named_field *fields = unpickler_315;
	unsigned minor = t->m->py->layout.minor;
	if (minor <= 7)
		fields = unpickler_37;
	else if (minor < 13)
		fields = unpickler_38;
	else if (!pickle_has_attr_fields(t))
		fields = unpickler_3130;
	else if (minor < 15)
		fields = pickle_has_frame_end(t) ? unpickler_31315 : unpickler_3131;
	rs_error *err = visit_fields(t, fields);
	return err || !pickle_visits_memo(t) ? err : unpickler_memo(t);
}

static const struct rs_named_field pickler_memo_proxy[] = {{16, "pickler"}, RS_NAMED_END};
static const struct rs_named_field unpickler_memo_proxy[] = {{16, "unpickler"}, RS_NAMED_END};

/* _csv */
static const struct rs_named_field csv_reader[] = {{16, "input_iter"}, {24, "dialect"}, {32, "fields"}, RS_NAMED_END};
static const struct rs_named_field csv_writer_38[] = {{16, "write"}, {24, "dialect"}, RS_NAMED_END};
static const struct rs_named_field csv_writer[] = {{16, "write"}, {24, "dialect"}, {64, "error_obj"}, RS_NAMED_END};
static const struct rs_named_field csv_dialect[] = {{40, "lineterminator"}, RS_NAMED_END};

/* _abc */
static const struct rs_named_field abc_data[] = {
	{16, "_abc_registry"}, {24, "_abc_cache"}, {32, "_abc_negative_cache"}, RS_NAMED_END};

/* _thread */
static const struct rs_named_field thread_local_38[] = {{24, "args"}, {32, "kw"}, {48, "dummies"}, RS_NAMED_END};
static const struct rs_named_field thread_local_313[] = {
	{16, "args"}, {24, "kw"}, {40, "localdicts"}, {48, "thread_watchdogs"}, RS_NAMED_END};

/* _ctypes: the instances (CDataObject: b_base@32, b_objects@64) */
#define CDATA_FIELDS {32, "_b_base_"}, {64, "_objects"}
static const struct rs_named_field ctypes_cdata[] = {CDATA_FIELDS, RS_NAMED_END};
static const struct rs_named_field ctypes_funcptr[] = {
	CDATA_FIELDS, {96, "thunk"}, {104, "callable"}, {112, "converters"}, {120, "argtypes"},
	{128, "restype"}, {136, "checker"}, {144, "errcheck"}, {152, "paramflags"}, RS_NAMED_END};
static const struct rs_named_field ctypes_field[] = {{40, "proto"}, RS_NAMED_END};
static const struct rs_named_field ctypes_thunk[] = {
	{80, "converters"}, {88, "callable"}, {96, "restype"}, RS_NAMED_END};
static const struct rs_named_field ctypes_carg_312[] = {{48, "_obj"}, RS_NAMED_END};
static const struct rs_named_field ctypes_carg_314[] = {{64, "_obj"}, RS_NAMED_END};
static const struct rs_named_field ctypes_dict_remover[] = {{16, "key"}, {24, "dict"}, RS_NAMED_END};
static const struct rs_named_field ctypes_struct_param_314[] = {{24, "keep"}, RS_NAMED_END};

/* The metatypes' instances are classes: what type_traverse visits, then
 * up to 3.12 the proto of the class's __dict__ when it is a StgDict
 * (StgDictObject.proto@96), from 3.13 the StgInfo kept after the heap
 * type, once initialized. */
static rs_error *ctypes_stgdict_proto(const struct rs_traversal *t)
{
	const struct rs_layout *l = &t->m->py->layout;
	uint64_t dict, dict_type, name_ptr;
	char name[8];
	bool truncated;
	rs_error *err = rs_traverse_heap_type(t);
	if (!err)
		err = rs_mem_read_u64(t->m->mem, t->obj + (uint64_t)RS_OFF(l, type_dict), &dict);
	if (err || !dict)
		return err;
	err = rs_mem_read_u64(t->m->mem, dict + (uint64_t)RS_OFF(l, object_type), &dict_type);
	if (!err)
		err = rs_mem_read_u64(t->m->mem, dict_type + (uint64_t)RS_OFF(l, type_name), &name_ptr);
	if (!err)
		err = rs_mem_read_cstr(t->m->mem, name_ptr, name, sizeof(name), &truncated);
	if (err || truncated || strcmp(name, "StgDict") != 0)
		return err;
	return rs_visit_pointer_field(t, dict + RS_HEAD(l) + 96, "proto");
}

static const struct rs_named_field ctypes_stginfo_313[] = {
	{56, "proto"}, {88, "argtypes"}, {96, "converters"}, {104, "restype"}, {112, "checker"},
	{120, "module"}, RS_NAMED_END};
static const struct rs_named_field ctypes_stginfo_314[] = {
	{56, "proto"}, {88, "argtypes"}, {96, "converters"}, {104, "restype"}, {112, "checker"},
	{120, "pointer_type"}, {128, "module"}, RS_NAMED_END};

static rs_error *ctypes_stginfo(const struct rs_traversal *t)
{
	const struct rs_named_field *fields = t->m->py->layout.minor == 13 ? ctypes_stginfo_313 : ctypes_stginfo_314;
	uint64_t info = ((uint64_t)RS_OFF(&t->m->py->layout, heaptype_size) + 15) & ~(uint64_t)15;
	uint64_t words[17];
	rs_error *err = rs_traverse_heap_type(t);
	if (!err)
		err = rs_mem_read(t->m->mem, t->obj + info, words, sizeof(words));
	if (err || !(uint32_t)words[0]) /* StgInfo.initialized */
		return err;
	for (const struct rs_named_field *f = fields; f->name; f++)
		rs_visit_nonnull(t, words[f->offset / 8], RS_VIA_FIELD, (uint64_t)(uintptr_t)f->name);
	return NULL;
}

/* _decimal (gc objects from 3.13) */
static const struct rs_named_field decimal_context[] = {{64, "traps"}, {72, "flags"}, RS_NAMED_END};
static const struct rs_named_field decimal_ctxmanager[] = {{16, "local"}, {24, "global"}, RS_NAMED_END};

/* array, _struct, _queue, _lsprof, _zoneinfo */
static const struct rs_named_field array_iterator[] = {{24, "ao"}, RS_NAMED_END};
static const struct rs_named_field struct_struct[] = {{40, "format"}, RS_NAMED_END};
static const struct rs_named_field struct_unpack_iterator[] = {{16, "so"}, {32, "buf.obj"}, RS_NAMED_END};
static const struct rs_named_field simple_queue_38[] = {{32, "lst"}, RS_NAMED_END};
static const struct rs_named_field lsprof_profiler_313[] = {{48, "externalTimer"}, RS_NAMED_END};
static const struct rs_named_field lsprof_profiler_315[] = {{48, "externalTimer"}, {72, "missing"}, RS_NAMED_END};
static const struct rs_named_field zoneinfo[] = {{16, "key"}, RS_NAMED_END};

/* 3.13: a ring buffer, RingBuf@24 {put_idx, get_idx@32, items@40,
 * items_cap@48, num_items@56}: num_items from get_idx, wrapping. */
static rs_error *simple_queue_ring(const struct rs_traversal *t)
{
	uint64_t w[8];
	rs_error *err = rs_mem_read(t->m->mem, rs_head(t), w, sizeof(w));
	uint64_t get = w[4], items = w[5], cap = w[6], n = w[7];
	if (err || !n || (int64_t)n < 0)
		return err;
	if (n > cap || get >= cap)
		return rs_error_new(RS_ERR_CORRUPT, "SimpleQueue at 0x%" PRIx64 ": %" PRIu64 " items from %" PRIu64
				    " in %" PRIu64, t->obj, n, get, cap);
	uint64_t first = cap - get < n ? cap - get : n;
	err = rs_visit_pointer_array(t, items + 8 * get, first, 0);
	return err ? err : rs_visit_pointer_array(t, items, n - first, first);
}

/* pyexpat.xmlparser (no subclasses): its size tells which fields precede
 * the handlers, which security releases moved: reparse_deferral_enabled
 * (80 bytes), then parent@24 (88 bytes). */
#define EXPAT_HANDLERS 22 /* handler_info's entries, the same in 3.8 to 3.15 */

static rs_error *expat_parser(const struct rs_traversal *t)
{
	int64_t size = t->type->basicsize - (int64_t)RS_HEAD(&t->m->py->layout);
	uint64_t handlers_at = size >= 88 ? 80 : size >= 80 ? 72 : 64, handlers;
	rs_error *err = rs_mem_read_u64(t->m->mem, rs_head(t) + handlers_at, &handlers);
	if (!err && handlers)
		err = rs_visit_pointer_array(t, handlers, EXPAT_HANDLERS, 0);
	if (!err && size >= 88)
		err = rs_visit_pointer_field(t, rs_head(t) + 24, "parent");
	return err;
}

/* _multibytecodec: errors@32 is an object or one of the markers 1 to 3
 * (strict, ignore, replace); the traverses never visit the type. */
static rs_error *mbc_errors(const struct rs_traversal *t)
{
	uint64_t errors;
	rs_error *err = rs_mem_read_u64(t->m->mem, rs_head(t) + 32, &errors);
	if (!err && errors > 3)
		rs_visit_nonnull(t, errors, RS_VIA_FIELD, (uint64_t)(uintptr_t) "errors");
	return err;
}

static const struct rs_named_field mbc_codec[] = {{24, "cjk_module"}, RS_NAMED_END};
static const struct rs_named_field mbc_stream_reader[] = {{56, "stream"}, RS_NAMED_END};
static const struct rs_named_field mbc_stream_writer[] = {{48, "stream"}, RS_NAMED_END};

/* _sqlite3 */
static const struct rs_named_field sqlite_connection_310[] = {
	{48, "isolation_level"}, {80, "statement_cache"}, {88, "statements"}, {96, "cursors"},
	{112, "row_factory"}, {120, "text_factory"}, {128, "function_pinboard_trace_callback"},
	{136, "function_pinboard_progress_handler"}, {144, "function_pinboard_authorizer_cb"},
	{152, "collations"}, RS_NAMED_END};
static const struct rs_named_field sqlite_connection_311[] = {
	{64, "statement_cache"}, {72, "cursors"}, {80, "blobs"}, {96, "row_factory"}, {104, "text_factory"},
	RS_NAMED_END};
static const struct rs_named_field sqlite_connection_312[] = {
	{72, "statement_cache"}, {80, "cursors"}, {88, "blobs"}, {104, "row_factory"}, {112, "text_factory"},
	RS_NAMED_END};
static const struct rs_named_field sqlite_connection_315[] = {
	{72, "statement_cache"}, {80, "blobs"}, {88, "row_factory"}, {96, "text_factory"}, RS_NAMED_END};
static const struct rs_named_field sqlite_cursor_310[] = {
	{16, "connection"}, {24, "description"}, {32, "row_cast_map"}, {48, "lastrowid"}, {64, "row_factory"},
	{72, "statement"}, {96, "next_row"}, RS_NAMED_END};
static const struct rs_named_field sqlite_cursor[] = {
	{16, "connection"}, {24, "description"}, {32, "row_cast_map"}, {48, "lastrowid"}, {64, "row_factory"},
	{72, "statement"}, RS_NAMED_END};
static const struct rs_named_field sqlite_row[] = {{16, "data"}, {24, "description"}, RS_NAMED_END};
static const struct rs_named_field sqlite_statement_310[] = {{32, "sql"}, RS_NAMED_END};
static const struct rs_named_field sqlite_blob[] = {{16, "connection"}, RS_NAMED_END};
static const struct rs_named_field sqlite_node[] = {{16, "key"}, {24, "data"}, RS_NAMED_END};

/* From 3.11 the trace, progress and authorizer callbacks are contexts
 * {callable, module, state}, at three consecutive pointers from `at`. */
static rs_error *sqlite_callback_contexts(const struct rs_traversal *t, uint64_t at)
{
	static const char *const names[3][2] = {{"trace_ctx.callable", "trace_ctx.module"},
						{"progress_ctx.callable", "progress_ctx.module"},
						{"authorizer_ctx.callable", "authorizer_ctx.module"}};
	uint64_t ctx[3], w[2];
	rs_error *err = rs_mem_read(t->m->mem, rs_head(t) + at, ctx, sizeof(ctx));
	for (int i = 0; !err && i < 3; i++) {
		if (!ctx[i] || (err = rs_mem_read(t->m->mem, ctx[i], w, sizeof(w))))
			continue;
		rs_visit_nonnull(t, w[0], RS_VIA_FIELD, (uint64_t)(uintptr_t)names[i][0]);
		rs_visit_nonnull(t, w[1], RS_VIA_FIELD, (uint64_t)(uintptr_t)names[i][1]);
	}
	return err;
}

static rs_error *sqlite_contexts_311(const struct rs_traversal *t)
{
	return sqlite_callback_contexts(t, 112);
}

static rs_error *sqlite_contexts_312(const struct rs_traversal *t)
{
	return sqlite_callback_contexts(t, 120);
}

static rs_error *sqlite_contexts_315(const struct rs_traversal *t)
{
	return sqlite_callback_contexts(t, 104);
}

/* 3.10's statement cache: mapping@24, factory@32 while decref_factory@56,
 * then its nodes from first@40 along next@48. */
#define SQLITE_NODES_MAX (1u << 24)

static rs_error *sqlite_cache(const struct rs_traversal *t)
{
	uint64_t w[8];
	rs_error *err = rs_mem_read(t->m->mem, rs_head(t), w, sizeof(w));
	if (err)
		return err;
	rs_visit_nonnull(t, w[3], RS_VIA_FIELD, (uint64_t)(uintptr_t) "mapping");
	if ((uint32_t)w[7])
		rs_visit_nonnull(t, w[4], RS_VIA_FIELD, (uint64_t)(uintptr_t) "factory");
	uint64_t node = w[5];
	for (uint64_t i = 0; node; i++) {
		if (i == SQLITE_NODES_MAX)
			return rs_error_new(RS_ERR_CORRUPT, "sqlite3 cache at 0x%" PRIx64 ": too many nodes", t->obj);
		t->visit(t->arg, node, RS_VIA_INDEX, i);
		if ((err = rs_mem_read_u64(t->m->mem, node + RS_HEAD(&t->m->py->layout) + 48, &node)))
			return err;
	}
	return NULL;
}

/* _ssl. context_traverse visits keylog_filename and the PSK callbacks
 * from 3.13.12 and 3.14.3 (gh-142516); which release first did is
 * inferred from the date, not read from a release. */
static const struct rs_named_field ssl_context_37[] = {{40, "sni_callback"}, RS_NAMED_END};
static const struct rs_named_field ssl_context_38[] = {{40, "sni_callback"}, {64, "_msg_callback"}, RS_NAMED_END};
static const struct rs_named_field ssl_context_psk[] = {
	{40, "sni_callback"}, {64, "_msg_callback"}, {72, "keylog_filename"}, {96, "psk_client_callback"},
	{104, "psk_server_callback"}, RS_NAMED_END};

static rs_error *ssl_context(const struct rs_traversal *t)
{
	uint32_t v = hexversion(t);
	bool psk = v >= HEX(14, 3) || (v >= HEX(13, 12) && v < HEX(14, 0));
	if (t->m->py->layout.minor <= 7)
		return visit_fields(t, ssl_context_37); /* no _msg_callback */
	return visit_fields(t, psk ? ssl_context_psk : ssl_context_38);
}

static const struct rs_named_field ssl_socket_310[] = {
	{72, "exc_type"}, {80, "exc_value"}, {88, "exc_tb"}, RS_NAMED_END};
static const struct rs_named_field ssl_socket_312[] = {{72, "exc"}, RS_NAMED_END};
static const struct rs_named_field ssl_session[] = {{24, "context"}, RS_NAMED_END};

/* zlib, _zstd, _curses, unicodedata */
static const struct rs_named_field zlib_comp[] = {{152, "zdict"}, RS_NAMED_END};
static const struct rs_named_field zlib_decompressor[] = {{128, "zdict"}, RS_NAMED_END};
static const struct rs_named_field zstd_dict_user[] = {{24, "dict"}, RS_NAMED_END};
static const struct rs_named_field curses_window[] = {{32, "orig"}, RS_NAMED_END};
static const struct rs_named_field unicodedata_string[] = {{16, "string"}, RS_NAMED_END};

/* _curses_panel.panel: wo@24, and the object kept as the curses panel's
 * user pointer (ncurses' struct panel: win, below, above, user@24). */
static rs_error *curses_panel(const struct rs_traversal *t)
{
	uint64_t w[4], user = 0;
	rs_error *err = rs_mem_read(t->m->mem, rs_head(t), w, sizeof(w));
	if (!err && w[2])
		err = rs_mem_read_u64(t->m->mem, w[2] + 24, &user);
	if (err)
		return err;
	rs_visit_nonnull(t, user, RS_VIA_FIELD, (uint64_t)(uintptr_t) "userptr");
	rs_visit_nonnull(t, w[3], RS_VIA_FIELD, (uint64_t)(uintptr_t) "wo");
	return NULL;
}

/* the example and test modules of lib-dynload */
static const struct rs_named_field x_attr[] = {{16, "x_attr"}, RS_NAMED_END};

const struct rs_named_type rs_named_types_plain[] = {
	{"_abc_data", 6, 8, RS_NAMED_TYPE_DEFAULT, abc_data, NULL}, /* tp_name without its module */
	{NULL, 0, 0, 0, NULL, NULL},
};

const struct rs_named_type rs_named_types_modules[] = {
	{"re.Pattern", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, sre_pattern, NULL},
	{"re.Match", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, sre_match, NULL},
	{"_sre.SRE_Scanner", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, sre_scanner, NULL},
	{"_sre.SRE_Template", 12, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, sre_template, sre_template_items},
	{"xml.etree.ElementTree.Element", 6, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, et_element},
	{"_elementtree._element_iterator", 6, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, et_iterator, et_iterator_stack},
	{"xml.etree.ElementTree.TreeBuilder", 6, 7, RS_NAMED_TYPE_DEFAULT, et_treebuilder_37, NULL},
	{"xml.etree.ElementTree.TreeBuilder", 8, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, et_treebuilder, NULL},
	{"xml.etree.ElementTree.XMLParser", 6, 7, RS_NAMED_TYPE_DEFAULT, et_xmlparser_37, NULL},
	{"xml.etree.ElementTree.XMLParser", 8, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, et_xmlparser, NULL},
	{"_json.Scanner", 6, 6, RS_NAMED_TYPE_DEFAULT, json_scanner_36, NULL},
	{"_json.Scanner", 7, 8, RS_NAMED_TYPE_DEFAULT, json_scanner_38, NULL},
	{"_json.Scanner", 9, 12, RS_NAMED_TYPE_DEFAULT, json_scanner_39, NULL},
	{"_json.Scanner", 13, 14, RS_NAMED_TYPE_DEFAULT, json_scanner_38, NULL},
	{"_json.Scanner", 15, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, json_scanner_315, NULL},
	{"_json.Encoder", 6, 6, RS_NAMED_TYPE_DEFAULT, json_encoder_36, NULL},
	{"_json.Encoder", 7, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, json_encoder, NULL},
	{"_pickle.Pickler", 6, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, pickler},
	{"_pickle.Unpickler", 6, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, unpickler},
	{"_pickle.PicklerMemoProxy", 6, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, pickler_memo_proxy, NULL},
	{"_pickle.UnpicklerMemoProxy", 6, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, unpickler_memo_proxy, NULL},
	{"_pickle.Pdata", 12, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_csv.reader", 6, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, csv_reader, NULL},
	{"_csv.writer", 6, 9, RS_NAMED_TYPE_DEFAULT, csv_writer_38, NULL},
	{"_csv.writer", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, csv_writer, NULL},
	{"_csv.Dialect", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, csv_dialect, NULL},
	{"_abc._abc_data", 9, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, abc_data, NULL},
	{"_thread._local", 6, 12, RS_NAMED_TYPE_DEFAULT, thread_local_38, NULL},
	{"_thread._local", 13, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, thread_local_313, NULL},
	{"_thread.lock", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_thread.RLock", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_thread._ThreadHandle", 13, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_ctypes._SimpleCData", 6, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, ctypes_cdata, NULL},
	{"_ctypes.Structure", 6, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, ctypes_cdata, NULL},
	{"_ctypes.Union", 6, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, ctypes_cdata, NULL},
	{"_ctypes.Array", 6, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, ctypes_cdata, NULL},
	{"_ctypes._Pointer", 6, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, ctypes_cdata, NULL},
	{"_ctypes._CData", 6, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, ctypes_cdata, NULL},
	{"_ctypes.PyCFuncPtr", 6, 9, RS_NAMED_TYPE_DEFAULT, ctypes_funcptr, NULL},
	{"_ctypes.CFuncPtr", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, ctypes_funcptr, NULL},
	{"_ctypes.CField", 6, 13, RS_NAMED_TYPE_DEFAULT, ctypes_field, NULL},
	{"ctypes.CField", 14, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, ctypes_field, NULL},
	{"_ctypes.CThunkObject", 6, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, ctypes_thunk, NULL},
	{"_ctypes.CArgObject", 12, 13, RS_NAMED_TYPE_DEFAULT, ctypes_carg_312, NULL},
	{"_ctypes.CArgObject", 14, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, ctypes_carg_314, NULL},
	{"_ctypes.DictRemover", 12, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, ctypes_dict_remover, NULL},
	{"_ctypes.StructParam_Type", 12, 13, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_ctypes.StructParam_Type", 14, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, ctypes_struct_param_314, NULL},
	{"_ctypes.PyCStructType", 6, 12, RS_NAMED_TYPE_DEFAULT, NULL, ctypes_stgdict_proto},
	{"_ctypes.UnionType", 6, 12, RS_NAMED_TYPE_DEFAULT, NULL, ctypes_stgdict_proto},
	{"_ctypes.PyCPointerType", 6, 12, RS_NAMED_TYPE_DEFAULT, NULL, ctypes_stgdict_proto},
	{"_ctypes.PyCFuncPtrType", 6, 12, RS_NAMED_TYPE_DEFAULT, NULL, ctypes_stgdict_proto},
	{"_ctypes.CType_Type", 13, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, ctypes_stginfo},
	{"_ctypes.PyCStructType", 13, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, ctypes_stginfo},
	{"_ctypes.UnionType", 13, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, ctypes_stginfo},
	{"_ctypes.PyCPointerType", 13, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, ctypes_stginfo},
	{"_ctypes.PyCArrayType", 13, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, ctypes_stginfo},
	{"_ctypes.PyCSimpleType", 13, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, ctypes_stginfo},
	{"_ctypes.PyCFuncPtrType", 13, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, ctypes_stginfo},
	{"decimal.Context", 13, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, decimal_context, NULL},
	{"decimal.ContextManager", 13, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, decimal_ctxmanager, NULL},
	{"decimal.SignalDictMixin", 13, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"decimal.Decimal", 13, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"array.array", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"arrayiterator", 6, 9, RS_NAMED_TYPE_DEFAULT, array_iterator, NULL},
	{"array.arrayiterator", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, array_iterator, NULL},
	{"mmap.mmap", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_struct.Struct", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, struct_struct, NULL},
	{"unpack_iterator", 6, 8, RS_NAMED_TYPE_DEFAULT, struct_unpack_iterator, NULL},
	{"_struct.unpack_iterator", 9, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, struct_unpack_iterator, NULL},
	{"_queue.SimpleQueue", 6, 12, RS_NAMED_TYPE_DEFAULT, simple_queue_38, NULL},
	{"_queue.SimpleQueue", 13, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, simple_queue_ring},
	{"_lsprof.Profiler", 10, 12, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_lsprof.Profiler", 13, 14, RS_NAMED_TYPE_DEFAULT, lsprof_profiler_313, NULL},
	{"_lsprof.Profiler", 15, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, lsprof_profiler_315, NULL},
	{"unicodedata.UCD", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"zoneinfo.ZoneInfo", 12, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, zoneinfo, NULL},
	{"pyexpat.xmlparser", 6, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, expat_parser},
	{"_multibytecodec.MultibyteCodec", 10, 11, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_multibytecodec.MultibyteCodec", 12, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, mbc_codec, NULL},
	{"MultibyteIncrementalEncoder", 6, 9, RS_NAMED_TYPE_DEFAULT, NULL, mbc_errors},
	{"MultibyteIncrementalDecoder", 6, 9, RS_NAMED_TYPE_DEFAULT, NULL, mbc_errors},
	{"MultibyteStreamReader", 6, 9, RS_NAMED_TYPE_DEFAULT, mbc_stream_reader, mbc_errors},
	{"MultibyteStreamWriter", 6, 9, RS_NAMED_TYPE_DEFAULT, mbc_stream_writer, mbc_errors},
	{"_multibytecodec.MultibyteIncrementalEncoder", 10, RS_MINOR_LAST, RS_NAMED_TYPE_NEVER, NULL, mbc_errors},
	{"_multibytecodec.MultibyteIncrementalDecoder", 10, RS_MINOR_LAST, RS_NAMED_TYPE_NEVER, NULL, mbc_errors},
	{"_multibytecodec.MultibyteStreamReader", 10, RS_MINOR_LAST, RS_NAMED_TYPE_NEVER, mbc_stream_reader,
	 mbc_errors},
	{"_multibytecodec.MultibyteStreamWriter", 10, RS_MINOR_LAST, RS_NAMED_TYPE_NEVER, mbc_stream_writer,
	 mbc_errors},
	{"sqlite3.Connection", 10, 10, RS_NAMED_TYPE_DEFAULT, sqlite_connection_310, NULL},
	{"sqlite3.Connection", 11, 11, RS_NAMED_TYPE_DEFAULT, sqlite_connection_311, sqlite_contexts_311},
	{"sqlite3.Connection", 12, 14, RS_NAMED_TYPE_DEFAULT, sqlite_connection_312, sqlite_contexts_312},
	{"sqlite3.Connection", 15, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, sqlite_connection_315, sqlite_contexts_315},
	{"sqlite3.Cursor", 10, 10, RS_NAMED_TYPE_DEFAULT, sqlite_cursor_310, NULL},
	{"sqlite3.Cursor", 11, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, sqlite_cursor, NULL},
	{"sqlite3.Row", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, sqlite_row, NULL},
	{"sqlite3.Statement", 10, 10, RS_NAMED_TYPE_DEFAULT, sqlite_statement_310, NULL},
	{"sqlite3.Statement", 11, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"sqlite3.Blob", 11, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, sqlite_blob, NULL},
	{"sqlite3.PrepareProtocol", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"sqlite3.Cache", 10, 10, RS_NAMED_TYPE_DEFAULT, NULL, sqlite_cache},
	{"sqlite3.Node", 10, 10, RS_NAMED_TYPE_DEFAULT, sqlite_node, NULL},
	{"_ssl._SSLContext", 6, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, ssl_context},
	{"_ssl._SSLSocket", 6, 11, RS_NAMED_TYPE_DEFAULT, ssl_socket_310, NULL},
	{"_ssl._SSLSocket", 12, 14, RS_NAMED_TYPE_DEFAULT, ssl_socket_312, NULL},
	{"_ssl._SSLSocket", 15, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_ssl.MemoryBIO", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_ssl.Session", 6, 9, RS_NAMED_TYPE_DEFAULT, ssl_session, NULL},
	{"_ssl.SSLSession", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, ssl_session, NULL},
	{"_socket.socket", 12, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_multiprocessing.SemLock", 12, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_md5.md5", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_sha1.sha1", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_sha256.sha224", 10, 11, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_sha256.sha256", 10, 11, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_sha512.sha384", 10, 11, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_sha512.sha512", 10, 11, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_sha2.SHA224Type", 12, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_sha2.SHA256Type", 12, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_sha2.SHA384Type", 12, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_sha2.SHA512Type", 12, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_sha3.sha3_224", 14, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_sha3.sha3_256", 14, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_sha3.sha3_384", 14, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_sha3.sha3_512", 14, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_sha3.shake_128", 14, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_sha3.shake_256", 14, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_blake2.blake2b", 14, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_blake2.blake2s", 14, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_hmac.HMAC", 14, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_bz2.BZ2Compressor", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_bz2.BZ2Decompressor", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_lzma.LZMACompressor", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_lzma.LZMADecompressor", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"zlib.Compress", 13, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, zlib_comp, NULL},
	{"zlib.Decompress", 13, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, zlib_comp, NULL},
	{"zlib._ZlibDecompressor", 12, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, zlib_decompressor, NULL},
	{"compression.zstd.ZstdCompressor", 14, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, zstd_dict_user, NULL},
	{"compression.zstd.ZstdDecompressor", 14, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, zstd_dict_user, NULL},
	{"compression.zstd.ZstdDict", 14, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_dbm.dbm", 11, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{"_curses.window", 14, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, curses_window, NULL},
	{"_curses_panel.panel", 13, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, curses_panel},
	{"unicodedata.GraphemeBreakIterator", 15, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, unicodedata_string, NULL},
	{"unicodedata.Segment", 15, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, unicodedata_string, NULL},
	/* from 3.13 the type, then what tuple's traverse visits */
	{"datetime.IsoCalendarDate", 13, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, rs_traverse_tuple},
	{"xxlimited.Xxo", 6, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, x_attr, NULL},
	{"xxlimited_35.Xxo", 10, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, x_attr, NULL},
	{"xxlimited_3_13.Xxo", 15, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, x_attr, NULL},
	{"_testimportexec.Example", 6, RS_MINOR_LAST, RS_NAMED_TYPE_NEVER, x_attr, NULL},
	{"_testcapi.HeapGcCType", 9, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, NULL, NULL},
	{NULL, 0, 0, 0, NULL, NULL},
};
