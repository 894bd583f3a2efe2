#include <stdlib.h>
#include <string.h>

#include "layout.h"

const char *const rs_layout_field_names[RS_LF_COUNT] = {
#define RS_LAYOUT_NAME(name, type, path) #name,
	RS_LAYOUT_FIELDS(RS_LAYOUT_NAME)
#undef RS_LAYOUT_NAME
};

struct dwarf_field {
	const char *types; /* alternatives split by '|' */
	const char *paths; /* alternatives split by '|', or "sizeof" */
};

static const struct dwarf_field dwarf_fields[RS_LF_COUNT] = {
#define RS_LAYOUT_DWARF(name, type, path) {type, path},
	RS_LAYOUT_FIELDS(RS_LAYOUT_DWARF)
#undef RS_LAYOUT_DWARF
};

#define NAME_MAX_LEN 64

/* The i-th of the alternatives split by '|' into buf; false past the last. */
static bool alternative(const char *list, size_t i, char *buf, size_t size)
{
	for (; i > 0 && list; i--) {
		list = strchr(list, '|');
		list = list ? list + 1 : NULL;
	}
	if (!list)
		return false;
	const char *bar = strchr(list, '|');
	size_t len = bar ? (size_t)(bar - list) : strlen(list);
	if (len >= size)
		return false;
	memcpy(buf, list, len);
	buf[len] = '\0';
	return true;
}

/* The distinct type names of the table, for one indexing pass; names point
 * into storage (RS_LF_COUNT * 2 names of NAME_MAX_LEN). */
static size_t dwarf_type_names(const char **names, char (*storage)[NAME_MAX_LEN])
{
	size_t n = 0;
	for (size_t i = 0; i < RS_LF_COUNT; i++) {
		char name[NAME_MAX_LEN];
		for (size_t k = 0; alternative(dwarf_fields[i].types, k, name, sizeof(name)); k++) {
			bool seen = false;
			for (size_t j = 0; j < n && !seen; j++)
				seen = strcmp(names[j], name) == 0;
			if (seen || n == 2 * RS_LF_COUNT)
				continue;
			memcpy(storage[n], name, sizeof(name));
			names[n] = storage[n];
			n++;
		}
	}
	return n;
}

static int64_t dwarf_field_value(const struct rs_dwarf_types *types, const struct dwarf_field *field)
{
	char type[NAME_MAX_LEN], path[128];
	for (size_t t = 0; alternative(field->types, t, type, sizeof(type)); t++) {
		if (strcmp(field->paths, "sizeof") == 0) {
			int64_t size = rs_dwarf_type_size(types, type);
			if (size >= 0)
				return size;
			continue;
		}
		for (size_t p = 0; alternative(field->paths, p, path, sizeof(path)); p++) {
			int64_t off = rs_dwarf_member_offset(types, type, path);
			if (off >= 0)
				return off;
		}
	}
	return -1;
}

size_t rs_layout_from_dwarf(Dwarf *dwarf, struct rs_layout *layout)
{
	const char *names[2 * RS_LF_COUNT];
	char (*storage)[NAME_MAX_LEN] = calloc(2 * RS_LF_COUNT, NAME_MAX_LEN);
	if (!storage)
		return 0;
	size_t n_names = dwarf_type_names(names, storage);
	struct rs_dwarf_types *types = rs_dwarf_types_index(dwarf, names, n_names);
	if (!types) {
		free(storage);
		return 0;
	}
	size_t found = 0;
	for (size_t i = 0; i < RS_LF_COUNT; i++) {
		int64_t value = dwarf_field_value(types, &dwarf_fields[i]);
		layout->field[i] = value;
		found += value >= 0;
	}
	rs_dwarf_types_free(types);
	free(storage);
	return found;
}
