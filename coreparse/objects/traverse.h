/* Enumerating an object's references exactly as its type's tp_traverse does
 * (shared/cpython-internals.md section 6), over target memory.
 *
 * The emulation is chosen from the type object: static types by their
 * symbol address, Python classes by subtype_traverse, then their static
 * base. A type refscope cannot decode (a C extension's) is scanned
 * conservatively: words of its body that are addresses of known objects,
 * reported with RS_VIA_CONSERVATIVE so that no analysis mistakes them for
 * certain references. */
#ifndef RS_OBJECTS_TRAVERSE_H
#define RS_OBJECTS_TRAVERSE_H

#include "types.h"

enum rs_via_kind {
	RS_VIA_INDEX,        /* detail: the index in a list or tuple */
	RS_VIA_DICT_KEY,     /* detail: the key object (it is the referent) */
	RS_VIA_DICT_VALUE,   /* detail: the key object */
	RS_VIA_SET_ITEM,     /* detail: 0 */
	RS_VIA_ATTRIBUTE,    /* detail: the attribute name, a str object */
	RS_VIA_SLOT,         /* detail: address of the slot's C name string in the target */
	RS_VIA_FIELD,        /* detail: a const char * in refscope naming the field */
	RS_VIA_CONSERVATIVE, /* detail: byte offset in the object; for a block the object points to,
			      * offset << 32 | (offset in the block + 1) */
};

typedef void (*rs_visit_fn)(void *arg, uint64_t referent, enum rs_via_kind kind, uint64_t detail);

/* Tells whether address is an object already known to the caller; used by
 * conservative scans, which never invent objects. */
typedef bool (*rs_is_known_fn)(void *arg, uint64_t address);

struct rs_objmodel {
	struct rs_memory *mem;
	const struct rs_python *py;
	struct rs_type_table *types;
	uint64_t subtype_traverse;  /* the tp_traverse of Python classes */
	uint64_t set_dummy;         /* the set dummy key object */
	uint64_t base_exception;    /* BaseException */
	rs_is_known_fn is_known;
	void *is_known_arg;
};

/* Prepares the model once the gc-tracked types are known: learns
 * subtype_traverse from the heap when the symbol table lacks it. */
void rs_objmodel_init(struct rs_objmodel *m, struct rs_memory *mem, const struct rs_python *py,
		      struct rs_type_table *types);

/* Visits each reference of the object; NULL pointers are never visited. An
 * error means the object could not be read whole: what was visited stands. */
rs_error *rs_object_traverse(struct rs_objmodel *m, uint64_t obj, uint32_t type, rs_visit_fn visit, void *arg);

/* The parts of an object's traversal, for callers that want some only:
 * the attributes of a Python class instance, its type, its C base part. */
enum { RS_PART_INSTANCE = 1, RS_PART_TYPE = 2, RS_PART_BASE = 4, RS_PART_ALL = 7 };
rs_error *rs_object_traverse_parts(struct rs_objmodel *m, uint64_t obj, uint32_t type, unsigned parts,
				   rs_visit_fn visit, void *arg);

/* A 3.11+ interpreter frame of a thread's stack: its references (locals,
 * function, code, live stack), and the facts needed to walk and name it. */
struct rs_frame_info {
	uint64_t code;      /* the executable: a code object, or something else for shim frames */
	uint64_t previous;  /* the caller's frame */
	uint8_t owner;      /* 0: the thread's own frame */
};
rs_error *rs_interpreter_frame_traverse(struct rs_objmodel *m, uint64_t frame, rs_visit_fn visit, void *arg);
rs_error *rs_interpreter_frame_info(struct rs_objmodel *m, uint64_t frame, struct rs_frame_info *out);

/* False when rs_object_hidden_references visits nothing for any object
 * of type (most types). */
bool rs_type_hides_references(struct rs_objmodel *m, uint32_t type);
/* Strong references that tp_traverse does not report (code objects' fields,
 * heap types' names and subclasses), for explaining reference counts. */
rs_error *rs_object_hidden_references(struct rs_objmodel *m, uint64_t obj, uint32_t type, rs_visit_fn visit,
				      void *arg);

/* Decides, once, how instances of the type are traversed. */
void rs_type_classify(struct rs_objmodel *m, uint32_t type);

/* A bounded repr-like text of the object (object_repr.c). */
void rs_object_repr(struct rs_objmodel *m, uint64_t obj, uint32_t type, char *buf, size_t size);

/* Whether instances of the type take part in the collector (tp_traverse is
 * called for them): HAVE_GC, and for type objects only heap types. */
bool rs_object_is_gc(const struct rs_objmodel *m, uint32_t type, uint64_t obj);

#endif
