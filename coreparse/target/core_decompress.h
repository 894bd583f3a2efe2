/* Cores compressed with zstd, lz4 or xz (systemd-coredump's formats). */
#ifndef RS_TARGET_CORE_DECOMPRESS_H
#define RS_TARGET_CORE_DECOMPRESS_H

#include "util/error.h"

/* When the file open at fd is compressed (by its magic number), its
 * decompressed bytes in a new unlinked temporary file, open at *out_fd;
 * else *out_fd is -1. A truncated or corrupt stream is an RS_ERR_FORMAT
 * error naming path. */
rs_error *rs_core_decompress(int fd, const char *path, int *out_fd);

#endif
