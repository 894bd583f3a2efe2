/* The exception family and the C types of the standard library a service
 * meets every day: collections.OrderedDict, defaultdict and deque, and
 * functools.partial. Offsets were read from the DWARF of 3.8-3.15 and are
 * checked by the tests against gc.get_referents. */
#include <inttypes.h>
#include <string.h>

#include "traverse_parts.h"

#define LIST_MAX (1u << 26)

struct family {
	const char *const *names; /* NULL entries are not objects (Py_ssize_t) */
	unsigned count;
};

static const char *const syntax_error_39[] = {"msg", "filename", "lineno", "offset", "text", "print_file_and_line"};
static const char *const syntax_error_310[] = {"msg", "filename", "lineno", "offset", "text", "end_lineno",
					       "end_offset", "print_file_and_line"};
static const char *const import_error_311[] = {"msg", "name", "path"};
static const char *const import_error_312[] = {"msg", "name", "path", "name_from"};
static const char *const os_error[] = {"errno", "strerror", "filename", "filename2"};
static const char *const stop_iteration[] = {"value"};
static const char *const system_exit[] = {"code"};
static const char *const name_error[] = {"name"};
static const char *const attribute_error[] = {"obj", "name"};
static const char *const unicode_error[] = {"encoding", "object", NULL, NULL, "reason"};
static const char *const exception_group[] = {"message", "exceptions"};

#define FAMILY(list) ((struct family){list, sizeof(list) / sizeof(list[0])})

static struct family family_of(unsigned minor, uint8_t id)
{
	switch (id) {
	case RS_EXC_SYNTAX:
		return minor >= 10 ? FAMILY(syntax_error_310) : FAMILY(syntax_error_39);
	case RS_EXC_IMPORT:
		return minor >= 12 ? FAMILY(import_error_312) : FAMILY(import_error_311);
	case RS_EXC_OS:
		return FAMILY(os_error);
	case RS_EXC_STOP_ITERATION:
		return FAMILY(stop_iteration);
	case RS_EXC_SYSTEM_EXIT:
		return FAMILY(system_exit);
	case RS_EXC_NAME:
		return FAMILY(name_error);
	case RS_EXC_ATTRIBUTE:
		return FAMILY(attribute_error);
	case RS_EXC_UNICODE:
		return FAMILY(unicode_error);
	case RS_EXC_GROUP:
		return FAMILY(exception_group);
	default:
		return (struct family){NULL, 0};
	}
}

rs_error *rs_traverse_exception(const struct rs_traversal *t)
{
	unsigned minor = t->m->py->layout.minor;
	struct rs_traversal base = *t;
	struct rs_type_info plain = *t->type;
	plain.fields = RS_FIELDS_EXCEPTION;
	base.type = &plain;
	rs_error *err = rs_traverse_fields(&base);
	struct family f = family_of(minor, t->type->fields);
	uint64_t start = rs_head(t) + (minor >= 11 ? 72 : 64), words[8];
	if (err || !f.count)
		return err;
	if ((err = rs_mem_read(t->m->mem, start, words, 8 * f.count)))
		return err;
	for (unsigned i = 0; i < f.count; i++)
		if (f.names[i])
			rs_visit_nonnull(t, words[i], RS_VIA_FIELD, (uint64_t)(uintptr_t)f.names[i]);
	return NULL;
}

/* odict_traverse: the instance dict, every key of the order list, then the dict. */
rs_error *rs_traverse_odict(const struct rs_traversal *t)
{
	uint64_t w[13]; /* od_first@48, od_inst_dict@96 */
	rs_error *err = rs_mem_read(t->m->mem, rs_head(t), w, sizeof(w));
	if (err)
		return err;
	rs_visit_nonnull(t, w[12], RS_VIA_FIELD, (uint64_t)(uintptr_t) "__dict__");
	uint64_t node = w[6];
	for (unsigned n = 0; node && n < LIST_MAX; n++) {
		uint64_t nd[3]; /* key, hash, next */
		if ((err = rs_mem_read(t->m->mem, node, nd, sizeof(nd))))
			return err;
		rs_visit_nonnull(t, nd[0], RS_VIA_DICT_KEY, nd[0]);
		node = nd[2];
	}
	return rs_traverse_dict(t, t->obj);
}

/* defdict_traverse: default_factory, then the dict. */
rs_error *rs_traverse_defaultdict(const struct rs_traversal *t)
{
	uint64_t factory;
	rs_error *err = rs_mem_read_u64(t->m->mem, rs_head(t) + 48, &factory);
	if (err)
		return err;
	rs_visit_nonnull(t, factory, RS_VIA_FIELD, (uint64_t)(uintptr_t) "default_factory");
	return rs_traverse_dict(t, t->obj);
}

#define DEQUE_BLOCKLEN 64

/* deque_traverse: the items, block by block from leftindex to rightindex.
 * dequeobject: ob_size@16, leftblock@24, rightblock@32, leftindex@40,
 * rightindex@48; a block is {leftlink, data[64], rightlink}. */
rs_error *rs_traverse_deque(const struct rs_traversal *t)
{
	int64_t d[7];
	rs_error *err = rs_mem_read(t->m->mem, rs_head(t), d, sizeof(d));
	if (err)
		return err;
	uint64_t block = (uint64_t)d[3], right = (uint64_t)d[4];
	int64_t index = d[5], right_index = d[6], seen = 0;
	if (d[2] < 0 || index < 0 || index >= DEQUE_BLOCKLEN || right_index < -1 || right_index >= DEQUE_BLOCKLEN)
		return rs_error_fault(t->obj, "deque at 0x%" PRIx64 " looks corrupt", t->obj);
	for (unsigned blocks = 0; block && blocks < LIST_MAX; blocks++) {
		uint64_t b[DEQUE_BLOCKLEN + 2];
		if ((err = rs_mem_read(t->m->mem, block, b, sizeof(b))))
			return err;
		int64_t last = block == right ? right_index : DEQUE_BLOCKLEN - 1;
		for (; index <= last; index++)
			rs_visit_nonnull(t, b[1 + index], RS_VIA_INDEX, (uint64_t)seen++);
		if (block == right)
			return NULL;
		block = b[DEQUE_BLOCKLEN + 1];
		index = 0;
	}
	return rs_error_fault(t->obj, "deque at 0x%" PRIx64 " has a broken block list", t->obj);
}

/* partial_traverse: fn, args, keywords, __dict__ (3.14's placeholder is not visited). */
rs_error *rs_traverse_partial(const struct rs_traversal *t)
{
	uint64_t w[6];
	rs_error *err = rs_mem_read(t->m->mem, rs_head(t), w, sizeof(w));
	if (err)
		return err;
	static const char *const names[] = {"func", "args", "keywords", "__dict__"};
	for (int i = 0; i < 4; i++)
		rs_visit_nonnull(t, w[2 + i], RS_VIA_FIELD, (uint64_t)(uintptr_t)names[i]);
	return NULL;
}
