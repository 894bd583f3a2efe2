/* list, tuple, set and dict, as list_traverse, tupletraverse, set_traverse
 * and dict_traverse visit them. Item counts come from the target and are
 * bounded before use, so a corrupt size is an error, not a runaway read. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "traverse_parts.h"

#define ITEMS_MAX (1ull << 32)
#define CHUNK 512 /* items read at a time */

static rs_error *pointer_array_visit(const struct rs_traversal *t, uint64_t array, uint64_t n,
				     enum rs_via_kind kind)
{
	uint64_t items[CHUNK];
	for (uint64_t done = 0; done < n;) {
		uint64_t count = n - done < CHUNK ? n - done : CHUNK;
		rs_error *err = rs_mem_read(t->m->mem, array + 8 * done, items, 8 * count);
		if (err)
			return err;
		for (uint64_t i = 0; i < count; i++)
			rs_visit_nonnull(t, items[i], kind, kind == RS_VIA_INDEX ? done + i : 0);
		done += count;
	}
	return NULL;
}

static rs_error *size_checked(const struct rs_traversal *t, int64_t size, uint64_t *n)
{
	if (size < 0 || (uint64_t)size > ITEMS_MAX)
		return rs_error_fault(t->obj, "%s at 0x%" PRIx64 " has an impossible size %" PRId64,
				      t->m->types->names + t->type->name_offset, t->obj, size);
	*n = (uint64_t)size;
	return NULL;
}

rs_error *rs_traverse_list(const struct rs_traversal *t)
{
	const struct rs_layout *l = &t->m->py->layout;
	int64_t size, allocated;
	uint64_t items, n = 0;
	rs_error *err = rs_mem_read(t->m->mem, t->obj + (uint64_t)RS_OFF(l, varobject_size), &size, 8);
	if (!err)
		err = rs_mem_read(t->m->mem, t->obj + (uint64_t)RS_OFF(l, list_allocated), &allocated, 8);
	if (!err)
		err = rs_mem_read_u64(t->m->mem, t->obj + (uint64_t)RS_OFF(l, list_items), &items);
	if (!err)
		err = size_checked(t, size, &n);
	if (!err && size > allocated)
		err = rs_error_fault(t->obj, "list at 0x%" PRIx64 " holds %" PRId64 " items in room for %" PRId64,
				     t->obj, size, allocated);
	if (!err && items)
		err = pointer_array_visit(t, items, n, RS_VIA_INDEX);
	return err;
}

rs_error *rs_traverse_tuple(const struct rs_traversal *t)
{
	const struct rs_layout *l = &t->m->py->layout;
	int64_t size;
	uint64_t n = 0;
	rs_error *err = rs_mem_read(t->m->mem, t->obj + (uint64_t)RS_OFF(l, varobject_size), &size, 8);
	if (!err)
		err = size_checked(t, size, &n);
	if (!err)
		err = pointer_array_visit(t, t->obj + (uint64_t)RS_OFF(l, tuple_items), n, RS_VIA_INDEX);
	return err;
}

rs_error *rs_traverse_set(const struct rs_traversal *t)
{
	const struct rs_layout *l = &t->m->py->layout;
	uint64_t mask, table, entries[2 * CHUNK];
	rs_error *err = rs_mem_read_u64(t->m->mem, t->obj + (uint64_t)RS_OFF(l, set_mask), &mask);
	if (!err)
		err = rs_mem_read_u64(t->m->mem, t->obj + (uint64_t)RS_OFF(l, set_table), &table);
	if (!err && (mask >= ITEMS_MAX || ((mask + 1) & mask)))
		err = rs_error_fault(t->obj, "set at 0x%" PRIx64 " has an impossible mask 0x%" PRIx64, t->obj, mask);
	for (uint64_t done = 0; !err && done <= mask;) {
		uint64_t count = mask + 1 - done < CHUNK ? mask + 1 - done : CHUNK;
		err = rs_mem_read(t->m->mem, table + 16 * done, entries, 16 * count);
		for (uint64_t i = 0; !err && i < count; i++) /* entries: {key, hash} */
			if (entries[2 * i] && entries[2 * i] != t->m->set_dummy)
				t->visit(t->arg, entries[2 * i], RS_VIA_SET_ITEM, 0);
		done += count;
	}
	return err;
}

/* ---- dict ---- */

struct dict_view {
	uint64_t keys, values;   /* ma_keys; ma_values (the values array itself) */
	uint64_t nentries;
	uint64_t entries;        /* first entry */
	unsigned entry_size;     /* 24 {hash, key, value} or 16 {key, value} */
	bool general;            /* keys and values visited */
	bool skip_values;        /* embedded values the owner visits (3.13 before .13, 3.14 before .4) */
};

static unsigned index_width(uint64_t size)
{
	return size <= 0xff ? 1 : size <= 0xffff ? 2 : size <= 0xffffffffu ? 4 : 8;
}

/* Before 3.11 the keys kind is a lookup function pointer; lookdict is
 * static, so a dict counts as general when a key is not an exact str. */
static rs_error *dict_view_before_311(const struct rs_traversal *t, struct dict_view *v)
{
	const struct rs_layout *l = &t->m->py->layout;
	uint64_t size;
	rs_error *err = rs_mem_read_u64(t->m->mem, v->keys + (uint64_t)RS_OFF(l, dictkeys_size), &size);
	if (!err)
		err = rs_mem_read_u64(t->m->mem, v->keys + (uint64_t)RS_OFF(l, dictkeys_nentries), &v->nentries);
	if (err)
		return err;
	if (size > ITEMS_MAX || (size & (size - 1)) || v->nentries > size)
		return rs_error_fault(v->keys, "dict keys at 0x%" PRIx64 " look corrupt", v->keys);
	v->entries = v->keys + (uint64_t)RS_OFF(l, dictkeys_indices) + size * index_width(size);
	v->entry_size = 24;
	v->general = false;
	if (v->values)
		return NULL;
	uint64_t str_type = t->m->py->symbols[RS_SYM_PyUnicode_Type];
	for (uint64_t i = 0; i < v->nentries && !v->general; i++) {
		uint64_t kv[2], key_type;
		err = rs_mem_read(t->m->mem, v->entries + 24 * i + 8, kv, sizeof(kv));
		if (!err && kv[0] && kv[1])
			err = rs_mem_read_u64(t->m->mem, kv[0] + (uint64_t)RS_OFF(l, object_type), &key_type);
		if (err)
			return err;
		v->general = kv[0] && kv[1] && key_type != str_type;
	}
	return NULL;
}

static bool embedded_values_skipped(uint32_t hex)
{
	unsigned minor = (hex >> 16) & 0xff, micro = (hex >> 8) & 0xff;
	return (minor == 13 && micro < 13) || (minor == 14 && micro < 4);
}

static rs_error *dict_view_since_311(const struct rs_traversal *t, struct dict_view *v)
{
	const struct rs_layout *l = &t->m->py->layout;
	uint8_t head[3]; /* log2_size, log2_index_bytes, kind */
	rs_error *err = rs_mem_read(t->m->mem, v->keys + (uint64_t)RS_OFF(l, dictkeys_log2_size), head, 3);
	if (!err)
		err = rs_mem_read_u64(t->m->mem, v->keys + (uint64_t)RS_OFF(l, dictkeys_nentries), &v->nentries);
	if (err)
		return err;
	if (head[0] > 32 || head[1] > 35 || head[2] > 2 || v->nentries > (1ull << head[0]))
		return rs_error_fault(v->keys, "dict keys at 0x%" PRIx64 " look corrupt", v->keys);
	v->entries = v->keys + (uint64_t)RS_OFF(l, dictkeys_indices) + (1ull << head[1]);
	v->general = head[2] == 0;
	v->entry_size = v->general ? 24 : 16;
	if (v->values && l->dict_embedded_values) {
		uint8_t embedded;
		err = rs_mem_read(t->m->mem, v->values + (uint64_t)RS_OFF(l, dictvalues_embedded), &embedded, 1);
		v->skip_values = !err && embedded && embedded_values_skipped(l->hexversion);
		v->values += 8; /* values[] follows the {capacity, size, embedded, valid} header */
	}
	return err;
}

/* The key of entry i: its name, for labels. */
static uint64_t entry_key(const struct rs_traversal *t, const struct dict_view *v, uint64_t i)
{
	uint64_t key = 0;
	rs_error *err = rs_mem_read_u64(t->m->mem, v->entries + v->entry_size * i + (v->entry_size == 24 ? 8 : 0),
					&key);
	rs_error_free(err);
	return key;
}

rs_error *rs_traverse_dict(const struct rs_traversal *t, uint64_t dict)
{
	const struct rs_layout *l = &t->m->py->layout;
	struct dict_view v = {0};
	rs_error *err = rs_mem_read_u64(t->m->mem, dict + (uint64_t)RS_OFF(l, dict_keys), &v.keys);
	if (!err)
		err = rs_mem_read_u64(t->m->mem, dict + (uint64_t)RS_OFF(l, dict_values), &v.values);
	if (!err)
		err = l->minor <= 10 ? dict_view_before_311(t, &v) : dict_view_since_311(t, &v);
	if (err || v.skip_values)
		return err;
	for (uint64_t i = 0; i < v.nentries; i++) {
		uint64_t key = 0, value = 0;
		if (v.values) {
			err = rs_mem_read_u64(t->m->mem, v.values + 8 * i, &value);
			key = entry_key(t, &v, i);
		} else {
			uint64_t kv[2];
			err = rs_mem_read(t->m->mem, v.entries + v.entry_size * i + (v.entry_size == 24 ? 8 : 0), kv,
					  sizeof(kv));
			key = kv[0];
			value = kv[1];
		}
		if (err)
			return err;
		if (!value)
			continue;
		t->visit(t->arg, value, RS_VIA_DICT_VALUE, key);
		if (v.general && !v.values)
			rs_visit_nonnull(t, key, RS_VIA_DICT_KEY, key);
	}
	return NULL;
}
