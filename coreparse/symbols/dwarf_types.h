/* Struct layouts read from DWARF: member offsets looked up by name. */
#ifndef RS_SYMBOLS_DWARF_TYPES_H
#define RS_SYMBOLS_DWARF_TYPES_H

#include <elfutils/libdw.h>
#include <stddef.h>
#include <stdint.h>

struct rs_dwarf_types;

/* Indexes the complete definitions of the named structs, unions and typedefs,
 * in one pass over the top level of every unit (the dwz alternate file too). */
struct rs_dwarf_types *rs_dwarf_types_index(Dwarf *dwarf, const char *const *names, size_t n);
void rs_dwarf_types_free(struct rs_dwarf_types *types);

/* Offset of a member given as a dotted path ("interpreters.head"); members of
 * anonymous structs and unions are found through them. -1 when absent. */
int64_t rs_dwarf_member_offset(const struct rs_dwarf_types *types, const char *type, const char *path);
int64_t rs_dwarf_type_size(const struct rs_dwarf_types *types, const char *type);

#endif
