/* layout_cache.c: the offsets of rs_layout_from_dwarf kept on disk, by the
 * build-id of the module they were read for. */
#ifndef RS_PYTHON_LAYOUT_CACHE_H
#define RS_PYTHON_LAYOUT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"

/* true, with field filled, when this refscope build stored them for build_id. */
bool rs_layout_cache_load(const unsigned char *build_id, size_t len, int64_t field[RS_LF_COUNT]);
void rs_layout_cache_store(const unsigned char *build_id, size_t len, const int64_t field[RS_LF_COUNT]);

#endif
