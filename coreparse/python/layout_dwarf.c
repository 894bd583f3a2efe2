#include <stdlib.h>
#include <string.h>

#include "layout.h"

const char *const rs_layout_field_names[RS_LF_COUNT] = {
#define RS_LAYOUT_NAME(name, type, path) #name,
	RS_LAYOUT_FIELDS(RS_LAYOUT_NAME)
#undef RS_LAYOUT_NAME
};

struct dwarf_field {
	const char *type;
	const char *paths; /* alternatives split by '|', or "sizeof" */
};

static const struct dwarf_field dwarf_fields[RS_LF_COUNT] = {
#define RS_LAYOUT_DWARF(name, type, path) {type, path},
	RS_LAYOUT_FIELDS(RS_LAYOUT_DWARF)
#undef RS_LAYOUT_DWARF
};

/* The distinct type names of the table, for one indexing pass. */
static size_t dwarf_type_names(const char **names)
{
	size_t n = 0;
	for (size_t i = 0; i < RS_LF_COUNT; i++) {
		bool seen = false;
		for (size_t j = 0; j < n && !seen; j++)
			seen = strcmp(names[j], dwarf_fields[i].type) == 0;
		if (!seen)
			names[n++] = dwarf_fields[i].type;
	}
	return n;
}

static int64_t dwarf_field_value(const struct rs_dwarf_types *types, const struct dwarf_field *field)
{
	if (strcmp(field->paths, "sizeof") == 0)
		return rs_dwarf_type_size(types, field->type);
	char buf[128];
	const char *alt = field->paths;
	while (alt) {
		const char *bar = strchr(alt, '|');
		size_t len = bar ? (size_t)(bar - alt) : strlen(alt);
		if (len >= sizeof(buf))
			return -1;
		memcpy(buf, alt, len);
		buf[len] = '\0';
		int64_t off = rs_dwarf_member_offset(types, field->type, buf);
		if (off >= 0)
			return off;
		alt = bar ? bar + 1 : NULL;
	}
	return -1;
}

size_t rs_layout_from_dwarf(Dwarf *dwarf, struct rs_layout *layout)
{
	const char *names[RS_LF_COUNT];
	size_t n_names = dwarf_type_names(names);
	struct rs_dwarf_types *types = rs_dwarf_types_index(dwarf, names, n_names);
	if (!types)
		return 0;
	size_t found = 0;
	for (size_t i = 0; i < RS_LF_COUNT; i++) {
		int64_t value = dwarf_field_value(types, &dwarf_fields[i]);
		layout->field[i] = value;
		found += value >= 0;
	}
	rs_dwarf_types_free(types);
	return found;
}
