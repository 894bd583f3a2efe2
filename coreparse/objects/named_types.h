/* C types of CPython and of its standard library, recognised by tp_name and
 * version, whose tp_traverse is emulated from a table: the object fields it
 * visits, in its order, and for types that hold references outside fixed
 * fields (linked lists, arrays, hash tables) a function that visits those.
 *
 * A name counts only when the type's tp_traverse lies in the interpreter's
 * own module or in a standard-library extension module (lib-dynload), so
 * that a third-party type of the same name is never decoded by mistake.
 * Each entry was read from that version's source (Objects/, Python/,
 * Modules/) and is checked by tests/e2e/test_stdlib_types.py against
 * gc.get_referents on every interpreter. */
#ifndef RS_OBJECTS_NAMED_TYPES_H
#define RS_OBJECTS_NAMED_TYPES_H

#include "traverse_parts.h"

struct rs_named_field {
	uint16_t offset; /* from the object's start (ob_refcnt), in bytes */
	const char *name; /* the via label: the Python-visible attribute where there is one */
};
#define RS_NAMED_END {0, NULL}

/* Whether the instance's type is visited, beyond the fields. */
enum rs_named_type_visit {
	RS_NAMED_TYPE_DEFAULT, /* as refscope decides for any type: heap types from 3.9 */
	RS_NAMED_TYPE_NEVER,   /* the traverse does not visit Py_TYPE(self) */
	RS_NAMED_TYPE_ALWAYS,  /* it does, static type or not */
};

struct rs_named_type {
	const char *tp_name;        /* NULL ends a table */
	uint8_t minor_min, minor_max; /* 3.minor_min to 3.minor_max, inclusive */
	uint8_t type_visit;         /* enum rs_named_type_visit */
	const struct rs_named_field *fields; /* RS_NAMED_END-terminated; NULL: none */
	/* The references outside fixed fields, visited after them; NULL: none. */
	rs_error *(*more)(const struct rs_traversal *t);
};

#define RS_MINOR_LAST 99

/* The tables, one per family of types (a file each). */
extern const struct rs_named_type rs_named_types_core[];    /* Objects/, Python/ */
extern const struct rs_named_type rs_named_types_stdlib[];  /* _asyncio, _io, _functools, _collections,
							     * itertools, _operator */
extern const struct rs_named_type rs_named_types_modules[]; /* every other standard-library module */

/* Types that are no gc types in some versions yet hold strong references
 * (3.8's _abc_data): tp_traverse visits nothing, refcheck still counts them. */
extern const struct rs_named_type rs_named_types_plain[];

/* The entry for a type by its name, for this version; NULL when none. */
const struct rs_named_type *rs_named_type_find(const char *tp_name, unsigned minor);
const struct rs_named_type *rs_named_plain_type_find(const char *tp_name, unsigned minor);

/* The fields, then the rest (rs_type_info.named). */
rs_error *rs_traverse_named(const struct rs_traversal *t);

/* Helpers for the `more` functions: n object pointers from address, each
 * visited with RS_VIA_INDEX and its index (first + i), or with a field name. */
rs_error *rs_visit_pointer_array(const struct rs_traversal *t, uint64_t address, uint64_t n, uint64_t first);
rs_error *rs_visit_pointer_field(const struct rs_traversal *t, uint64_t address, const char *name);

#endif
