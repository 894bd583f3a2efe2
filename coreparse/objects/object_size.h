#ifndef RS_OBJECTS_OBJECT_SIZE_H
#define RS_OBJECTS_OBJECT_SIZE_H

#include <inttypes.h>

#include "types.h"

/* sys.getsizeof(obj), given its type and its ob_size word (read with the header). */
rs_error *rs_object_size(struct rs_memory *mem, const struct rs_layout *layout,
			 const struct rs_type_info *type, uint64_t obj, int64_t ob_size, uint64_t *size);

/* rs_object_size for an object being recorded: a size that cannot be read
 * is reported (a warning naming the object and type) and marked
 * RS_SIZE_UNKNOWN in *flags, with size 0; one past UINT32_MAX is saturated
 * with a warning. Returns the size (0 when unknown). */
/* Begins the reads rs_object_size makes beyond the object's own bytes (a
 * dict's keys and values), which it reads itself: for callers that size
 * objects a few at a time behind the reads of the objects. */
void rs_object_size_prefetch(struct rs_memory *mem, const struct rs_layout *layout,
			     const struct rs_type_info *type, uint64_t obj);

uint64_t rs_object_size_record(struct rs_memory *mem, const struct rs_layout *layout,
			       const struct rs_type_info *type, const char *type_name, uint64_t obj,
			       int64_t ob_size, uint32_t *size, uint8_t *flags);

#endif
