/* A JSON array whose rows are built only while the document is printed,
 * one at a time, and freed at once: the rows of a large answer (every
 * cycle, every garbage group, each with its members) never all exist as
 * json-c objects together. The text printed is the same as for an array of
 * the built rows. Rendering code cannot read such rows: use it for --json. */
#ifndef RS_COMMANDS_LAZY_ARRAY_H
#define RS_COMMANDS_LAZY_ARRAY_H

#include <json-c/json.h>
#include <stddef.h>

typedef json_object *rs_lazy_row_fn(void *state, size_t i);

/* An array of n rows, row i being build(state, i). state_free(state) runs
 * when the array is freed (at once when n is 0). NULL when out of memory
 * (state_free has run then too). */
json_object *rs_lazy_array_new(size_t n, rs_lazy_row_fn *build, void *state, void (*state_free)(void *state));

#endif
