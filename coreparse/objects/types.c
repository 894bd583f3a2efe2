#include "types.h"

#include "../util/utf8.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TYPE_NAME_MAX 256
#define TYPE_BASE_DEPTH_MAX 64

static uint64_t slot_hash(uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return key;
}

static bool slots_grow(struct rs_type_table *table)
{
	uint32_t n = table->n_slots ? table->n_slots * 2 : 256;
	uint64_t *keys = calloc(n, sizeof(*keys));
	uint32_t *values = calloc(n, sizeof(*values));
	if (!keys || !values) {
		free(keys);
		free(values);
		return false;
	}
	for (uint32_t i = 0; i < table->n_slots; i++) {
		if (!table->slot_values[i])
			continue;
		uint32_t s = (uint32_t)slot_hash(table->slot_keys[i]) & (n - 1);
		while (values[s])
			s = (s + 1) & (n - 1);
		keys[s] = table->slot_keys[i];
		values[s] = table->slot_values[i];
	}
	free(table->slot_keys);
	free(table->slot_values);
	table->slot_keys = keys;
	table->slot_values = values;
	table->n_slots = n;
	return true;
}

static bool name_store(struct rs_type_table *table, const char *name, size_t *offset)
{
	size_t len = strlen(name) + 1;
	if (table->names_used + len > table->names_capacity) {
		size_t cap = table->names_capacity ? table->names_capacity * 2 : 4096;
		while (cap < table->names_used + len)
			cap *= 2;
		char *names = realloc(table->names, cap);
		if (!names)
			return false;
		table->names = names;
		table->names_capacity = cap;
	}
	memcpy(table->names + table->names_used, name, len);
	*offset = table->names_used;
	table->names_used += len;
	return true;
}

static enum rs_size_kind size_kind_of_static(const struct rs_python *py, uint64_t type)
{
	const uint64_t *s = py->symbols;
	if (type == s[RS_SYM_PyList_Type])
		return RS_SIZE_LIST;
	if (type == s[RS_SYM_PyDict_Type])
		return RS_SIZE_DICT;
	if (type == s[RS_SYM_PySet_Type] || type == s[RS_SYM_PyFrozenSet_Type])
		return RS_SIZE_SET;
	if (type == s[RS_SYM_PyUnicode_Type])
		return RS_SIZE_STR;
	if (type == s[RS_SYM_PyByteArray_Type])
		return RS_SIZE_BYTEARRAY;
	if (type == s[RS_SYM_PyLong_Type])
		return RS_SIZE_INT;
	if (type == s[RS_SYM_PyType_Type])
		return RS_SIZE_TYPE;
	if (type == s[RS_SYM_PyGen_Type] || type == s[RS_SYM_PyCoro_Type] || type == s[RS_SYM_PyAsyncGen_Type])
		return RS_SIZE_GENERATOR;
	if (type == s[RS_SYM_PyFrame_Type])
		return RS_SIZE_FRAME;
	return RS_SIZE_PLAIN;
}

/* Instances size like the first built-in type up the tp_base chain that has
 * its own __sizeof__. */
static enum rs_size_kind size_kind_of(struct rs_memory *mem, const struct rs_python *py, uint64_t type)
{
	const struct rs_layout *l = &py->layout;
	for (int depth = 0; type && depth < TYPE_BASE_DEPTH_MAX; depth++) {
		enum rs_size_kind kind = size_kind_of_static(py, type);
		if (kind != RS_SIZE_PLAIN)
			return kind;
		rs_error *err = rs_mem_read_u64(mem, type + (uint64_t)RS_OFF(l, type_base), &type);
		if (err) {
			rs_error_free(err);
			break;
		}
	}
	return RS_SIZE_PLAIN;
}

#define TPFLAGS_TYPE_SUBCLASS (1ul << 31)

/* A type object's own type is type or a metatype: its flags say so. */
static rs_error *type_check_is_type(struct rs_memory *mem, const struct rs_layout *l, uint64_t address)
{
	uint64_t meta, meta_flags;
	rs_error *err = rs_mem_read_u64(mem, address + (uint64_t)RS_OFF(l, object_type), &meta);
	if (!err)
		err = rs_mem_read_u64(mem, meta + (uint64_t)RS_OFF(l, type_flags), &meta_flags);
	if (!err && !(meta_flags & TPFLAGS_TYPE_SUBCLASS))
		err = rs_error_new(RS_ERR_CORRUPT, "the object's ob_type points at something that is not a type");
	return err;
}

static void type_read(struct rs_type_info *info, struct rs_memory *mem, const struct rs_python *py,
		      char *name)
{
	const struct rs_layout *l = &py->layout;
	uint64_t address = info->public.address, name_ptr = 0;
	rs_error *err = type_check_is_type(mem, l, address);
	if (!err)
		err = rs_mem_read_u64(mem, address + (uint64_t)RS_OFF(l, type_name), &name_ptr);
	if (!err)
		err = rs_mem_read(mem, address + (uint64_t)RS_OFF(l, type_basicsize), &info->basicsize, 8);
	if (!err)
		err = rs_mem_read(mem, address + (uint64_t)RS_OFF(l, type_itemsize), &info->itemsize, 8);
	if (!err)
		err = rs_mem_read_u64(mem, address + (uint64_t)RS_OFF(l, type_flags), &info->public.flags);
	bool truncated = false;
	if (!err)
		err = rs_mem_read_cstr(mem, name_ptr, name, TYPE_NAME_MAX, &truncated);
	/* CPython's static names are ASCII and a class's is its __name__ in
	 * UTF-8: anything else means the type object is freed or corrupt. */
	if (!err && !rs_utf8_valid(name, truncated))
		err = rs_error_new(RS_ERR_CORRUPT, "its name at 0x%" PRIx64 " is not text", name_ptr);
	if (err) {
		rs_diag_add(mem->diag, "type object at 0x%" PRIx64 ": %s", address, rs_error_message(err));
		rs_error_free(err);
		snprintf(name, TYPE_NAME_MAX, "<unreadable type at 0x%" PRIx64 ">", address);
		return;
	}
	info->readable = true;
	info->size_kind = size_kind_of(mem, py, address);
	if (truncated)
		rs_diag_add(mem->diag, "type object at 0x%" PRIx64 ": name longer than %d bytes, cut",
			    address, TYPE_NAME_MAX - 1);
}

static uint32_t type_add(struct rs_type_table *table, struct rs_memory *mem, const struct rs_python *py,
			 uint64_t address)
{
	if (table->count == table->capacity) {
		uint32_t cap = table->capacity ? table->capacity * 2 : 256;
		struct rs_type_info *types = realloc(table->types, cap * sizeof(*types));
		if (!types)
			return UINT32_MAX;
		table->types = types;
		table->capacity = cap;
	}
	struct rs_type_info *info = &table->types[table->count];
	memset(info, 0, sizeof(*info));
	info->public.address = address;
	char name[TYPE_NAME_MAX];
	type_read(info, mem, py, name);
	if (!name_store(table, name, &info->name_offset))
		return UINT32_MAX;
	return table->count++;
}

uint32_t rs_type_table_lookup(struct rs_type_table *table, struct rs_memory *mem,
			      const struct rs_python *py, uint64_t address)
{
	if ((uint64_t)table->count * 2 >= table->n_slots && !slots_grow(table))
		return UINT32_MAX;
	uint32_t mask = table->n_slots - 1;
	uint32_t s = (uint32_t)slot_hash(address) & mask;
	while (table->slot_values[s]) {
		if (table->slot_keys[s] == address)
			return table->slot_values[s] - 1;
		s = (s + 1) & mask;
	}
	uint32_t index = type_add(table, mem, py, address);
	if (index == UINT32_MAX)
		return index;
	table->slot_keys[s] = address;
	table->slot_values[s] = index + 1;
	return index;
}

uint32_t rs_type_table_find(const struct rs_type_table *table, uint64_t address)
{
	if (!table->n_slots)
		return UINT32_MAX;
	uint32_t mask = table->n_slots - 1;
	for (uint32_t s = (uint32_t)slot_hash(address) & mask; table->slot_values[s]; s = (s + 1) & mask)
		if (table->slot_keys[s] == address)
			return table->slot_values[s] - 1;
	return UINT32_MAX;
}

void rs_type_table_finish(struct rs_type_table *table)
{
	for (uint32_t i = 0; i < table->count; i++)
		table->types[i].public.name = table->names + table->types[i].name_offset;
}

void rs_type_table_free(struct rs_type_table *table)
{
	free(table->types);
	free(table->slots);
	free(table->slot_keys);
	free(table->slot_values);
	free(table->names);
	memset(table, 0, sizeof(*table));
}
