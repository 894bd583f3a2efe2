/* Shallow size of an object as sys.getsizeof gives it: the type's __sizeof__
 * plus what lies below the object (gc head, 3.11+ managed dict/weakref
 * slots). The rules per type are in shared/cpython-internals.md section 7. */
#include "object_size.h"

#include <string.h>

#define TPFLAGS_HEAPTYPE (1ul << 9)
#define TPFLAGS_HAVE_GC (1ul << 14)
#define TPFLAGS_MANAGED_WEAKREF (1ul << 3)
#define TPFLAGS_MANAGED_DICT (1ul << 4)
#define DICT_KIND_GENERAL 0
#define DICT_KIND_SPLIT 2

static uint64_t usable_fraction(uint64_t n)
{
	return (n << 1) / 3;
}

/* _PyDict_KeysSize: the keys object with its index and entry arrays. */
/* The bytes of a dict's indices: one each up to 0xff slots, then 2, 4, 8. */
static unsigned dict_index_width_log2(uint64_t slots)
{
	return slots <= 0xff ? 0 : slots <= 0xffff ? 1 : slots <= 0xffffffffu ? 2 : 3;
}

/* The number of slots of a dict's keys object, checked to look like one:
 * a power of two (1 for the shared empty keys) no larger than a heap can
 * hold, indices as wide as CPython makes them for that size. A wrong keys
 * pointer gives an error naming its owner (a dict, or a class's cached
 * keys), not a size read from whatever it
 * points at. */
static rs_error *dict_keys_slots(struct rs_memory *mem, const struct rs_layout *l, uint64_t owner, uint64_t keys,
				 uint64_t *slots, uint64_t *entry_size)
{
	*entry_size = 24;
	if (RS_OFF(l, dictkeys_size) >= 0) {
		rs_error *err = rs_mem_read_u64(mem, keys + (uint64_t)RS_OFF(l, dictkeys_size), slots);
		if (err)
			return err;
		if (*slots == 0 || *slots > (1ull << 40) || (*slots & (*slots - 1)))
			return rs_error_fault(keys, "0x%" PRIx64 " has dict keys at 0x%" PRIx64 " of %" PRIu64
					      " slots, which are no dict keys", owner, keys, *slots);
		return NULL;
	}
	uint8_t head[3]; /* log2_size, log2_index_bytes, kind */
	rs_error *err = rs_mem_read(mem, keys + (uint64_t)RS_OFF(l, dictkeys_log2_size), head, sizeof(head));
	if (err)
		return err;
	if (head[0] > 40 || head[2] > DICT_KIND_SPLIT ||
	    (head[0] > 0 && head[1] != head[0] + dict_index_width_log2(1ull << head[0])))
		return rs_error_fault(keys, "0x%" PRIx64 " has dict keys at 0x%" PRIx64 " that look corrupt", owner,
				      keys);
	*slots = 1ull << head[0];
	*entry_size = head[2] == DICT_KIND_GENERAL ? 24 : 16;
	return NULL;
}

static rs_error *dict_keys_size(struct rs_memory *mem, const struct rs_layout *l, uint64_t owner, uint64_t keys,
				uint64_t *size)
{
	uint64_t slots, entry_size;
	rs_error *err = dict_keys_slots(mem, l, owner, keys, &slots, &entry_size);
	if (err)
		return err;
	uint64_t index_bytes = slots << dict_index_width_log2(slots);
	*size = (uint64_t)RS_OFF(l, dictkeys_indices) + index_bytes + usable_fraction(slots) * entry_size;
	return NULL;
}

/* The split-table values array a dict owns, when it is not embedded in an object. */
static rs_error *dict_values_size(struct rs_memory *mem, const struct rs_layout *l, uint64_t keys,
				  uint64_t values, uint64_t *size)
{
	*size = 0;
	if (!values)
		return NULL;
	if (l->dict_embedded_values) {
		uint8_t head[3]; /* capacity, size, embedded */
		rs_error *err = rs_mem_read(mem, values, head, sizeof(head));
		if (!err && !head[2])
			*size = 8ull * head[0];
		return err;
	}
	if (RS_OFF(l, dictkeys_size) >= 0) {
		uint64_t dk_size;
		rs_error *err = rs_mem_read_u64(mem, keys + (uint64_t)RS_OFF(l, dictkeys_size), &dk_size);
		*size = err ? 0 : 8 * usable_fraction(dk_size);
		return err;
	}
	int64_t counts[2]; /* usable, nentries */
	rs_error *err = rs_mem_read(mem, keys + (uint64_t)RS_OFF(l, dictkeys_usable), counts, sizeof(counts));
	if (!err)
		*size = 8 * (uint64_t)(counts[0] + counts[1]);
	return err;
}

static rs_error *dict_sizeof(struct rs_memory *mem, const struct rs_layout *l, uint64_t obj, uint64_t *size)
{
	uint64_t keys, values, keys_refcnt, values_size, keys_size = 0;
	rs_error *err = rs_mem_read_u64(mem, obj + (uint64_t)RS_OFF(l, dict_keys), &keys);
	if (!err)
		err = rs_mem_read_u64(mem, obj + (uint64_t)RS_OFF(l, dict_values), &values);
	if (!err)
		err = rs_mem_read_u64(mem, keys + (uint64_t)RS_OFF(l, dictkeys_refcnt), &keys_refcnt);
	/* Shared keys (of instances of one class) are counted by none of the dicts. */
	if (!err)
		err = dict_keys_size(mem, l, obj, keys, &keys_size);
	if (!err)
		err = dict_values_size(mem, l, keys, values, &values_size);
	if (!err)
		*size += values_size + (keys_refcnt == 1 ? keys_size : 0);
	return err;
}

static rs_error *set_sizeof(struct rs_memory *mem, const struct rs_layout *l, uint64_t obj, uint64_t *size)
{
	uint64_t mask, table;
	rs_error *err = rs_mem_read_u64(mem, obj + (uint64_t)RS_OFF(l, set_mask), &mask);
	if (!err)
		err = rs_mem_read_u64(mem, obj + (uint64_t)RS_OFF(l, set_table), &table);
	if (!err && table != obj + (uint64_t)RS_OFF(l, set_smalltable))
		*size += 16 * (mask + 1);
	return err;
}

#define STATE_KIND(state) (((state) >> 2) & 7)
#define STATE_COMPACT (1u << 5)
#define STATE_ASCII (1u << 6)

/* unicode___sizeof__: the struct, the characters, and a separate UTF-8 copy
 * (and, before 3.12, a separate wchar_t copy) when there is one. */
static rs_error *str_sizeof(struct rs_memory *mem, const struct rs_layout *l, uint64_t obj, uint64_t *size)
{
	int64_t length;
	uint32_t state;
	rs_error *err = rs_mem_read(mem, obj + (uint64_t)RS_OFF(l, unicode_length), &length, 8);
	if (!err)
		err = rs_mem_read_u32(mem, obj + (uint64_t)RS_OFF(l, unicode_state), &state);
	if (err)
		return err;
	if (length < 0 || length > (1ll << 40))
		return rs_error_fault(obj, "str at 0x%" PRIx64 " has an absurd length", obj);
	uint64_t kind = STATE_KIND(state);
	if ((state & STATE_COMPACT) && (state & STATE_ASCII))
		*size = (uint64_t)RS_OFF(l, unicode_ascii_size) + (uint64_t)length + 1;
	else if (state & STATE_COMPACT)
		*size = (uint64_t)RS_OFF(l, unicode_compact_size) + ((uint64_t)length + 1) * kind;
	else
		*size = (uint64_t)RS_OFF(l, unicode_object_size) + ((uint64_t)length + 1) * kind;
	if (!(state & STATE_ASCII)) {
		uint64_t utf8, utf8_length;
		err = rs_mem_read_u64(mem, obj + (uint64_t)RS_OFF(l, unicode_utf8), &utf8);
		if (!err && utf8)
			err = rs_mem_read_u64(mem, obj + (uint64_t)RS_OFF(l, unicode_utf8_length), &utf8_length);
		if (!err && utf8)
			*size += utf8_length + 1;
	}
	return err;
}

static rs_error *int_sizeof(struct rs_memory *mem, const struct rs_layout *l, uint64_t obj, int64_t ob_size,
			    uint64_t *size)
{
	uint64_t digits;
	if (RS_OFF(l, long_tag) >= 0) {
		uint64_t tag;
		rs_error *err = rs_mem_read_u64(mem, obj + (uint64_t)RS_OFF(l, long_tag), &tag);
		if (err)
			return err;
		digits = tag >> 3;
	} else {
		digits = (uint64_t)(ob_size < 0 ? -ob_size : ob_size);
	}
	if (l->minor >= 11 && digits == 0)
		digits = 1;
	*size = (uint64_t)RS_OFF(l, long_digits) + 4 * digits;
	return NULL;
}

static rs_error *type_sizeof(struct rs_memory *mem, const struct rs_layout *l, uint64_t obj, uint64_t flags,
			     uint64_t *size)
{
	if (!(flags & TPFLAGS_HEAPTYPE)) {
		*size = (uint64_t)RS_OFF(l, type_object_size);
		return NULL;
	}
	*size = (uint64_t)RS_OFF(l, heaptype_size);
	uint64_t keys, keys_size;
	rs_error *err = rs_mem_read_u64(mem, obj + (uint64_t)RS_OFF(l, heaptype_cached_keys), &keys);
	if (!err && keys) {
		err = dict_keys_size(mem, l, obj, keys, &keys_size);
		if (!err)
			*size += keys_size;
	}
	return err;
}

/* A frame has at most this many slots: co_nlocalsplus and co_stacksize are
 * ints, but the compiler refuses far fewer; more means a bad read. */
#define FRAME_SLOTS_MAX (1u << 24)

/* Reads the code object a generator or frame runs, checking that it is one
 * (its type is named "code"), so that a wrong pointer gives no size at all
 * rather than a wrong one. */
static rs_error *code_read(struct rs_memory *mem, const struct rs_layout *l, uint64_t obj, uint64_t code)
{
	uint64_t type, name_ptr;
	char name[8];
	bool truncated = false;
	if (!code)
		return rs_error_new(RS_ERR_CORRUPT, "0x%" PRIx64 " has no code object", obj);
	rs_error *err = rs_mem_read_u64(mem, code + (uint64_t)RS_OFF(l, object_type), &type);
	if (!err)
		err = rs_mem_read_u64(mem, type + (uint64_t)RS_OFF(l, type_name), &name_ptr);
	if (!err)
		err = rs_mem_read_cstr(mem, name_ptr, name, sizeof(name), &truncated);
	if (err)
		return err;
	if (truncated || strcmp(name, "code") != 0)
		return rs_error_fault(code, "its code pointer 0x%" PRIx64 " is no code object", code);
	return NULL;
}

static rs_error *code_int(struct rs_memory *mem, uint64_t code, int64_t offset, const char *what, uint64_t *value)
{
	int32_t v;
	if (offset < 0)
		return rs_error_new(RS_ERR_UNSUPPORTED, "no offset of %s in this layout", what);
	rs_error *err = rs_mem_read(mem, code + (uint64_t)offset, &v, sizeof(v));
	if (err)
		return err;
	if (v < 0 || (uint32_t)v > FRAME_SLOTS_MAX)
		return rs_error_fault(code, "code object at 0x%" PRIx64 " has %s %" PRId32, code, what, v);
	*value = (uint64_t)v;
	return NULL;
}

/* 3.11+ _PyFrame_NumSlotsForCodeObject: co_nlocalsplus + co_stacksize. */
static rs_error *code_frame_slots(struct rs_memory *mem, const struct rs_layout *l, uint64_t obj, uint64_t code,
				  uint64_t *slots)
{
	uint64_t nlocalsplus = 0, stacksize = 0;
	rs_error *err = code_read(mem, l, obj, code);
	if (!err)
		err = code_int(mem, code, RS_OFF(l, code_nlocalsplus), "co_nlocalsplus", &nlocalsplus);
	if (!err)
		err = code_int(mem, code, RS_OFF(l, code_stacksize), "co_stacksize", &stacksize);
	if (!err)
		*slots = nlocalsplus + stacksize;
	return err;
}

/* The code of a 3.11+ interpreter frame (3.14+: a tagged _PyStackRef). */
static rs_error *iframe_code(struct rs_memory *mem, const struct rs_layout *l, uint64_t frame, uint64_t *code)
{
	if (RS_OFF(l, iframe_code) < 0)
		return rs_error_new(RS_ERR_UNSUPPORTED, "no offset of the frame's code in this layout");
	rs_error *err = rs_mem_read_u64(mem, frame + (uint64_t)RS_OFF(l, iframe_code), code);
	if (!err && l->minor >= 14)
		*code &= ~(uint64_t)3;
	return err;
}

/* gen_sizeof (3.11+): the generator with its embedded frame, sized by its
 * code; basicsize is offsetof(gi_iframe) + offsetof(localsplus). The code
 * is gi_code in 3.11, the frame's from 3.12, where it stays until the
 * generator dies (also when it ran to its end). Up to 3.10 a generator is
 * its basicsize: the frame is an object of its own. */
static rs_error *generator_sizeof(struct rs_memory *mem, const struct rs_layout *l, int64_t basicsize,
				  uint64_t obj, uint64_t *size)
{
	*size = (uint64_t)basicsize;
	if (l->minor <= 10)
		return NULL;
	uint64_t code, slots;
	rs_error *err;
	if (l->minor == 11) {
		if (RS_OFF(l, gen_code) < 0)
			return rs_error_new(RS_ERR_UNSUPPORTED, "no offset of gi_code in this layout");
		err = rs_mem_read_u64(mem, obj + (uint64_t)RS_OFF(l, gen_code), &code);
	} else {
		if (RS_OFF(l, gen_iframe) < 0)
			return rs_error_new(RS_ERR_UNSUPPORTED, "no offset of gi_iframe in this layout");
		err = iframe_code(mem, l, obj + (uint64_t)RS_OFF(l, gen_iframe), &code);
	}
	if (!err)
		err = code_frame_slots(mem, l, obj, code, &slots);
	if (!err)
		*size += 8 * slots;
	return err;
}

/* The length of a tuple a code object points at (co_cellvars, co_freevars). */
static rs_error *code_tuple_length(struct rs_memory *mem, const struct rs_layout *l, uint64_t code, int64_t offset,
				   const char *what, uint64_t *length)
{
	uint64_t tuple;
	int64_t n;
	if (offset < 0)
		return rs_error_new(RS_ERR_UNSUPPORTED, "no offset of %s in this layout", what);
	rs_error *err = rs_mem_read_u64(mem, code + (uint64_t)offset, &tuple);
	if (!err && !tuple)
		return rs_error_fault(code, "code object at 0x%" PRIx64 " has no %s", code, what);
	if (!err)
		err = rs_mem_read(mem, tuple + (uint64_t)RS_OFF(l, varobject_size), &n, sizeof(n));
	if (err)
		return err;
	if (n < 0 || n > FRAME_SLOTS_MAX)
		return rs_error_fault(code, "code object at 0x%" PRIx64 " has %" PRId64 " %s", code, n, what);
	*length = (uint64_t)n;
	return NULL;
}

/* frame_sizeof. Up to 3.10: sizeof(PyFrameObject) (basicsize, one slot
 * included) + the slots the code needs: co_stacksize + co_nlocals + cells +
 * free variables; ob_size may be larger (frames are reused). From 3.11: like
 * a generator, by the code of the interpreter frame the object points at
 * (its own embedded one, or one on a thread's stack while the call runs);
 * ob_size is no size there at all: its word is f_back. */
static rs_error *frame_sizeof(struct rs_memory *mem, const struct rs_layout *l, int64_t basicsize, uint64_t obj,
			      uint64_t *size)
{
	uint64_t code, slots = 0;
	rs_error *err;
	*size = (uint64_t)basicsize;
	if (l->minor <= 10) {
		uint64_t nlocals = 0, stacksize = 0, cells = 0, frees = 0;
		if (RS_OFF(l, frame_code) < 0)
			return rs_error_new(RS_ERR_UNSUPPORTED, "no offset of f_code in this layout");
		err = rs_mem_read_u64(mem, obj + (uint64_t)RS_OFF(l, frame_code), &code);
		if (!err)
			err = code_read(mem, l, obj, code);
		if (!err)
			err = code_int(mem, code, RS_OFF(l, code_nlocals), "co_nlocals", &nlocals);
		if (!err)
			err = code_int(mem, code, RS_OFF(l, code_stacksize), "co_stacksize", &stacksize);
		if (!err)
			err = code_tuple_length(mem, l, code, RS_OFF(l, code_cellvars), "co_cellvars", &cells);
		if (!err)
			err = code_tuple_length(mem, l, code, RS_OFF(l, code_freevars), "co_freevars", &frees);
		if (err)
			return err;
		slots = nlocals + stacksize + cells + frees;
		*size = (uint64_t)(basicsize + 8 * ((int64_t)slots - 1));
		return NULL;
	}
	uint64_t frame;
	if (RS_OFF(l, frame_iframe) < 0)
		return rs_error_new(RS_ERR_UNSUPPORTED, "no offset of f_frame in this layout");
	err = rs_mem_read_u64(mem, obj + (uint64_t)RS_OFF(l, frame_iframe), &frame);
	if (!err && !frame)
		return rs_error_fault(obj, "frame object at 0x%" PRIx64 " has no interpreter frame", obj);
	if (!err)
		err = iframe_code(mem, l, frame, &code);
	if (!err)
		err = code_frame_slots(mem, l, obj, code, &slots);
	if (!err)
		*size += 8 * slots;
	return err;
}

/* What getsizeof adds for memory below the object (the pre-header). */
static uint64_t preheader_size(const struct rs_layout *l, const struct rs_type_info *type,
			       uint64_t own_flags, bool is_type)
{
	uint64_t flags = type->public.flags;
	bool gc = flags & TPFLAGS_HAVE_GC;
	/* Static types are not gc-allocated; 3.11 and 3.12 count a head anyway. */
	if (is_type && !(own_flags & TPFLAGS_HEAPTYPE) && (l->minor <= 10 || l->minor >= 13))
		return 0;
	uint64_t size = gc ? (uint64_t)RS_OFF(l, gc_head_size) : 0;
	if (l->minor == 11 && (flags & TPFLAGS_MANAGED_DICT))
		size += 16;
	else if (l->minor >= 12 && (flags & (TPFLAGS_MANAGED_DICT | TPFLAGS_MANAGED_WEAKREF)))
		size += 16;
	return size;
}

rs_error *rs_object_size(struct rs_memory *mem, const struct rs_layout *l, const struct rs_type_info *type,
			 uint64_t obj, int64_t ob_size, uint64_t *size)
{
	uint64_t self_flags = 0;
	/* A corrupt ob_size or itemsize must not overflow: the product saturates
	 * (and is then reported as a size past 4 GiB). */
	uint64_t count = ob_size < 0 ? 0 - (uint64_t)ob_size : (uint64_t)ob_size;
	uint64_t items = 0;
	if (type->itemsize > 0 && __builtin_mul_overflow((uint64_t)type->itemsize, count, &items))
		items = UINT64_MAX;
	uint64_t basic = type->basicsize > 0 ? (uint64_t)type->basicsize : 0;
	*size = items > UINT64_MAX - basic ? UINT64_MAX : basic + items;
	rs_error *err = NULL;
	switch (type->size_kind) {
	case RS_SIZE_PLAIN:
		break;
	case RS_SIZE_LIST: {
		int64_t allocated;
		*size = (uint64_t)type->basicsize;
		err = rs_mem_read(mem, obj + (uint64_t)RS_OFF(l, list_allocated), &allocated, 8);
		if (!err)
			*size += 8 * (uint64_t)(allocated > 0 ? allocated : 0);
		break;
	}
	case RS_SIZE_DICT:
		*size = (uint64_t)type->basicsize;
		err = dict_sizeof(mem, l, obj, size);
		break;
	case RS_SIZE_SET:
		*size = (uint64_t)type->basicsize;
		err = set_sizeof(mem, l, obj, size);
		break;
	case RS_SIZE_STR:
		err = str_sizeof(mem, l, obj, size);
		break;
	case RS_SIZE_BYTEARRAY: {
		int64_t alloc;
		*size = (uint64_t)type->basicsize;
		err = rs_mem_read(mem, obj + (uint64_t)RS_OFF(l, bytearray_alloc), &alloc, 8);
		if (!err)
			*size += (uint64_t)(alloc > 0 ? alloc : 0);
		break;
	}
	case RS_SIZE_INT:
		err = int_sizeof(mem, l, obj, ob_size, size);
		break;
	case RS_SIZE_GENERATOR:
		err = generator_sizeof(mem, l, type->basicsize, obj, size);
		break;
	case RS_SIZE_FRAME:
		err = frame_sizeof(mem, l, type->basicsize, obj, size);
		break;
	case RS_SIZE_TYPE:
		err = rs_mem_read_u64(mem, obj + (uint64_t)RS_OFF(l, type_flags), &self_flags);
		if (!err)
			err = type_sizeof(mem, l, obj, self_flags, size);
		break;
	}
	if (err)
		return err;
	*size += preheader_size(l, type, self_flags, type->size_kind == RS_SIZE_TYPE);
	return NULL;
}

void rs_object_size_prefetch(struct rs_memory *mem, const struct rs_layout *l, const struct rs_type_info *type,
			     uint64_t obj)
{
	if (type->size_kind != RS_SIZE_DICT)
		return;
	uint64_t keys = 0, values = 0;
	rs_error *err = rs_mem_read_u64(mem, obj + (uint64_t)RS_OFF(l, dict_keys), &keys);
	if (!err)
		err = rs_mem_read_u64(mem, obj + (uint64_t)RS_OFF(l, dict_values), &values);
	rs_error_free(err);
	if (keys)
		rs_mem_prefetch(mem, keys);
	if (values)
		rs_mem_prefetch(mem, values);
}

uint64_t rs_object_size_record(struct rs_memory *mem, const struct rs_layout *l, const struct rs_type_info *type,
			       const char *type_name, uint64_t obj, int64_t ob_size, uint32_t *size, uint8_t *flags)
{
	uint64_t full = 0;
	rs_error *err = rs_object_size(mem, l, type, obj, ob_size, &full);
	if (err) {
		rs_diag_add(mem->diag, "object at 0x%" PRIx64 " (%s): size unknown: %s", obj, type_name,
			    rs_error_message(err));
		rs_error_free(err);
		*flags |= RS_SIZE_UNKNOWN;
		*size = 0;
		return 0;
	}
	if (full > UINT32_MAX)
		rs_diag_add(mem->diag, "object at 0x%" PRIx64 " (%s): size %" PRIu64 " bytes is counted as %" PRIu32
			    " (sizes are recorded up to 4 GiB)", obj, type_name, full, (uint32_t)UINT32_MAX);
	*size = full > UINT32_MAX ? UINT32_MAX : (uint32_t)full;
	return full;
}
