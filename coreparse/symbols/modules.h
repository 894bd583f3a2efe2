/* Modules of a target, their symbols and debug info, through libdwfl.
 *
 * libdwfl reports the modules (from a core's link map and NT_FILE note, or
 * from /proc/PID/maps) and finds their files and debug info (build-id paths,
 * .gnu_debuglink, --debug-dir roots). Memory is never read through libdwfl:
 * that stays with target/. */
#ifndef RS_SYMBOLS_MODULES_H
#define RS_SYMBOLS_MODULES_H

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdbool.h>
#include <stdint.h>

#include "../target/memory.h"
#include "symbol_table.h"

struct rs_module {
	Dwfl_Module *dwfl_module;
	const char *name;
	uint64_t start, end;
	struct rs_symbol_table symbols; /* built by the first rs_module_symbolize */
	bool symbols_built;
};

struct rs_modules {
	const char *root; /* the target's root (rs_memory's), or NULL */
	pid_t pid;        /* a live target's, else 0 */
	Dwfl *dwfl;
	Dwfl_Callbacks callbacks; /* dwfl's, with debuginfo_path */
	char *debuginfo_path;
	struct rs_module *list;
	size_t count;
};

/* system_debug_dir: the system's debug root (normally /usr/lib/debug). */
rs_error *rs_modules_report(struct rs_memory *mem, const char *const *debug_dirs, size_t n_debug_dirs,
			    const char *system_debug_dir, struct rs_modules **out);
void rs_modules_free(struct rs_modules *mods);

struct rs_symbol_query {
	const char *name;
	bool found;
	uint64_t address; /* load address in the target */
	uint64_t size;
};

/* Fills every query that the module's symbol table (.symtab of the debug file
 * when found, else .dynsym) defines; one pass over the table. */
void rs_module_symbols_find(const struct rs_module *mod, struct rs_symbol_query *queries, size_t n);

/* A section of the module's main file, at its load address. */
bool rs_module_section_find(const struct rs_module *mod, const char *name, uint64_t *address,
			    uint64_t *size);

/* Calls fn with [start, end) of each writable segment the module loaded. */
void rs_module_writable_ranges(const struct rs_module *mod, void (*fn)(void *arg, uint64_t start, uint64_t end),
			       void *arg);

/* "symbol+0x10" for an address inside the module; false when no symbol covers it. */
bool rs_module_symbolize(struct rs_module *mod, uint64_t address, char *buf, size_t size);

/* The file the module was loaded from, as found on disk; NULL if not found. */
const char *rs_module_file_path(const struct rs_module *mod);

/* The module's DWARF, or NULL when no debug info was found. */
Dwarf *rs_module_dwarf(const struct rs_module *mod);

/* The module's build-id (0: none known). */
size_t rs_module_build_id(const struct rs_module *mod, const unsigned char **id);

/* Whether libdwfl found a separate debug file of the module's build (with
 * the symbol table: call after rs_module_symbols_find), its DWARF unread. */
bool rs_module_debug_file_present(const struct rs_module *mod);

#endif
