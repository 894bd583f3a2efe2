/* A module's symbols sorted by address, for naming many addresses.
 *
 * libdw's dwfl_module_addrinfo reads the whole symbol table on every call:
 * naming the ~5,000 static roots of one heap took more than a second. The
 * table answers in O(log n) what libdw answers when a symbol with a size
 * covers the address; the sizeless case (assembly labels) goes to libdw. */
#ifndef RS_SYMBOLS_SYMBOL_TABLE_H
#define RS_SYMBOLS_SYMBOL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rs_symbol_entry {
	uint64_t start, end;  /* [start, end) at the load address */
	uint64_t end_max;     /* the largest end of this entry and every one before it */
	const char *name;     /* NULL: a symbol that names nothing (a section, a file) but covers */
	uint8_t binding;      /* higher is preferred: global 3, weak 2, local 1 */
};

struct rs_symbol_table {
	struct rs_symbol_entry *entries;
	size_t count;
};

enum rs_symbol_answer {
	RS_SYMBOL_FOUND,     /* *name and *offset set */
	RS_SYMBOL_NONE,      /* a sized symbol covers the address but names nothing: no name */
	RS_SYMBOL_UNSIZED,   /* no sized symbol covers it: ask libdw about sizeless ones */
};

struct Dwfl_Module;
/* False when out of memory. */
bool rs_symbol_table_build(struct Dwfl_Module *mod, struct rs_symbol_table *table);
void rs_symbol_table_free(struct rs_symbol_table *table);

/* The covering sized symbol with the highest start; among equal starts the
 * smallest, then the strongest binding. */
enum rs_symbol_answer rs_symbol_table_lookup(const struct rs_symbol_table *table, uint64_t address,
					     const char **name, uint64_t *offset);

#endif
