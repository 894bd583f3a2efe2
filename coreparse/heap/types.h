/* The type objects met during a walk, read once each and cached by address. */
#ifndef RS_HEAP_TYPES_H
#define RS_HEAP_TYPES_H

#include "../python/python.h"

/* How sys.getsizeof sizes instances: by the static base type the type derives from. */
enum rs_size_kind {
	RS_SIZE_PLAIN, /* object.__sizeof__: basicsize + itemsize * |ob_size| */
	RS_SIZE_LIST,
	RS_SIZE_DICT,
	RS_SIZE_SET,
	RS_SIZE_STR,
	RS_SIZE_BYTEARRAY,
	RS_SIZE_INT,
	RS_SIZE_TYPE,
};

struct rs_type_info {
	struct rs_type public; /* address, name, flags */
	int64_t basicsize, itemsize;
	enum rs_size_kind size_kind;
	bool readable;
	size_t name_offset;    /* in the table's names, until rs_type_table_finish */
};

struct rs_type_table {
	struct rs_type_info *types;
	uint32_t count, capacity;
	uint64_t *slot_keys;   /* open addressing: type address -> index + 1 */
	uint32_t *slot_values;
	uint32_t n_slots;      /* a power of two */
	char *names;           /* all names, NUL-separated */
	size_t names_used, names_capacity;
};

/* The index of the type at address, reading it on first sight; UINT32_MAX when out of memory. */
uint32_t rs_type_table_lookup(struct rs_type_table *table, struct rs_memory *mem,
			      const struct rs_python *py, uint64_t address);
/* Gives every type its name pointer once no more names will be added. */
void rs_type_table_finish(struct rs_type_table *table);
void rs_type_table_free(struct rs_type_table *table);

#endif
