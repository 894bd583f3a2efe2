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

/* Frees an error after reading what a caller would print of it. */
void fuzz_error_free(rs_error *err);

#endif
