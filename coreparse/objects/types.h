/* The type objects met during a walk, read once each and cached by address. */
#ifndef RS_OBJECTS_TYPES_H
#define RS_OBJECTS_TYPES_H

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
	RS_SIZE_GENERATOR, /* generators, coroutines, async generators: by their code (3.11+) */
	RS_SIZE_FRAME,     /* frame objects: by their code */
};

/* How the part of an instance below any Python class is traversed. */
enum rs_trav_kind {
	RS_TRAV_NONE,          /* no tp_traverse (object, atomic types) */
	RS_TRAV_LIST,
	RS_TRAV_TUPLE,
	RS_TRAV_DICT,
	RS_TRAV_SET,
	RS_TRAV_FIELDS,        /* a fixed list of object fields (cell, method, function, ...) */
	RS_TRAV_TYPE,
	RS_TRAV_CFUNCTION,
	RS_TRAV_MODULE,
	RS_TRAV_FRAME,
	RS_TRAV_GENERATOR,     /* generators and coroutines */
	RS_TRAV_ASYNC_GENERATOR,
	RS_TRAV_CONSERVATIVE,  /* a C type refscope cannot decode */
	RS_TRAV_METATYPE,      /* a C metatype: type fields exactly, its own fields conservatively */
	RS_TRAV_EXCEPTION,     /* BaseException's fields, then those of the subclass (fields) */
	RS_TRAV_ODICT,
	RS_TRAV_DEFAULTDICT,
	RS_TRAV_DEQUE,
	RS_TRAV_PARTIAL,
	RS_TRAV_NAMED,         /* a standard-library C type from the tables of named_types.h */
};

/* How a managed __dict__ (3.11+) or a tp_dictoffset dict is reached. */
enum rs_dict_rule {
	RS_DICT_NONE,
	RS_DICT_OFFSET,        /* *(obj + tp_dictoffset), negative offsets from the end */
	RS_DICT_MANAGED,       /* the version's managed-dict rule */
};

struct rs_named_type;

struct rs_type_info {
	struct rs_type public; /* address, name, flags */
	int64_t basicsize, itemsize;
	enum rs_size_kind size_kind;
	bool readable;
	/* Traversal, decided on first need (rs_objmodel types_classify). */
	bool trav_ready;
	bool subtype;          /* a Python class: its slots and dict are visited */
	bool visit_type;       /* instances visit their (heap) type */
	uint8_t trav_kind;     /* enum rs_trav_kind of the static base */
	uint8_t dict_rule;     /* enum rs_dict_rule */
	uint8_t fields;        /* RS_TRAV_FIELDS: which field list */
	bool dictoffset_too;   /* 3.11: the dict pointer too, after managed values */
	int64_t dictoffset;
	uint64_t cached_keys;  /* ht_cached_keys, for attribute names and counts */
	uint32_t slots_start, slots_count; /* in the table's slots */
	const struct rs_named_type *named; /* RS_TRAV_NAMED: its table entry */
	uint64_t c_base;       /* the type itself, or for a Python class the first base that is none */
	uint32_t scan_from;    /* RS_TRAV_CONSERVATIVE: where the scan starts (past a builtin base's body) */
	size_t name_offset;    /* in the table's names, until rs_type_table_finish */
};

/* A __slots__ member of a Python class: where it is, what it is called. */
struct rs_slot {
	uint64_t offset;
	uint64_t name;         /* char * in the target */
};

struct rs_type_table {
	struct rs_type_info *types;
	struct rs_slot *slots;
	uint32_t slot_count, slot_capacity;
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
/* The index of the type at address when it was met already; UINT32_MAX if not. */
uint32_t rs_type_table_find(const struct rs_type_table *table, uint64_t address);
/* Gives every type its name pointer once no more names will be added. */
void rs_type_table_finish(struct rs_type_table *table);
void rs_type_table_free(struct rs_type_table *table);

#endif
