#include "memory.h"

#include <string.h>

/* Reads in small chunks that never cross a page boundary, so a string that
 * ends just before unmapped memory is still read whole. */
rs_error *rs_mem_read_cstr(struct rs_memory *mem, uint64_t address, char *buf, size_t max,
			   bool *truncated)
{
	size_t got = 0;
	*truncated = true;
	if (max == 0)
		return NULL;
	buf[0] = '\0';
	while (got < max) {
		uint64_t at = address + got;
		size_t chunk = 4096 - (at & 4095);
		if (chunk > max - got)
			chunk = max - got;
		if (chunk > 64)
			chunk = 64;
		rs_error *err = rs_mem_read(mem, at, buf + got, chunk);
		if (err) {
			buf[got < max ? got : max - 1] = '\0';
			if (got == 0)
				return err;
			rs_error_free(err);
			return NULL;
		}
		if (memchr(buf + got, '\0', chunk)) {
			*truncated = false;
			return NULL;
		}
		got += chunk;
	}
	buf[max - 1] = '\0';
	return NULL;
}

struct rs_memory *rs_memory_thread_reader(struct rs_memory *mem)
{
	return mem->ops->thread_reader ? mem->ops->thread_reader(mem) : NULL;
}

void rs_memory_destroy(struct rs_memory *mem)
{
	if (mem)
		mem->ops->destroy(mem);
}
