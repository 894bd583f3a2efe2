#ifndef RS_OBJECTS_OBJECT_SIZE_H
#define RS_OBJECTS_OBJECT_SIZE_H

#include <inttypes.h>

#include "types.h"

/* sys.getsizeof(obj), given its type and its ob_size word (read with the header). */
rs_error *rs_object_size(struct rs_memory *mem, const struct rs_layout *layout,
			 const struct rs_type_info *type, uint64_t obj, int64_t ob_size, uint64_t *size);

#endif
