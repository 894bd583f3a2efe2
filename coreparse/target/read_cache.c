#include "read_cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int rs_read_cache_init(struct rs_read_cache *cache, rs_cache_fill fill, void *ctx)
{
	cache->fill = fill;
	cache->ctx = ctx;
	cache->bases = calloc(RS_CACHE_LINES, sizeof(*cache->bases));
	cache->valid = calloc(RS_CACHE_LINES, sizeof(*cache->valid));
	cache->data = malloc((size_t)RS_CACHE_LINES * RS_CACHE_LINE);
	if (!cache->bases || !cache->valid || !cache->data) {
		rs_read_cache_free(cache);
		return -1;
	}
	return 0;
}

void rs_read_cache_free(struct rs_read_cache *cache)
{
	free(cache->bases);
	free(cache->valid);
	free(cache->data);
	cache->bases = NULL;
	cache->valid = NULL;
	cache->data = NULL;
}

/* Points *line at the slot for base, filled on a miss; returns its readable
 * length, -1 on a system error. */
static long line_get(struct rs_read_cache *cache, uint64_t base, unsigned char **line)
{
	size_t slot = (size_t)((base / RS_CACHE_LINE) % RS_CACHE_LINES);
	*line = cache->data + slot * RS_CACHE_LINE;
	if (cache->bases[slot] != base + 1) {
		long n = cache->fill(cache->ctx, base, *line, RS_CACHE_LINE);
		if (n < 0)
			return -1;
		cache->bases[slot] = base + 1;
		cache->valid[slot] = (uint32_t)n;
	}
	return cache->valid[slot];
}

int rs_read_cache_read(struct rs_read_cache *cache, uint64_t address, void *buf, size_t len, uint64_t *bad)
{
	unsigned char *out = buf;
	while (len > 0) {
		uint64_t base = address - address % RS_CACHE_LINE;
		size_t rel = (size_t)(address - base);
		size_t chunk = RS_CACHE_LINE - rel < len ? RS_CACHE_LINE - rel : len;
		unsigned char *line;
		long valid = line_get(cache, base, &line);
		if (valid < 0) {
			*bad = address;
			return -1;
		}
		if ((size_t)valid >= rel + chunk) {
			memcpy(out, line + rel, chunk);
		} else {
			/* The line has a hole (an unmapped page before mapped ones):
			 * read just what was asked for, past the hole. */
			long n = cache->fill(cache->ctx, address, out, chunk);
			if (n < 0 || (size_t)n < chunk) {
				*bad = address + (n > 0 ? (uint64_t)n : 0);
				if (n >= 0)
					errno = EFAULT;
				return -1;
			}
		}
		out += chunk;
		address += chunk;
		len -= chunk;
	}
	return 0;
}
