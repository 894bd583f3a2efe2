/* The pieces of traversal, one file each: instance parts of Python classes
 * (traverse_instance.c), containers (traverse_containers.c), types with a
 * fixed list of fields (traverse_fields.c), conservative scans. */
#ifndef RS_OBJECTS_TRAVERSE_PARTS_H
#define RS_OBJECTS_TRAVERSE_PARTS_H

#include "traverse.h"

struct rs_traversal {
	struct rs_objmodel *m;
	uint64_t obj;
	const struct rs_type_info *type;
	rs_visit_fn visit;
	void *arg;
};

/* The object's ob_refcnt, where the offsets of refscope's own tables of
 * object fields count from (RS_HEAD): t->obj but in Py_TRACE_REFS builds. */
static inline uint64_t rs_head(const struct rs_traversal *t)
{
	return t->obj + RS_HEAD(&t->m->py->layout);
}

static inline void rs_visit_nonnull(const struct rs_traversal *t, uint64_t referent, enum rs_via_kind kind,
				    uint64_t detail)
{
	if (referent)
		t->visit(t->arg, referent, kind, detail);
}

/* traverse_fields.c: the traversal kind of a static type, by its address;
 * *fields says which field list for RS_TRAV_FIELDS. */
enum rs_trav_kind rs_static_trav_kind(const struct rs_objmodel *m, uint64_t type, uint8_t *fields);
rs_error *rs_traverse_fields(const struct rs_traversal *t);
rs_error *rs_traverse_cfunction(const struct rs_traversal *t);
rs_error *rs_traverse_heap_type(const struct rs_traversal *t);
rs_error *rs_traverse_module(const struct rs_traversal *t);

/* Exception subclasses with fields of their own (rs_type_info.fields). */
enum rs_exception_family {
	RS_EXC_PLAIN,
	RS_EXC_SYNTAX,
	RS_EXC_IMPORT,
	RS_EXC_OS,
	RS_EXC_STOP_ITERATION,
	RS_EXC_SYSTEM_EXIT,
	RS_EXC_NAME,
	RS_EXC_ATTRIBUTE,
	RS_EXC_UNICODE,
	RS_EXC_GROUP,
};
#define RS_FIELDS_EXCEPTION 7 /* the field list of BaseException itself (traverse_fields.c) */

/* traverse_stdlib.c */
rs_error *rs_traverse_exception(const struct rs_traversal *t);
rs_error *rs_traverse_odict(const struct rs_traversal *t);
rs_error *rs_traverse_defaultdict(const struct rs_traversal *t);
rs_error *rs_traverse_deque(const struct rs_traversal *t);
rs_error *rs_traverse_partial(const struct rs_traversal *t);

/* traverse_frames.c */
rs_error *rs_traverse_frame(const struct rs_traversal *t);
rs_error *rs_traverse_generator(const struct rs_traversal *t, bool async);

/* traverse_containers.c */
rs_error *rs_traverse_list(const struct rs_traversal *t);
rs_error *rs_traverse_tuple(const struct rs_traversal *t);
rs_error *rs_traverse_set(const struct rs_traversal *t);
rs_error *rs_traverse_dict(const struct rs_traversal *t, uint64_t dict);

/* traverse_instance.c: slots and __dict__ of a Python class instance. */
rs_error *rs_traverse_instance(const struct rs_traversal *t);

/* traverse_conservative.c */
rs_error *rs_traverse_conservative(const struct rs_traversal *t);
/* Scans [start, start+size) for addresses of known objects; offsets in
 * labels count from start + label_base. */
rs_error *rs_scan_conservative(const struct rs_traversal *t, uint64_t start, uint64_t size, uint64_t label_base);

/* The part below any Python class: the static base's own traversal. */
rs_error *rs_traverse_base(const struct rs_traversal *t);

#endif
