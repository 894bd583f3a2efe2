/* The source line of an instruction of a code object, read from the
 * code's line table in target memory: what f_lineno and tracebacks say.
 *
 * Three formats, described in CPython's Objects/lnotab_notes.txt (and
 * Objects/locations.md, InternalDocs/code_objects.md) of each version:
 *  - 3.8-3.9 co_lnotab: (bytecode delta, signed line delta) byte pairs;
 *  - 3.10 co_linetable: (bytecode delta, signed line delta) pairs where
 *    -128 marks a range without a line;
 *  - 3.11+ co_linetable, the location table of PEP 626/657: entries of a
 *    head byte (bit 7 set, a 4-bit kind, a length in code units) and
 *    varint payload bytes (bit 7 clear).
 *
 * The table is read through a bounded buffer on the stack, nothing is
 * allocated but an error, and every loop is bounded by the table's length
 * (itself capped), so a corrupt table gives an error, never a hang. */
#ifndef RS_OBJECTS_CODE_LINES_H
#define RS_OBJECTS_CODE_LINES_H

#include <stdint.h>

#include "../python/layout.h"
#include "../target/memory.h"

/* The line of the instruction at byte offset `offset` of the bytecode of
 * the code object at `code` (3.10: twice f_lasti; 3.11+: the instruction
 * pointer minus co_code_adaptive), as PyCode_Addr2Line gives it; a negative
 * offset (a frame that has not started) is co_firstlineno's line, as there.
 * Errors: RS_ERR_FAULT (unreadable), RS_ERR_CORRUPT (a table that does not
 * parse, an offset past the code), RS_ERR_NOT_FOUND (the instruction has no
 * line), RS_ERR_UNSUPPORTED (the layout lacks a field it needs). */
rs_error *rs_code_line(struct rs_memory *mem, const struct rs_layout *layout, uint64_t code, int64_t offset,
		       int32_t *line);

#endif
