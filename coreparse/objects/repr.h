#ifndef RS_OBJECTS_REPR_H
#define RS_OBJECTS_REPR_H

#include "traverse.h"

/* The characters of a str as escaped UTF-8, at most size-1 bytes; *cut
 * when it did not fit. */
rs_error *rs_str_text(struct rs_memory *mem, const struct rs_layout *layout, uint64_t str, char *buf,
		      size_t size, bool *cut);

/* A dict key as a label shows it: 'name', 42, or its address. */
void rs_key_text(struct rs_objmodel *m, uint64_t key, char *buf, size_t size);

/* The label of one reference: "[3]", "['users']", ".session", ".__dict__". */
void rs_via_text(struct rs_objmodel *m, enum rs_via_kind kind, uint64_t detail, char *buf, size_t size);

#endif
