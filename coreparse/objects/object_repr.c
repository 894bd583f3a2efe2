/* A bounded, repr-like description of one object, for `show`: the value of
 * atomic objects (str of every kind, bytes, int of any size, float, bool,
 * None), the first items of containers, the class and attributes of
 * instances, the name and place of functions, code, types and modules.
 * Nothing here can loop: every length read from the target is bounded. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repr.h"
#include "../util/utf8.h"

#define ITEMS_SHOWN 8
#define INT_DIGITS_MAX 1000 /* 30-bit digits: about 9000 decimal digits */
#define TPFLAGS_LONG_SUBCLASS (1ul << 24)
#define TPFLAGS_LIST_SUBCLASS (1ul << 25)
#define TPFLAGS_TUPLE_SUBCLASS (1ul << 26)
#define TPFLAGS_BYTES_SUBCLASS (1ul << 27)
#define TPFLAGS_UNICODE_SUBCLASS (1ul << 28)
#define TPFLAGS_DICT_SUBCLASS (1ul << 29)
#define TPFLAGS_TYPE_SUBCLASS (1ul << 31)

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	if (o->len + 1 >= o->size)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n > 0 && o->len + (size_t)n < o->size) {
		o->len += (size_t)n;
	} else if (n > 0) { /* full: the text stays UTF-8, whatever the cut went through */
		rs_utf8_trim(o->buf + o->len);
		o->len = o->size - 1;
	}
}

static const struct rs_type_info *type_of(struct rs_objmodel *m, uint64_t obj, uint32_t *index)
{
	uint64_t type;
	rs_error *err = rs_mem_read_u64(m->mem, obj + (uint64_t)RS_OFF(&m->py->layout, object_type), &type);
	if (err) {
		rs_error_free(err);
		return NULL;
	}
	*index = rs_type_table_lookup(m->types, m->mem, m->py, type);
	if (*index == UINT32_MAX || !m->types->types[*index].readable)
		return NULL;
	return &m->types->types[*index];
}

static const char *type_name(struct rs_objmodel *m, const struct rs_type_info *t)
{
	return m->types->names + t->name_offset;
}

static void str_put(struct rs_objmodel *m, struct out *o, uint64_t str, size_t max)
{
	char text[512];
	bool cut;
	if (max > sizeof(text))
		max = sizeof(text);
	rs_error *err = rs_str_text(m->mem, &m->py->layout, str, text, max, &cut);
	if (err) {
		put(o, "<unreadable str at 0x%" PRIx64 ">", str);
		rs_diag_add(m->mem->diag, "object at 0x%" PRIx64 " (str): text unreadable: %s", str, rs_error_message(err));
		rs_error_free(err);
		return;
	}
	put(o, "'%s'%s", text, cut ? "..." : "");
}

/* Decimal digits of an int of any size: repeated division of its base-2^30 digits. */
static void int_put(struct rs_objmodel *m, struct out *o, uint64_t obj)
{
	const struct rs_layout *l = &m->py->layout;
	uint64_t tag;
	rs_error *err = rs_mem_read_u64(m->mem, obj + RS_HEAD(l) + 16, &tag);
	uint64_t n;
	bool negative;
	if (RS_OFF(l, long_tag) >= 0) {
		n = tag >> 3;
		negative = (tag & 3) == 2;
	} else {
		n = (int64_t)tag < 0 ? (uint64_t)(-(int64_t)tag) : tag;
		negative = (int64_t)tag < 0;
	}
	if (err || n > INT_DIGITS_MAX) {
		rs_error_free(err);
		put(o, "<int of %" PRIu64 " digits>", n);
		return;
	}
	uint32_t *digits = calloc(n + 1, sizeof(*digits));
	char *dec = malloc(10 * n + 2);
	if (!digits || !dec || (n && (err = rs_mem_read(m->mem, obj + (uint64_t)RS_OFF(l, long_digits), digits, 4 * n)))) {
		rs_error_free(err);
		put(o, "<unreadable int>");
		free(digits);
		free(dec);
		return;
	}
	size_t len = 0;
	while (n > 0) {
		uint64_t rem = 0;
		for (uint64_t i = n; i-- > 0;) {
			uint64_t cur = (rem << 30) | digits[i];
			digits[i] = (uint32_t)(cur / 1000000000u);
			rem = cur % 1000000000u;
		}
		while (n > 0 && digits[n - 1] == 0)
			n--;
		for (int k = 0; k < 9 && (n > 0 || rem > 0); k++) {
			dec[len++] = (char)('0' + rem % 10);
			rem /= 10;
		}
	}
	if (len == 0)
		dec[len++] = '0';
	put(o, "%s", negative ? "-" : "");
	for (size_t i = len; i-- > 0;)
		put(o, "%c", dec[i]);
	free(digits);
	free(dec);
}

static void float_put(struct rs_objmodel *m, struct out *o, uint64_t obj)
{
	double value;
	rs_error *err = rs_mem_read(m->mem, obj + (uint64_t)RS_OFF(&m->py->layout, float_value), &value, 8);
	if (err) {
		rs_error_free(err);
		put(o, "<unreadable float>");
		return;
	}
	if (isnan(value) || isinf(value)) {
		put(o, "%s", isnan(value) ? "nan" : value > 0 ? "inf" : "-inf");
		return;
	}
	char text[40]; /* the shortest text that reads back as the same double, like repr */
	for (int precision = 1; precision <= 17; precision++) {
		snprintf(text, sizeof(text), "%.*g", precision, value);
		if (strtod(text, NULL) == value)
			break;
	}
	put(o, "%s%s", text, strpbrk(text, ".eninf") ? "" : ".0");
}

static void bytes_put(struct rs_objmodel *m, struct out *o, uint64_t obj, int64_t size)
{
	unsigned char data[64];
	size_t n = size > (int64_t)sizeof(data) ? sizeof(data) : (size_t)(size < 0 ? 0 : size);
	rs_error *err = rs_mem_read(m->mem, obj + (uint64_t)RS_OFF(&m->py->layout, bytes_data), data, n);
	if (err) {
		rs_error_free(err);
		put(o, "<unreadable bytes>");
		return;
	}
	put(o, "b'");
	for (size_t i = 0; i < n; i++)
		put(o, data[i] >= 0x20 && data[i] < 0x7f && data[i] != '\'' && data[i] != '\\' ? "%c" : "\\x%02x",
		    data[i]);
	put(o, "'%s", (size_t)size > n ? "..." : "");
}

/* A short mention of a referenced object: its value when atomic, else <type at 0x...>. */
static void mention_put(struct rs_objmodel *m, struct out *o, uint64_t obj)
{
	uint32_t index;
	const struct rs_type_info *t = type_of(m, obj, &index);
	if (!t) {
		put(o, "<? at 0x%" PRIx64 ">", obj);
		return;
	}
	const uint64_t *sym = m->py->symbols;
	uint64_t flags = t->public.flags, address = t->public.address;
	if (obj == sym[RS_SYM_PyNone_Struct])
		put(o, "None");
	else if (address == sym[RS_SYM_PyBool_Type]) {
		int64_t size = 0;
		rs_error_free(rs_mem_read(m->mem, obj + (uint64_t)RS_OFF(&m->py->layout, varobject_size), &size, 8));
		uint32_t digit = 0;
		rs_error_free(rs_mem_read(m->mem, obj + (uint64_t)RS_OFF(&m->py->layout, long_digits), &digit, 4));
		put(o, "%s", digit ? "True" : "False");
	} else if (flags & TPFLAGS_UNICODE_SUBCLASS)
		str_put(m, o, obj, 64);
	else if (flags & TPFLAGS_LONG_SUBCLASS)
		int_put(m, o, obj);
	else if (address == sym[RS_SYM_PyFloat_Type])
		float_put(m, o, obj);
	else
		put(o, "<%s at 0x%" PRIx64 ">", type_name(m, t), obj);
}

struct items {
	struct rs_objmodel *m;
	struct out *o;
	int shown;
	bool dict;
};

static void item_put(void *arg, uint64_t referent, enum rs_via_kind kind, uint64_t detail)
{
	struct items *it = arg;
	if (kind == RS_VIA_DICT_KEY)
		return;
	if (it->shown == ITEMS_SHOWN)
		put(it->o, ", ...");
	if (it->shown++ >= ITEMS_SHOWN)
		return;
	if (it->shown > 1)
		put(it->o, ", ");
	if (kind == RS_VIA_DICT_VALUE || kind == RS_VIA_ATTRIBUTE) {
		char key[128];
		if (kind == RS_VIA_DICT_VALUE)
			rs_key_text(it->m, detail, key, sizeof(key));
		else
			rs_via_text(it->m, kind, detail, key, sizeof(key));
		put(it->o, "%s%s", kind == RS_VIA_ATTRIBUTE ? key + 1 : key, kind == RS_VIA_ATTRIBUTE ? "=" : ": ");
	} else if (kind == RS_VIA_SLOT || kind == RS_VIA_FIELD) {
		char name[128];
		rs_via_text(it->m, kind, detail, name, sizeof(name));
		put(it->o, "%s=", name + 1);
	}
	mention_put(it->m, it->o, referent);
}

static void container_put(struct rs_objmodel *m, struct out *o, uint64_t obj, uint32_t type, const char *open,
			  const char *close, int64_t len)
{
	struct items it = {m, o, 0, false};
	put(o, "%s", open);
	rs_error *err = rs_object_traverse(m, obj, type, item_put, &it);
	if (err && it.shown < ITEMS_SHOWN)
		put(o, "%s<unreadable items>", it.shown ? ", " : "");
	rs_error_free(err);
	put(o, "%s", close);
	if (len >= 0)
		put(o, " (%" PRId64 " items)", len);
}

/* Attributes of an instance: its slots and values; a __dict__ (before 3.11,
 * or once materialized) is opened so its items show as attributes. */
static void attribute_put(void *arg, uint64_t referent, enum rs_via_kind kind, uint64_t detail)
{
	struct items *it = arg;
	uint32_t type;
	if (kind == RS_VIA_FIELD && strcmp((const char *)(uintptr_t)detail, "__dict__") == 0 &&
	    type_of(it->m, referent, &type) && (it->m->types->types[type].public.flags & TPFLAGS_DICT_SUBCLASS)) {
		rs_error_free(rs_object_traverse_parts(it->m, referent, type, RS_PART_BASE, attribute_put, it));
		return;
	}
	item_put(it, referent, kind == RS_VIA_DICT_VALUE ? RS_VIA_ATTRIBUTE : kind, detail);
}

static void instance_put(struct rs_objmodel *m, struct out *o, uint64_t obj, uint32_t type)
{
	put(o, "<%s object at 0x%" PRIx64 "> {", type_name(m, &m->types->types[type]), obj);
	struct items it = {m, o, 0, false};
	rs_error_free(rs_object_traverse_parts(m, obj, type, RS_PART_INSTANCE, attribute_put, &it));
	put(o, "}");
}

struct lookup {
	struct rs_objmodel *m;
	const char *key;
	uint64_t value;
};

static void lookup_visit(void *arg, uint64_t referent, enum rs_via_kind kind, uint64_t detail)
{
	struct lookup *lk = arg;
	char key[128];
	if (kind != RS_VIA_DICT_VALUE || lk->value)
		return;
	rs_key_text(lk->m, detail, key, sizeof(key));
	if (strcmp(key, lk->key) == 0)
		lk->value = referent;
}

/* dict[key] for a str key given as its label ("'__name__'"); 0 when absent. */
static uint64_t dict_get(struct rs_objmodel *m, uint64_t dict, const char *key)
{
	uint32_t type;
	struct lookup lk = {m, key, 0};
	if (dict && type_of(m, dict, &type))
		rs_error_free(rs_object_traverse_parts(m, dict, type, RS_PART_BASE, lookup_visit, &lk));
	return lk.value;
}

static void name_field_put(struct rs_objmodel *m, struct out *o, uint64_t obj, int64_t offset)
{
	uint64_t name = 0;
	if (offset >= 0)
		rs_error_free(rs_mem_read_u64(m->mem, obj + (uint64_t)offset, &name));
	if (name)
		str_put(m, o, name, 200);
	else
		put(o, "?");
}

static void code_put(struct rs_objmodel *m, struct out *o, uint64_t code)
{
	const struct rs_layout *l = &m->py->layout;
	int32_t line = 0;
	rs_error_free(rs_mem_read(m->mem, code + (uint64_t)RS_OFF(l, code_firstlineno), &line, 4));
	put(o, "<code ");
	name_field_put(m, o, code, RS_OFF(l, code_qualname) >= 0 ? RS_OFF(l, code_qualname) : RS_OFF(l, code_name));
	put(o, " at 0x%" PRIx64 ", file ", code);
	name_field_put(m, o, code, RS_OFF(l, code_filename));
	put(o, ", line %d>", line);
}

static void function_put(struct rs_objmodel *m, struct out *o, uint64_t func)
{
	unsigned minor = m->py->layout.minor;
	uint64_t code = 0;
	rs_error_free(rs_mem_read_u64(m->mem, func + (minor >= 10 ? 48 : 16), &code));
	put(o, "<function ");
	name_field_put(m, o, func, minor >= 10 ? 40 : 104); /* __qualname__ */
	put(o, " at 0x%" PRIx64 ">", func);
	if (code) {
		put(o, " ");
		code_put(m, o, code);
	}
}

void rs_object_repr(struct rs_objmodel *m, uint64_t obj, uint32_t type, char *buf, size_t size)
{
	struct out o = {buf, size, 0};
	buf[0] = '\0';
	rs_type_classify(m, type);
	const struct rs_type_info *t = &m->types->types[type];
	const uint64_t *sym = m->py->symbols;
	uint64_t flags = t->public.flags, address = t->public.address;
	bool subtype = t->subtype;
	int64_t ob_size = 0;
	rs_error_free(rs_mem_read(m->mem, obj + (uint64_t)RS_OFF(&m->py->layout, varobject_size), &ob_size, 8));
	if (address == sym[RS_SYM_PyCode_Type])
		code_put(m, &o, obj);
	else if (address == sym[RS_SYM_PyFunction_Type])
		function_put(m, &o, obj);
	else if (flags & TPFLAGS_TYPE_SUBCLASS) {
		/* Its name as the type table has it: checked to be text (or a
		 * placeholder naming the type, with a warning), read once. */
		uint32_t self = rs_type_table_lookup(m->types, m->mem, m->py, obj);
		if (self == UINT32_MAX)
			put(&o, "<class <unreadable type at 0x%" PRIx64 ">>", obj);
		else if (!m->types->types[self].readable)
			put(&o, "<class %s>", m->types->names + m->types->types[self].name_offset);
		else
			put(&o, "<class '%s'>", m->types->names + m->types->types[self].name_offset);
	} else if (address == sym[RS_SYM_PyModule_Type]) {
		uint64_t dict = 0;
		rs_error_free(rs_mem_read_u64(m->mem, obj + RS_HEAD(&m->py->layout) + 16, &dict));
		uint64_t name = dict_get(m, dict, "'__name__'"), file = dict_get(m, dict, "'__file__'");
		put(&o, "<module ");
		if (name)
			mention_put(m, &o, name);
		if (file) {
			put(&o, " from ");
			mention_put(m, &o, file);
		}
		put(&o, " at 0x%" PRIx64 ">", obj);
	} else if (subtype && !(flags & (TPFLAGS_LIST_SUBCLASS | TPFLAGS_TUPLE_SUBCLASS | TPFLAGS_DICT_SUBCLASS)))
		instance_put(m, &o, obj, type);
	else if (flags & TPFLAGS_LIST_SUBCLASS)
		container_put(m, &o, obj, type, "[", "]", ob_size);
	else if (flags & TPFLAGS_TUPLE_SUBCLASS)
		container_put(m, &o, obj, type, "(", ")", ob_size);
	else if (flags & TPFLAGS_DICT_SUBCLASS) {
		int64_t used = 0;
		rs_error_free(rs_mem_read(m->mem, obj + RS_HEAD(&m->py->layout) + 16, &used, 8)); /* ma_used */
		container_put(m, &o, obj, type, "{", "}", used);
	} else if (address == sym[RS_SYM_PySet_Type] || address == sym[RS_SYM_PyFrozenSet_Type]) {
		int64_t used = 0;
		rs_error_free(rs_mem_read(m->mem, obj + RS_HEAD(&m->py->layout) + 24, &used, 8)); /* used */
		container_put(m, &o, obj, type, "{", "}", used);
	} else if (flags & TPFLAGS_BYTES_SUBCLASS)
		bytes_put(m, &o, obj, ob_size);
	else if (flags & (TPFLAGS_UNICODE_SUBCLASS | TPFLAGS_LONG_SUBCLASS) || address == sym[RS_SYM_PyFloat_Type] ||
		 obj == sym[RS_SYM_PyNone_Struct])
		mention_put(m, &o, obj);
	else
		put(&o, "<%s object at 0x%" PRIx64 ">", type_name(m, &m->types->types[type]), obj);
}
