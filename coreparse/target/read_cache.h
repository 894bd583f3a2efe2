/* A direct-mapped cache of fixed-size lines of target memory, for sources
 * where every read costs a system call (a live process). Only valid while
 * the target is stopped: the caller owns that. */
#ifndef RS_TARGET_READ_CACHE_H
#define RS_TARGET_READ_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define RS_CACHE_LINE 16384u
#define RS_CACHE_LINES 1024u /* 16 MiB */

/* Reads up to len bytes at address into buf; returns how many it could
 * read from the start (0 when the first byte is unreadable), -1 on another
 * error, with errno set. */
typedef long (*rs_cache_fill)(void *ctx, uint64_t address, void *buf, size_t len);

struct rs_read_cache {
	rs_cache_fill fill;
	void *ctx;
	uint64_t *bases;      /* line address + 1; 0 for an empty slot */
	uint32_t *valid;      /* readable bytes from the line's start */
	unsigned char *data;
};

int rs_read_cache_init(struct rs_read_cache *cache, rs_cache_fill fill, void *ctx);
void rs_read_cache_free(struct rs_read_cache *cache);

/* Copies len bytes at address; returns 0, or the address of the first
 * unreadable byte's line portion via *bad and -1 (errno set on system errors). */
int rs_read_cache_read(struct rs_read_cache *cache, uint64_t address, void *buf, size_t len, uint64_t *bad);

#endif
