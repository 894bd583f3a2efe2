/* Short, bounded text for objects and reference labels: the characters of
 * a str (every internal kind, as UTF-8, escaped), small ints, and the
 * labels of references ("[3]", "['users']", ".session"). */
#include "repr.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../util/utf8.h"

#define STATE_KIND(state) (((state) >> 2) & 7)
#define STATE_COMPACT (1u << 5)
#define STATE_ASCII (1u << 6)
#define TPFLAGS_LONG_SUBCLASS (1ul << 24)
#define TPFLAGS_UNICODE_SUBCLASS (1ul << 28)

static size_t utf8_put(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* Appends character c, escaped like Python's repr would for quotes,
 * backslashes and control characters; false when the buffer is full. */
static bool char_append(char *buf, size_t size, size_t *len, uint32_t c)
{
	char tmp[12];
	size_t n;
	if (c == '\'' || c == '\\')
		n = (size_t)snprintf(tmp, sizeof(tmp), "\\%c", (char)c);
	else if (c < 0x20 || c == 0x7f)
		n = (size_t)snprintf(tmp, sizeof(tmp), "\\x%02x", c);
	else if (c >= 0xd800 && c < 0xe000)
		n = (size_t)snprintf(tmp, sizeof(tmp), "\\u%04x", c);
	else if (c > 0x10ffff) /* not a character: only a corrupt str holds it */
		n = (size_t)snprintf(tmp, sizeof(tmp), "\\U%08x", c);
	else
		n = utf8_put(tmp, c);
	if (*len + n + 1 > size)
		return false;
	memcpy(buf + *len, tmp, n);
	*len += n;
	buf[*len] = '\0';
	return true;
}

/* No str in a heap we can read is longer (object_size.c bounds it alike). */
#define STR_LENGTH_MAX (1ll << 40)

/* Every ready str ends with a NUL character at data[length]: a length that
 * does not lead there is corrupt, however plausible it looks. */
static rs_error *str_end_check(struct rs_memory *mem, uint64_t str, uint64_t data, int64_t length, unsigned kind)
{
	uint32_t end = 0;
	rs_error *err = rs_mem_read(mem, data + (uint64_t)length * kind, &end, kind);
	if (err) {
		rs_error_free(err);
		return rs_error_fault(str, "str at 0x%" PRIx64 ": its length %" PRId64 " runs past its memory", str,
				      length);
	}
	if (end)
		return rs_error_fault(str, "str at 0x%" PRIx64 ": its length %" PRId64 " does not end at its "
				      "terminating NUL", str, length);
	return NULL;
}

rs_error *rs_str_text(struct rs_memory *mem, const struct rs_layout *l, uint64_t str, char *buf, size_t size,
		      bool *cut)
{
	int64_t length;
	uint32_t state;
	*cut = false;
	buf[0] = '\0';
	rs_error *err = rs_mem_read(mem, str + (uint64_t)RS_OFF(l, unicode_length), &length, 8);
	if (!err)
		err = rs_mem_read_u32(mem, str + (uint64_t)RS_OFF(l, unicode_state), &state);
	if (err)
		return err;
	unsigned kind = STATE_KIND(state);
	if (kind != 1 && kind != 2 && kind != 4)
		return rs_error_fault(str, "str at 0x%" PRIx64 " has an impossible kind %u", str, kind);
	bool ascii = state & STATE_ASCII;
	if (ascii && kind != 1)
		return rs_error_fault(str, "str at 0x%" PRIx64 " is marked ASCII with %u-byte characters", str, kind);
	if (length < 0 || length > STR_LENGTH_MAX)
		return rs_error_fault(str, "str at 0x%" PRIx64 " has an impossible length %" PRId64, str, length);
	uint64_t data;
	if ((state & STATE_COMPACT) && (state & STATE_ASCII))
		data = str + (uint64_t)RS_OFF(l, unicode_ascii_size);
	else if (state & STATE_COMPACT)
		data = str + (uint64_t)RS_OFF(l, unicode_compact_size);
	else if ((err = rs_mem_read_u64(mem, str + (uint64_t)RS_OFF(l, unicode_compact_size), &data)))
		return err;
	if ((err = str_end_check(mem, str, data, length, kind)))
		return err;
	unsigned char chars[256];
	size_t len = 0;
	uint64_t wanted = (uint64_t)length;
	for (uint64_t done = 0; done < wanted;) {
		uint64_t count = (wanted - done) * kind < sizeof(chars) ? wanted - done : sizeof(chars) / kind;
		if ((err = rs_mem_read(mem, data + done * kind, chars, count * kind)))
			return err;
		for (uint64_t i = 0; i < count; i++) {
			uint32_t c = kind == 1 ? chars[i] : kind == 2 ? ((uint16_t *)(void *)chars)[i]
							      : ((uint32_t *)(void *)chars)[i];
			if (ascii && c >= 0x80) /* its bytes are not what its flags say: it is corrupt */
				return rs_error_fault(str, "str at 0x%" PRIx64 " is marked ASCII but character %"
						      PRIu64 " is 0x%02x", str, done + i, c);
			if (!char_append(buf, size, &len, c)) {
				*cut = true;
				return NULL;
			}
		}
		done += count;
	}
	return NULL;
}

/* snprintf for labels holding text: a label cut at the end of buf loses a
 * character cut in half, so that it stays UTF-8. */
static void text_put(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void text_put(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= size && size > 0)
		rs_utf8_trim(buf);
}

/* A warning once per text: a bad name is met again at every reference. */
static void warn_once(struct rs_diag *diag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn_once(struct rs_diag *diag, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < diag->count; i++)
		if (strcmp(diag->lines[i], line) == 0)
			return;
	rs_diag_add(diag, "%s", line);
}

/* An int that fits in 64 bits, for labels; false otherwise. */
static bool small_int_value(struct rs_memory *mem, const struct rs_layout *l, uint64_t obj, int64_t *value)
{
	uint64_t tag;
	uint32_t digits[3] = {0, 0, 0};
	int64_t ndigits;
	bool negative;
	rs_error *err = rs_mem_read_u64(mem, obj + RS_HEAD(l) + 16, &tag); /* lv_tag or ob_size */
	if (err) {
		rs_error_free(err);
		return false;
	}
	if (RS_OFF(l, long_tag) >= 0) {
		ndigits = (int64_t)(tag >> 3);
		negative = (tag & 3) == 2;
	} else {
		ndigits = (int64_t)tag < 0 ? -(int64_t)tag : (int64_t)tag;
		negative = (int64_t)tag < 0;
	}
	if (ndigits > 2)
		return false;
	if (ndigits > 0 && (err = rs_mem_read(mem, obj + (uint64_t)RS_OFF(l, long_digits), digits, 4 * (size_t)ndigits))) {
		rs_error_free(err);
		return false;
	}
	uint64_t magnitude = digits[0] | ((uint64_t)digits[1] << 30);
	*value = negative ? -(int64_t)magnitude : (int64_t)magnitude;
	return true;
}

void rs_key_text(struct rs_objmodel *m, uint64_t key, char *buf, size_t size)
{
	const struct rs_layout *l = &m->py->layout;
	uint64_t type = 0, flags = 0;
	rs_error *err = rs_mem_read_u64(m->mem, key + (uint64_t)RS_OFF(l, object_type), &type);
	if (!err)
		err = rs_mem_read_u64(m->mem, type + (uint64_t)RS_OFF(l, type_flags), &flags);
	if (!err && (flags & TPFLAGS_UNICODE_SUBCLASS)) {
		char text[160];
		bool cut;
		err = rs_str_text(m->mem, l, key, text, sizeof(text), &cut);
		if (!err) {
			text_put(buf, size, "'%s%s'", text, cut ? "..." : "");
			return;
		}
	}
	int64_t value;
	if (!err && (flags & TPFLAGS_LONG_SUBCLASS) && small_int_value(m->mem, l, key, &value)) {
		snprintf(buf, size, "%" PRId64, value);
		return;
	}
	rs_error_free(err);
	snprintf(buf, size, "<key at 0x%" PRIx64 ">", key);
}

void rs_via_text(struct rs_objmodel *m, enum rs_via_kind kind, uint64_t detail, char *buf, size_t size)
{
	char key[192];
	bool truncated;
	switch (kind) {
	case RS_VIA_INDEX:
		snprintf(buf, size, "[%" PRIu64 "]", detail);
		return;
	case RS_VIA_DICT_VALUE:
		rs_key_text(m, detail, key, sizeof(key));
		text_put(buf, size, "[%s]", key);
		return;
	case RS_VIA_DICT_KEY:
		rs_key_text(m, detail, key, sizeof(key));
		text_put(buf, size, "key %s", key);
		return;
	case RS_VIA_SET_ITEM:
		snprintf(buf, size, "{item}");
		return;
	case RS_VIA_ATTRIBUTE: {
		rs_error *err = detail ? rs_str_text(m->mem, &m->py->layout, detail, key, sizeof(key), &truncated) : NULL;
		if (detail && !err) {
			text_put(buf, size, ".%s", key);
			return;
		}
		rs_error_free(err);
		snprintf(buf, size, ".<attribute>");
		return;
	}
	case RS_VIA_SLOT: { /* a C string, from the PyMemberDef of a __slots__ member */
		rs_error *err = rs_mem_read_cstr(m->mem, detail, key, sizeof(key), &truncated);
		if (err) {
			rs_error_free(err);
			snprintf(buf, size, ".<slot>");
		} else if (!rs_utf8_valid(key, truncated)) {
			warn_once(m->mem->diag, "slot name at 0x%" PRIx64 " is not text", detail);
			snprintf(buf, size, ".<unreadable name at 0x%" PRIx64 ">", detail);
		} else {
			text_put(buf, size, ".%s", key);
		}
		return;
	}
	case RS_VIA_FIELD:
		snprintf(buf, size, ".%s", (const char *)(uintptr_t)detail);
		return;
	case RS_VIA_CONSERVATIVE:
		if (detail >> 32) /* in a block the body points to: body offset, then offset in the block + 1 */
			snprintf(buf, size, "+0x%" PRIx64 " -> +0x%" PRIx64 " (conservative)", detail >> 32,
				 (detail & 0xffffffff) - 1);
		else
			snprintf(buf, size, "+0x%" PRIx64 " (conservative)", detail);
		return;
	}
	snprintf(buf, size, "?");
}
