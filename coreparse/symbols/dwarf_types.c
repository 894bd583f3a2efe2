#include "dwarf_types.h"

#include <dwarf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct rs_dwarf_types {
	size_t count;
	const char *const *names;
	Dwarf_Die *dies;   /* the struct or union each name resolves to */
	bool *found;
};

/* Follows typedefs and qualifiers to the struct, union or base type below. */
static bool type_strip(Dwarf_Die *die)
{
	for (int depth = 0; depth < 16; depth++) {
		int tag = dwarf_tag(die);
		if (tag != DW_TAG_typedef && tag != DW_TAG_const_type && tag != DW_TAG_volatile_type &&
		    tag != DW_TAG_atomic_type && tag != DW_TAG_restrict_type)
			return true;
		Dwarf_Attribute attr;
		if (!dwarf_attr_integrate(die, DW_AT_type, &attr) || !dwarf_formref_die(&attr, die))
			return false;
	}
	return false;
}

static bool type_is_complete(Dwarf_Die *die)
{
	int tag = dwarf_tag(die);
	return (tag == DW_TAG_structure_type || tag == DW_TAG_union_type) &&
	       !dwarf_hasattr(die, DW_AT_declaration) && dwarf_haschildren(die);
}

static void index_unit_top_level(struct rs_dwarf_types *types, Dwarf_Die *unit)
{
	Dwarf_Die child;
	if (dwarf_child(unit, &child) != 0)
		return;
	do {
		int tag = dwarf_tag(&child);
		if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type && tag != DW_TAG_typedef)
			continue;
		const char *name = dwarf_diename(&child);
		if (!name)
			continue;
		for (size_t i = 0; i < types->count; i++) {
			if (types->found[i] || strcmp(types->names[i], name) != 0)
				continue;
			Dwarf_Die target = child;
			if (type_strip(&target) && type_is_complete(&target)) {
				types->dies[i] = target;
				types->found[i] = true;
			}
		}
	} while (dwarf_siblingof(&child, &child) == 0);
}

static size_t index_dwarf(struct rs_dwarf_types *types, Dwarf *dwarf)
{
	Dwarf_Off off = 0, next;
	size_t header_size;
	size_t missing = types->count;
	while (missing && dwarf_nextcu(dwarf, off, &next, &header_size, NULL, NULL, NULL) == 0) {
		Dwarf_Die unit;
		if (dwarf_offdie(dwarf, off + header_size, &unit))
			index_unit_top_level(types, &unit);
		off = next;
		missing = 0;
		for (size_t i = 0; i < types->count; i++)
			missing += !types->found[i];
	}
	return missing;
}

struct rs_dwarf_types *rs_dwarf_types_index(Dwarf *dwarf, const char *const *names, size_t n)
{
	struct rs_dwarf_types *types = calloc(1, sizeof(*types));
	if (!types)
		return NULL;
	types->count = n;
	types->names = names;
	types->dies = calloc(n, sizeof(*types->dies));
	types->found = calloc(n, sizeof(*types->found));
	if (!types->dies || !types->found) {
		rs_dwarf_types_free(types);
		return NULL;
	}
	if (index_dwarf(types, dwarf) > 0) {
		Dwarf *alt = dwarf_getalt(dwarf);
		if (alt)
			index_dwarf(types, alt);
	}
	return types;
}

void rs_dwarf_types_free(struct rs_dwarf_types *types)
{
	if (!types)
		return;
	free(types->dies);
	free(types->found);
	free(types);
}

static const Dwarf_Die *types_lookup(const struct rs_dwarf_types *types, const char *type)
{
	for (size_t i = 0; i < types->count; i++)
		if (types->found[i] && strcmp(types->names[i], type) == 0)
			return &types->dies[i];
	return NULL;
}

static int64_t member_location(Dwarf_Die *member)
{
	Dwarf_Attribute attr;
	Dwarf_Word off;
	/* DWARF 5 places bit-fields by DW_AT_data_bit_offset alone. */
	if (dwarf_attr_integrate(member, DW_AT_data_bit_offset, &attr))
		return dwarf_formudata(&attr, &off) == 0 ? (int64_t)(off / 8) : -1;
	if (!dwarf_attr_integrate(member, DW_AT_data_member_location, &attr))
		return 0; /* union members have none */
	if (dwarf_formudata(&attr, &off) != 0)
		return -1;
	return (int64_t)off;
}

/* Finds the member named name among the children of aggregate, looking
 * through anonymous members; on success *member is it and its offset returned. */
static int64_t member_find(Dwarf_Die *aggregate, const char *name, size_t name_len, Dwarf_Die *member,
			   int depth)
{
	Dwarf_Die child;
	if (depth > 8 || dwarf_child(aggregate, &child) != 0)
		return -1;
	do {
		if (dwarf_tag(&child) != DW_TAG_member)
			continue;
		const char *cname = dwarf_diename(&child);
		int64_t loc = member_location(&child);
		if (cname && strlen(cname) == name_len && memcmp(cname, name, name_len) == 0) {
			*member = child;
			return loc;
		}
		if (!cname && loc >= 0) {
			Dwarf_Attribute attr;
			Dwarf_Die inner;
			if (!dwarf_attr_integrate(&child, DW_AT_type, &attr) || !dwarf_formref_die(&attr, &inner) ||
			    !type_strip(&inner))
				continue;
			int64_t found = member_find(&inner, name, name_len, member, depth + 1);
			if (found >= 0)
				return loc + found;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	return -1;
}

int64_t rs_dwarf_member_offset(const struct rs_dwarf_types *types, const char *type, const char *path)
{
	const Dwarf_Die *top = types_lookup(types, type);
	if (!top)
		return -1;
	Dwarf_Die aggregate = *top;
	int64_t total = 0;
	for (;;) {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);
		Dwarf_Die member;
		int64_t off = member_find(&aggregate, path, len, &member, 0);
		if (off < 0)
			return -1;
		total += off;
		if (!dot)
			return total;
		Dwarf_Attribute attr;
		if (!dwarf_attr_integrate(&member, DW_AT_type, &attr) || !dwarf_formref_die(&attr, &aggregate) ||
		    !type_strip(&aggregate))
			return -1;
		path = dot + 1;
	}
}

int64_t rs_dwarf_type_size(const struct rs_dwarf_types *types, const char *type)
{
	const Dwarf_Die *die = types_lookup(types, type);
	if (!die)
		return -1;
	Dwarf_Die copy = *die;
	int size = dwarf_bytesize(&copy);
	return size < 0 ? -1 : size;
}
