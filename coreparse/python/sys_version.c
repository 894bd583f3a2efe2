/* The exact version of a 3.8-3.10 interpreter, which has no Py_Version
 * symbol: sys.hexversion, read from the main interpreter's sys dict. Only
 * the 3.8-3.10 object layouts are handled here, with or without
 * Py_TRACE_REFS (RS_HEAD). */
#include <inttypes.h>
#include <string.h>

#include "python.h"

#define ASCII_DATA_OFFSET 48 /* sizeof(PyASCIIObject) before 3.12 */
#define STATE_COMPACT (1u << 5)
#define STATE_ASCII (1u << 6)

static bool str_equals_ascii(struct rs_memory *mem, const struct rs_layout *l, uint64_t str, const char *want)
{
	uint64_t length;
	uint32_t state;
	size_t n = strlen(want);
	char buf[32];
	if (n >= sizeof(buf))
		return false;
	str += RS_HEAD(l);
	rs_error *err = rs_mem_read_u64(mem, str + 16, &length);
	if (!err)
		err = rs_mem_read_u32(mem, str + 32, &state);
	if (!err && length == n && (state & (STATE_COMPACT | STATE_ASCII)) == (STATE_COMPACT | STATE_ASCII))
		err = rs_mem_read(mem, str + ASCII_DATA_OFFSET, buf, n);
	else if (!err)
		return false;
	if (err) {
		rs_error_free(err);
		return false;
	}
	return memcmp(buf, want, n) == 0;
}

static rs_error *small_int_value(struct rs_memory *mem, const struct rs_layout *l, uint64_t obj, uint32_t *value)
{
	int64_t size;
	uint32_t digits[2] = {0, 0};
	obj += RS_HEAD(l);
	rs_error *err = rs_mem_read(mem, obj + 16, &size, sizeof(size));
	if (err)
		return err;
	if (size < 1 || size > 2)
		return rs_error_new(RS_ERR_CORRUPT, "sys.hexversion at 0x%" PRIx64 " is no small positive int", obj);
	err = rs_mem_read(mem, obj + 24, digits, 4 * (size_t)size);
	if (err)
		return err;
	*value = digits[0] | (digits[1] << 30);
	return NULL;
}

static rs_error *dict_lookup_ascii(struct rs_memory *mem, const struct rs_layout *l, uint64_t dict,
				   const char *key, uint64_t *value)
{
	uint64_t keys, size, nentries;
	rs_error *err = rs_mem_read_u64(mem, dict + RS_HEAD(l) + (uint64_t)RS_OFF(l, dict_keys), &keys);
	if (!err)
		err = rs_mem_read_u64(mem, keys + (uint64_t)RS_OFF(l, dictkeys_size), &size);
	if (!err)
		err = rs_mem_read_u64(mem, keys + (uint64_t)RS_OFF(l, dictkeys_nentries), &nentries);
	if (err)
		return err;
	if (size == 0 || size > (1u << 24) || nentries > size)
		return rs_error_new(RS_ERR_CORRUPT, "sys dict keys at 0x%" PRIx64 " look corrupt", keys);
	unsigned width = size <= 0xff ? 1 : size <= 0xffff ? 2 : 4;
	uint64_t entries = keys + (uint64_t)RS_OFF(l, dictkeys_indices) + size * width;
	for (uint64_t i = 0; i < nentries; i++) {
		uint64_t entry[3]; /* hash, key, value */
		err = rs_mem_read(mem, entries + 24 * i, entry, sizeof(entry));
		if (err)
			return err;
		if (entry[2] && entry[1] && str_equals_ascii(mem, l, entry[1], key)) {
			*value = entry[2];
			return NULL;
		}
	}
	return rs_error_new(RS_ERR_NOT_FOUND, "no '%s' in the sys dict", key);
}

rs_error *rs_sys_hexversion(struct rs_memory *mem, const struct rs_layout *l, uint64_t runtime,
			    uint32_t *hexversion)
{
	uint64_t interp, next, sysdict, value = 0;
	rs_error *err = rs_mem_read_u64(mem, runtime + (uint64_t)RS_OFF(l, runtime_interpreters_head), &interp);
	/* The list runs newest first: the main interpreter is the last. */
	for (int i = 0; !err && interp && i < 1024; i++) {
		err = rs_mem_read_u64(mem, interp + (uint64_t)RS_OFF(l, interp_next), &next);
		if (err || !next)
			break;
		interp = next;
	}
	if (!err && !interp)
		return rs_error_new(RS_ERR_NOT_FOUND, "the runtime has no interpreter yet");
	if (!err)
		err = rs_mem_read_u64(mem, interp + (uint64_t)RS_OFF(l, interp_sysdict), &sysdict);
	if (!err && !sysdict)
		return rs_error_new(RS_ERR_NOT_FOUND, "the interpreter has no sys module yet");
	if (!err)
		err = dict_lookup_ascii(mem, l, sysdict, "hexversion", &value);
	if (!err)
		err = small_int_value(mem, l, value, hexversion);
	return err;
}
