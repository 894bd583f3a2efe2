/* What both harnesses do with a target that opened: everything a user's
 * command would, bounded so that one input stays fast. */
#ifndef REFSCOPE_FUZZ_EXERCISE_H
#define REFSCOPE_FUZZ_EXERCISE_H

#include "refscope.h"

/* Reads the version and layout, walks the gc lists, builds the graph and
 * runs every analysis (cycles, garbage, roots, a path, refcheck's inputs),
 * reprs and references of a sample of objects. When heap_out is not NULL
 * the walked heap is handed over instead of freed. */
void fuzz_exercise(rs_target *target, rs_heap **heap_out);

/* Called first by each harness: only this machine's debug info, never a
 * debuginfod server; and none of the system's (/usr/lib/debug) unless
 * REFSCOPE_FUZZ_DWARF is set, since reading python3.11-dbg's DWARF costs
 * most of an input's time and does not depend on the input: layouts come
 * from the built-in tables and _Py_DebugOffsets. */
void fuzz_environment(void);

/* Frees an error after reading what a caller would print of it. */
void fuzz_error_free(rs_error *err);

#endif
