/* Line tables: from an instruction's offset to its source line (see
 * code_lines.h). Each decoder walks the table from its start, as
 * PyCode_Addr2Line does, keeping the running line; the first range that
 * ends past the offset gives the answer. */
#include <inttypes.h>

#include "code_lines.h"

/* No real table comes near: a code object of 2^20 code units has a table
 * of a few MiB at most. Anything longer is corrupt. */
#define TABLE_MAX (16u << 20)
#define CHUNK 256

/* The table's bytes in order, CHUNK at a time into a buffer on the stack. */
struct table {
	struct rs_memory *mem;
	uint64_t address, length;
	uint64_t pos; /* the next byte to take */
	uint64_t buf_start;
	size_t buf_len;
	uint8_t buf[CHUNK];
	rs_error *err; /* a read that failed: the walk stops */
};

/* The next byte; false at the end of the table or when it cannot be read. */
static bool next_byte(struct table *t, uint8_t *out)
{
	if (t->err || t->pos >= t->length)
		return false;
	if (t->pos < t->buf_start || t->pos >= t->buf_start + t->buf_len) {
		uint64_t left = t->length - t->pos;
		size_t n = left < CHUNK ? (size_t)left : CHUNK;
		t->err = rs_mem_read(t->mem, t->address + t->pos, t->buf, n);
		if (t->err)
			return false;
		t->buf_start = t->pos;
		t->buf_len = n;
	}
	*out = t->buf[t->pos - t->buf_start];
	t->pos++;
	return true;
}

/* Past the last range: the offset is past the code (or the table is cut). */
static rs_error *table_end(struct table *t, uint64_t code, int64_t offset)
{
	if (t->err)
		return t->err;
	return rs_error_new(RS_ERR_CORRUPT, "code at 0x%" PRIx64 ": offset %" PRId64 " past its line table", code,
			    offset);
}

static rs_error *line_found(uint64_t code, int64_t offset, int64_t line, int32_t *out)
{
	if (line < 0 || line > INT32_MAX)
		return line == -1 ? rs_error_new(RS_ERR_NOT_FOUND, "code at 0x%" PRIx64 ": offset %" PRId64 " has no line",
						 code, offset)
				  : rs_error_new(RS_ERR_CORRUPT, "code at 0x%" PRIx64 ": line %" PRId64 " out of range",
						 code, line);
	*out = (int32_t)line;
	return NULL;
}

/* 3.8-3.9 co_lnotab: the line of an offset is the first line plus the line
 * deltas of every pair whose running address has not passed the offset. */
static rs_error *lnotab_line(struct table *t, uint64_t code, int64_t offset, int64_t line, int32_t *out)
{
	int64_t address = 0;
	uint8_t a, b;
	while (next_byte(t, &a) && next_byte(t, &b)) {
		address += a;
		if (address > offset)
			break;
		line += (int8_t)b;
	}
	if (t->err)
		return t->err;
	return line_found(code, offset, line, out);
}

/* 3.10 co_linetable: each pair is a range of `a` bytes, the line moving by
 * `b` at its start, or no line when b is -128 (the running line stays).
 * Empty ranges only move the line. */
static rs_error *linetable_310_line(struct table *t, uint64_t code, int64_t offset, int64_t line, int32_t *out)
{
	int64_t end = 0;
	uint8_t a, b;
	while (next_byte(t, &a) && next_byte(t, &b)) {
		int64_t start = end, range_line = -1;
		end += a;
		if ((int8_t)b != -128) {
			line += (int8_t)b;
			range_line = line;
		}
		if (end > start && offset < end)
			return line_found(code, offset, range_line, out);
	}
	return table_end(t, code, offset);
}

/* A varint of the location table: 6 bits a byte, least significant first,
 * bit 6 set while more follow. Payload bytes never have bit 7 set. */
static bool varint(const uint8_t *p, size_t n, uint32_t *out)
{
	uint32_t value = 0;
	for (size_t i = 0, shift = 0; i < n && shift < 32; i++, shift += 6) {
		value |= (uint32_t)(p[i] & 63) << shift;
		if (!(p[i] & 64)) {
			*out = value;
			return true;
		}
	}
	return false;
}

enum {
	LOCATION_SHORT_LAST = 9, /* kinds 0-9: same line, columns in one byte */
	LOCATION_ONE_LINE0 = 10, /* 10-12: the line moves by kind - 10 */
	LOCATION_ONE_LINE2 = 12,
	LOCATION_NO_COLUMNS = 13, /* a signed varint line delta */
	LOCATION_LONG = 14,       /* a signed varint line delta, then end line and columns */
	LOCATION_NONE = 15,       /* no location: the running line stays */
};

/* 3.11+ location table: each entry covers (head & 7) + 1 code units of two
 * bytes; its kind says how the running line moves at its start. */
static rs_error *locations_line(struct table *t, uint64_t code, int64_t offset, int64_t line, int32_t *out)
{
	int64_t end = 0;
	uint8_t head, byte = 0;
	bool more = next_byte(t, &head);
	while (more) {
		if (!(head & 128))
			return rs_error_new(RS_ERR_CORRUPT, "code at 0x%" PRIx64 ": location entry without its mark",
					    code);
		unsigned kind = (head >> 3) & 15;
		end += 2 * ((head & 7) + 1);
		/* The payload runs to the next head byte; the line delta is its
		 * first varint, which needs 6 bytes at most. */
		uint8_t payload[6];
		size_t n = 0;
		while ((more = next_byte(t, &byte)) && !(byte & 128))
			if (n < sizeof(payload))
				payload[n++] = byte;
		if (t->err)
			return t->err;
		if (kind == LOCATION_NO_COLUMNS || kind == LOCATION_LONG) {
			uint32_t u;
			if (!varint(payload, n, &u))
				return rs_error_new(RS_ERR_CORRUPT, "code at 0x%" PRIx64 ": bad varint in its location table",
						    code);
			line += (u & 1) ? -(int64_t)(u >> 1) : (int64_t)(u >> 1);
		} else if (kind >= LOCATION_ONE_LINE0 && kind <= LOCATION_ONE_LINE2) {
			line += kind - LOCATION_ONE_LINE0;
		}
		if (offset < end)
			return line_found(code, offset, kind == LOCATION_NONE ? -1 : line, out);
		head = byte;
	}
	return table_end(t, code, offset);
}

rs_error *rs_code_line(struct rs_memory *mem, const struct rs_layout *l, uint64_t code, int64_t offset,
		       int32_t *line)
{
	int64_t table_off = RS_OFF(l, code_linetable), first_off = RS_OFF(l, code_firstlineno);
	int64_t size_off = RS_OFF(l, varobject_size), data_off = RS_OFF(l, bytes_data);
	if (table_off < 0 || first_off < 0 || size_off < 0 || data_off < 0)
		return rs_error_new(RS_ERR_UNSUPPORTED, "no line table offsets for this Python");
	int32_t first = 0;
	rs_error *err = rs_mem_read(mem, code + (uint64_t)first_off, &first, sizeof(first));
	if (err)
		return err;
	if (offset < 0) /* not started yet: PyCode_Addr2Line's answer */
		return line_found(code, offset, first, line);
	if (l->minor >= 11) {
		/* The bytecode is the code object's items: ob_size code units. */
		int64_t units = 0;
		if ((err = rs_mem_read(mem, code + (uint64_t)size_off, &units, sizeof(units))))
			return err;
		if (offset >= 2 * units)
			return rs_error_new(RS_ERR_CORRUPT, "code at 0x%" PRIx64 ": offset %" PRId64 " past its %" PRId64
					    " code units", code, offset, units);
	}
	uint64_t bytes = 0;
	int64_t length = 0;
	if ((err = rs_mem_read_u64(mem, code + (uint64_t)table_off, &bytes)))
		return err;
	if (!bytes)
		return rs_error_new(RS_ERR_CORRUPT, "code at 0x%" PRIx64 " has no line table", code);
	if ((err = rs_mem_read(mem, bytes + (uint64_t)size_off, &length, sizeof(length))))
		return err;
	if (length < 0 || length > (int64_t)TABLE_MAX)
		return rs_error_new(RS_ERR_CORRUPT, "code at 0x%" PRIx64 ": line table of %" PRId64 " bytes", code,
				    length);
	struct table t = {.mem = mem, .address = bytes + (uint64_t)data_off, .length = (uint64_t)length};
	if (l->minor <= 9)
		return lnotab_line(&t, code, offset, first, line);
	if (l->minor == 10)
		return linetable_310_line(&t, code, offset, first, line);
	return locations_line(&t, code, offset, first, line);
}
