/* The part of subtype_traverse that belongs to Python classes: the
 * __slots__ members of every Python level, then the instance __dict__ or
 * the attribute values kept without one (3.11+), per version as in
 * shared/cpython-internals.md section 6.3. */
#include <inttypes.h>

#include "traverse_parts.h"

#define TPFLAGS_INLINE_VALUES (1ul << 2)
#define VALUES_MAX 4096

static rs_error *slots_visit(const struct rs_traversal *t)
{
	if (!t->type->slots_count)
		return NULL; /* no slots table at all when no type has __slots__ */
	const struct rs_slot *slots = t->m->types->slots + t->type->slots_start;
	for (uint32_t i = 0; i < t->type->slots_count; i++) {
		uint64_t value;
		rs_error *err = rs_mem_read_u64(t->m->mem, t->obj + slots[i].offset, &value);
		if (err)
			return err;
		rs_visit_nonnull(t, value, RS_VIA_SLOT, slots[i].name);
	}
	return NULL;
}

/* tp_dictoffset: from the start, or, when negative, from the end of a
 * variable-size object (before 3.12 only). */
static rs_error *dict_by_offset(const struct rs_traversal *t, uint64_t *dict)
{
	const struct rs_layout *l = &t->m->py->layout;
	int64_t offset = t->type->dictoffset;
	if (offset < 0) {
		int64_t size;
		rs_error *err = rs_mem_read(t->m->mem, t->obj + (uint64_t)RS_OFF(l, varobject_size), &size, 8);
		if (err)
			return err;
		if (size < 0)
			size = -size;
		int64_t end = t->type->basicsize + size * t->type->itemsize;
		offset += (end + 7) & ~7;
	}
	return rs_mem_read_u64(t->m->mem, t->obj + (uint64_t)offset, dict);
}

/* The attribute name of value slot i, from the class's shared keys. */
static uint64_t cached_key_name(const struct rs_traversal *t, uint64_t i)
{
	const struct rs_layout *l = &t->m->py->layout;
	uint64_t keys = t->type->cached_keys, key = 0;
	uint8_t log2_index_bytes;
	if (!keys)
		return 0;
	rs_error *err = rs_mem_read(t->m->mem, keys + (uint64_t)RS_OFF(l, dictkeys_log2_index_bytes),
				    &log2_index_bytes, 1);
	if (!err && log2_index_bytes < 40) /* unicode entries: {key, value} */
		err = rs_mem_read_u64(t->m->mem,
				      keys + (uint64_t)RS_OFF(l, dictkeys_indices) + (1ull << log2_index_bytes) + 16 * i,
				      &key);
	rs_error_free(err);
	return key;
}

static rs_error *values_visit(const struct rs_traversal *t, uint64_t values, uint64_t n)
{
	if (n > VALUES_MAX)
		return rs_error_fault(t->obj, "object at 0x%" PRIx64 " claims %" PRIu64 " attribute values", t->obj, n);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t value;
		rs_error *err = rs_mem_read_u64(t->m->mem, values + 8 * i, &value);
		if (err)
			return err;
		if (value)
			t->visit(t->arg, value, RS_VIA_ATTRIBUTE, cached_key_name(t, i));
	}
	return NULL;
}

static rs_error *cached_keys_nentries(const struct rs_traversal *t, uint64_t *n)
{
	*n = 0;
	if (!t->type->cached_keys)
		return NULL;
	return rs_mem_read_u64(t->m->mem, t->type->cached_keys + (uint64_t)RS_OFF(&t->m->py->layout, dictkeys_nentries),
			       n);
}

static void dict_visit(const struct rs_traversal *t, uint64_t dict)
{
	rs_visit_nonnull(t, dict, RS_VIA_FIELD, (uint64_t)(uintptr_t) "__dict__");
}

/* 3.11: a values array pointer at obj-32 and a dict pointer at obj-24. */
static rs_error *managed_311(const struct rs_traversal *t)
{
	uint64_t below[2], n; /* values, dict */
	rs_error *err = rs_mem_read(t->m->mem, t->obj - 32, below, sizeof(below));
	if (!err && below[0] && !(err = cached_keys_nentries(t, &n)))
		err = values_visit(t, below[0], n);
	if (!err && t->type->dictoffset_too)
		dict_visit(t, below[1]);
	return err;
}

/* 3.12: one word at obj-24, the values pointer minus one when its low bit is set, else the dict. */
static rs_error *managed_312(const struct rs_traversal *t)
{
	uint64_t word, n;
	rs_error *err = rs_mem_read_u64(t->m->mem, t->obj - 24, &word);
	if (err)
		return err;
	if (!(word & 1)) {
		dict_visit(t, word);
		return NULL;
	}
	err = cached_keys_nentries(t, &n);
	return err ? err : values_visit(t, word + 1, n);
}

/* 3.13+: inline values after the object ({capacity, size, embedded, valid}, then values[]),
 * and a dict pointer at obj-24. Until 3.13.13 and 3.14.4 valid inline values are visited
 * rather than the dict; from then on the dict, when there is one, visits them. */
static rs_error *managed_313(const struct rs_traversal *t)
{
	const struct rs_layout *l = &t->m->py->layout;
	unsigned minor = l->minor, micro = (l->hexversion >> 8) & 0xff;
	bool dict_first = (minor == 13 && micro >= 13) || (minor == 14 && micro >= 4) || minor >= 15;
	uint64_t dict;
	rs_error *err = rs_mem_read_u64(t->m->mem, t->obj - 24, &dict);
	if (err)
		return err;
	if (dict_first && dict) {
		dict_visit(t, dict);
		return NULL;
	}
	uint8_t head[4] = {0}; /* capacity, size, embedded, valid */
	uint64_t values = t->obj + (uint64_t)t->type->basicsize;
	if (t->type->public.flags & TPFLAGS_INLINE_VALUES) {
		err = rs_mem_read(t->m->mem, values, head, sizeof(head));
		if (err)
			return err;
	}
	if (head[3])
		return values_visit(t, values + 8, head[0]);
	dict_visit(t, dict);
	return NULL;
}

rs_error *rs_traverse_instance(const struct rs_traversal *t)
{
	rs_error *err = slots_visit(t);
	if (err)
		return err;
	unsigned minor = t->m->py->layout.minor;
	if (t->type->dict_rule == RS_DICT_MANAGED)
		return minor == 11 ? managed_311(t) : minor == 12 ? managed_312(t) : managed_313(t);
	if (t->type->dict_rule == RS_DICT_OFFSET) {
		uint64_t dict;
		err = dict_by_offset(t, &dict);
		if (!err)
			dict_visit(t, dict);
	}
	return err;
}
