/* Choosing each type's traversal once, and dispatching to it. */
#include "traverse.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "named_types.h"
#include "traverse_parts.h"

#define TPFLAGS_HEAPTYPE (1ul << 9)
#define TPFLAGS_HAVE_GC (1ul << 14)
#define TPFLAGS_TYPE_SUBCLASS (1ul << 31)
#define TPFLAGS_MANAGED_DICT (1ul << 4)
#define BASE_DEPTH_MAX 64
#define MEMBER_OBJECT_EX 16 /* T_OBJECT_EX, Py_T_OBJECT_EX */
#define MEMBER_DEF_SIZE 40
#define SLOTS_PER_TYPE_MAX 4096

static uint64_t deref(struct rs_memory *mem, uint64_t pointer_variable)
{
	uint64_t value = 0;
	if (pointer_variable) {
		rs_error *err = rs_mem_read_u64(mem, pointer_variable, &value);
		rs_error_free(err);
	}
	return value;
}

/* Without .symtab, subtype_traverse is learned from the heap: it is the
 * tp_traverse shared by the heap types that derive directly from object and
 * have an instance dict, which C extension types hardly ever do. */
static uint64_t subtype_traverse_learn(struct rs_memory *mem, const struct rs_python *py,
				       const struct rs_type_table *types)
{
	const struct rs_layout *l = &py->layout;
	uint64_t best = 0;
	uint32_t best_votes = 0;
	uint64_t candidates[64];
	uint32_t votes[64] = {0};
	size_t n = 0;
	for (uint32_t i = 0; i < types->count; i++) {
		const struct rs_type_info *t = &types->types[i];
		uint64_t base = 0, traverse = 0;
		int64_t dictoffset = 0;
		if (!t->readable || !(t->public.flags & TPFLAGS_HEAPTYPE))
			continue;
		rs_error *err = rs_mem_read_u64(mem, t->public.address + (uint64_t)RS_OFF(l, type_base), &base);
		if (!err)
			err = rs_mem_read_u64(mem, t->public.address + (uint64_t)RS_OFF(l, type_traverse), &traverse);
		if (!err)
			err = rs_mem_read(mem, t->public.address + (uint64_t)RS_OFF(l, type_dictoffset), &dictoffset, 8);
		rs_error_free(err);
		if (err || base != py->symbols[RS_SYM_PyBaseObject_Type] || !traverse ||
		    (dictoffset == 0 && !(t->public.flags & TPFLAGS_MANAGED_DICT)))
			continue;
		size_t c = 0;
		while (c < n && candidates[c] != traverse)
			c++;
		if (c == n && n < 64)
			candidates[n++] = traverse;
		if (c < n && ++votes[c] > best_votes) {
			best_votes = votes[c];
			best = traverse;
		}
	}
	return best;
}

void rs_objmodel_init(struct rs_objmodel *m, struct rs_memory *mem, const struct rs_python *py,
		      struct rs_type_table *types)
{
	memset(m, 0, sizeof(*m));
	m->mem = mem;
	m->py = py;
	m->types = types;
	m->set_dummy = deref(mem, py->symbols[RS_SYM_PySet_Dummy]);
	m->base_exception = deref(mem, py->symbols[RS_SYM_PyExc_BaseException]);
	m->subtype_traverse = py->symbols[RS_SYM_subtype_traverse];
	if (!m->subtype_traverse)
		m->subtype_traverse = subtype_traverse_learn(mem, py, types);
}

struct type_fields {
	uint64_t traverse, base, members, flags;
	int64_t dictoffset, nmembers;
};

static rs_error *type_fields_read(struct rs_memory *mem, const struct rs_layout *l, uint64_t type,
				  struct type_fields *f)
{
	rs_error *err = rs_mem_read_u64(mem, type + (uint64_t)RS_OFF(l, type_traverse), &f->traverse);
	if (!err)
		err = rs_mem_read_u64(mem, type + (uint64_t)RS_OFF(l, type_base), &f->base);
	if (!err)
		err = rs_mem_read_u64(mem, type + (uint64_t)RS_OFF(l, type_members), &f->members);
	if (!err)
		err = rs_mem_read_u64(mem, type + (uint64_t)RS_OFF(l, type_flags), &f->flags);
	if (!err)
		err = rs_mem_read(mem, type + (uint64_t)RS_OFF(l, type_dictoffset), &f->dictoffset, 8);
	if (!err)
		err = rs_mem_read(mem, type + (uint64_t)RS_OFF(l, varobject_size), &f->nmembers, 8);
	return err;
}

static bool slot_add(struct rs_type_table *table, uint64_t offset, uint64_t name)
{
	if (table->slot_count == table->slot_capacity) {
		uint32_t cap = table->slot_capacity ? 2 * table->slot_capacity : 64;
		struct rs_slot *slots = realloc(table->slots, cap * sizeof(*slots));
		if (!slots)
			return false;
		table->slots = slots;
		table->slot_capacity = cap;
	}
	table->slots[table->slot_count++] = (struct rs_slot){offset, name};
	return true;
}

/* The T_OBJECT_EX members (__slots__) a Python class level defines. */
static rs_error *slots_collect(struct rs_objmodel *m, const struct type_fields *f, struct rs_type_info *info)
{
	if (f->nmembers <= 0 || !f->members)
		return NULL;
	if (f->nmembers > SLOTS_PER_TYPE_MAX)
		return rs_error_new(RS_ERR_CORRUPT, "type at 0x%" PRIx64 " claims %" PRId64 " slots",
				    info->public.address, f->nmembers);
	for (int64_t i = 0; i < f->nmembers; i++) {
		unsigned char def[MEMBER_DEF_SIZE]; /* name@0, type int@8, offset@16, flags@24 */
		rs_error *err = rs_mem_read(m->mem, f->members + (uint64_t)i * MEMBER_DEF_SIZE, def, sizeof(def));
		if (err)
			return err;
		uint64_t name, offset;
		int32_t type;
		memcpy(&name, def, 8);
		memcpy(&type, def + 8, 4);
		memcpy(&offset, def + 16, 8);
		if (type == MEMBER_OBJECT_EX && !slot_add(m->types, offset, name))
			return rs_error_nomem();
	}
	info->slots_count = m->types->slot_count - info->slots_start;
	return NULL;
}

/* The instance part of a Python class: slots of every Python level, then
 * where its dict is; *base_out is the first base that is not a Python class. */
static rs_error *classify_subtype(struct rs_objmodel *m, struct rs_type_info *info, const struct type_fields *own,
				  uint64_t *base_out, struct type_fields *base_fields)
{
	const struct rs_layout *l = &m->py->layout;
	struct type_fields f = *own;
	uint64_t base = info->public.address;
	info->slots_start = m->types->slot_count;
	for (int depth = 0; f.traverse == m->subtype_traverse; depth++) {
		if (depth >= BASE_DEPTH_MAX || !f.base)
			return rs_error_new(RS_ERR_CORRUPT, "type at 0x%" PRIx64 ": tp_base chain too long",
					    info->public.address);
		rs_error *err = slots_collect(m, &f, info);
		if (!err) {
			base = f.base;
			err = type_fields_read(m->mem, l, base, &f);
		}
		if (err)
			return err;
	}
	*base_out = base;
	*base_fields = f;
	info->subtype = true;
	info->dictoffset = own->dictoffset;
	if (l->minor >= 11 && (own->flags & TPFLAGS_MANAGED_DICT))
		info->dict_rule = RS_DICT_MANAGED;
	else if (own->dictoffset != f.dictoffset && own->dictoffset != 0)
		info->dict_rule = RS_DICT_OFFSET;
	/* 3.11 visits the dict pointer below a managed object as well. */
	info->dictoffset_too = l->minor == 11 && info->dict_rule == RS_DICT_MANAGED && own->dictoffset != f.dictoffset;
	info->visit_type = (own->flags & TPFLAGS_HEAPTYPE) && (!f.traverse || !(f.flags & TPFLAGS_HEAPTYPE));
	if (l->minor >= 11)
		return rs_mem_read_u64(m->mem, info->public.address + (uint64_t)RS_OFF(l, heaptype_cached_keys),
				       &info->cached_keys);
	return NULL;
}

/* Whether code at address belongs to CPython: the interpreter's module or a
 * standard-library extension module. */
static bool address_in_cpython(const struct rs_python *py, uint64_t address)
{
	if (address >= py->module->start && address < py->module->end)
		return true;
	for (size_t i = 0; py->mods && i < py->mods->count; i++) {
		const struct rs_module *mod = &py->mods->list[i];
		if (address >= mod->start && address < mod->end) {
			/* A core may name a module by its base name only: the file found on disk tells. */
			const char *path = rs_module_file_path(mod);
			return (path && strstr(path, "/lib-dynload/")) || (mod->name && strstr(mod->name, "/lib-dynload/"));
		}
	}
	return false;
}

/* The entry of a type that is no gc type but holds references, when it is
 * one of CPython's own (its type object lies in CPython's modules). */
static const struct rs_named_type *plain_type_of(struct rs_objmodel *m, uint64_t type)
{
	uint64_t name_ptr;
	char name[128];
	bool truncated;
	if (!address_in_cpython(m->py, type))
		return NULL;
	rs_error *err = rs_mem_read_u64(m->mem, type + (uint64_t)RS_OFF(&m->py->layout, type_name), &name_ptr);
	if (!err)
		err = rs_mem_read_cstr(m->mem, name_ptr, name, sizeof(name), &truncated);
	rs_error_free(err);
	if (err || truncated)
		return NULL;
	return rs_named_plain_type_find(name, m->py->layout.minor);
}

/* The named-type table entry of a C type, when it is CPython's own. */
static const struct rs_named_type *named_type_of(struct rs_objmodel *m, uint64_t type, uint64_t traverse)
{
	const struct rs_layout *l = &m->py->layout;
	uint64_t name_ptr;
	char name[128];
	bool truncated;
	if (!address_in_cpython(m->py, traverse))
		return NULL;
	rs_error *err = rs_mem_read_u64(m->mem, type + (uint64_t)RS_OFF(l, type_name), &name_ptr);
	if (!err)
		err = rs_mem_read_cstr(m->mem, name_ptr, name, sizeof(name), &truncated);
	rs_error_free(err);
	if (err || truncated)
		return NULL;
	return rs_named_type_find(name, l->minor);
}

/* Where the conservative scan of a C type's instances starts. A C type
 * that extends one of CPython's own types without references (str, int,
 * bytes, float) keeps that type's body first, and it holds no object
 * pointers: a non-compact str's data and utf8 pointers lead to character
 * buffers, which may begin with the stale header of an object freed there
 * (lxml's _ElementUnicodeResult, a str subclass, showed such phantoms). */
static uint32_t conservative_scan_from(struct rs_objmodel *m, uint64_t type)
{
	const struct rs_layout *l = &m->py->layout;
	for (int depth = 0; type && depth < BASE_DEPTH_MAX; depth++) {
		struct type_fields f;
		int64_t basicsize = 0;
		rs_error *err = type_fields_read(m->mem, l, type, &f);
		if (!err)
			err = rs_mem_read(m->mem, type + (uint64_t)RS_OFF(l, type_basicsize), &basicsize, 8);
		rs_error_free(err);
		if (err)
			return 16;
		if (type >= m->py->module->start && type < m->py->module->end) {
			bool plain = !(f.flags & TPFLAGS_HAVE_GC) && basicsize > 16 && basicsize < (1 << 20);
			return plain ? (uint32_t)basicsize : 16;
		}
		type = f.base;
	}
	return 16;
}

/* Whether the heap type at type took its tp_traverse from a static base:
 * PyErr_NewException's classes (_csv.Error, ssl.SSLError) run
 * BaseException's traverse, which never visits the instance's type. */
static bool traverse_inherited_from_static(struct rs_objmodel *m, const struct type_fields *f)
{
	struct type_fields up = *f;
	for (int depth = 0; depth < BASE_DEPTH_MAX && up.base; depth++) {
		struct type_fields parent;
		rs_error *err = type_fields_read(m->mem, &m->py->layout, up.base, &parent);
		rs_error_free(err);
		if (err || parent.traverse != f->traverse)
			return false;
		if (!(parent.flags & TPFLAGS_HEAPTYPE))
			return true;
		up = parent;
	}
	return false;
}

static rs_error *classify(struct rs_objmodel *m, struct rs_type_info *info)
{
	const struct rs_layout *l = &m->py->layout;
	struct type_fields own, base_fields;
	uint64_t base = info->public.address;
	rs_error *err = type_fields_read(m->mem, l, base, &own);
	if (err)
		return err;
	base_fields = own;
	if ((own.flags & TPFLAGS_HEAPTYPE) && m->subtype_traverse && own.traverse == m->subtype_traverse)
		err = classify_subtype(m, info, &own, &base, &base_fields);
	if (err)
		return err;
	info->c_base = base;
	info->trav_kind = (uint8_t)rs_static_trav_kind(m, base, &info->fields);
	if (info->trav_kind == RS_TRAV_CONSERVATIVE && (info->named = named_type_of(m, base, base_fields.traverse)))
		info->trav_kind = RS_TRAV_NAMED;
	if (info->trav_kind == RS_TRAV_NONE && base_fields.traverse)
		info->trav_kind = RS_TRAV_CONSERVATIVE; /* a C type with a traverse we do not know */
	/* Instances of a C metatype are type objects: their type part is known. */
	if (info->trav_kind == RS_TRAV_CONSERVATIVE && (info->public.flags & TPFLAGS_TYPE_SUBCLASS))
		info->trav_kind = RS_TRAV_METATYPE;
	if (info->trav_kind == RS_TRAV_CONSERVATIVE)
		info->scan_from = conservative_scan_from(m, base);
	if (!(own.flags & TPFLAGS_HAVE_GC))
		info->named = plain_type_of(m, info->public.address);
	/* From 3.9 the traverse of a heap type visits the instance's type; the
	 * tables say where a standard-library type does otherwise. */
	if (base_fields.traverse && (base_fields.flags & TPFLAGS_HEAPTYPE) &&
	    !traverse_inherited_from_static(m, &base_fields)) {
		uint8_t rule = info->named ? info->named->type_visit : RS_NAMED_TYPE_DEFAULT;
		if (rule == RS_NAMED_TYPE_ALWAYS || (rule == RS_NAMED_TYPE_DEFAULT && l->minor >= 9))
			info->visit_type = true;
	}
	info->trav_ready = true;
	return NULL;
}

bool rs_object_is_gc(const struct rs_objmodel *m, uint32_t type, uint64_t obj)
{
	const struct rs_type_info *info = &m->types->types[type];
	if (!(info->public.flags & TPFLAGS_HAVE_GC))
		return false;
	if (!(info->public.flags & TPFLAGS_TYPE_SUBCLASS))
		return true;
	uint64_t flags = 0; /* a type object: only heap types are gc objects */
	rs_error *err = rs_mem_read_u64(m->mem, obj + (uint64_t)RS_OFF(&m->py->layout, type_flags), &flags);
	rs_error_free(err);
	return !err && (flags & TPFLAGS_HEAPTYPE);
}

void rs_type_classify(struct rs_objmodel *m, uint32_t type)
{
	struct rs_type_info *info = &m->types->types[type];
	if (info->trav_ready || !info->readable)
		return;
	rs_error *err = classify(m, info);
	if (err) {
		info->trav_ready = true;
		info->trav_kind = RS_TRAV_CONSERVATIVE;
		rs_error_free(err);
	}
}

rs_error *rs_object_traverse_parts(struct rs_objmodel *m, uint64_t obj, uint32_t type, unsigned parts,
				   rs_visit_fn visit, void *arg)
{
	if (!m->types->types[type].readable || !rs_object_is_gc(m, type, obj))
		return NULL;
	rs_type_classify(m, type);
	/* A copy: visitors may add types, which moves the table. */
	const struct rs_type_info type_copy = m->types->types[type];
	struct rs_traversal t = {m, obj, &type_copy, visit, arg};
	rs_error *err = NULL;
	if ((parts & RS_PART_INSTANCE) && type_copy.subtype)
		err = rs_traverse_instance(&t);
	if (!err && (parts & RS_PART_TYPE) && type_copy.visit_type)
		visit(arg, type_copy.public.address, RS_VIA_FIELD, (uint64_t)(uintptr_t) "__class__");
	if (!err && (parts & RS_PART_BASE))
		err = rs_traverse_base(&t);
	return err;
}

rs_error *rs_object_traverse(struct rs_objmodel *m, uint64_t obj, uint32_t type, rs_visit_fn visit, void *arg)
{
	return rs_object_traverse_parts(m, obj, type, RS_PART_ALL, visit, arg);
}
