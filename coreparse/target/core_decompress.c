/* Compressed cores (systemd-coredump stores them as zstd, or lz4 or xz on
 * older systems): told by their magic number, never their name, and
 * decompressed into an unlinked temporary file under $TMPDIR, which is then
 * read like any core. */
#include "core_decompress.h"

#include <errno.h>
#include <fcntl.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define CHUNK (1u << 20)

enum format { PLAIN, ZSTD, LZ4, XZ };

static enum format format_of(const unsigned char *magic, ssize_t n)
{
	static const unsigned char zstd[] = {0x28, 0xb5, 0x2f, 0xfd}, lz4[] = {0x04, 0x22, 0x4d, 0x18},
				   xz[] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
	if (n >= 4 && memcmp(magic, zstd, 4) == 0)
		return ZSTD;
	if (n >= 4 && memcmp(magic, lz4, 4) == 0)
		return LZ4;
	if (n >= 6 && memcmp(magic, xz, 6) == 0)
		return XZ;
	return PLAIN;
}

static const char *const format_names[] = {"plain", "zstd", "lz4", "xz"};

/* The decompressors, one interface: feed input, take output, say when the
 * stream ended. */
struct decoder {
	enum format format;
	ZSTD_DStream *zstd;
	LZ4F_dctx *lz4;
	lzma_stream xz;
	bool ended;
};

static const char *decoder_start(struct decoder *d)
{
	switch (d->format) {
	case ZSTD:
		d->zstd = ZSTD_createDStream();
		return d->zstd ? NULL : "out of memory";
	case LZ4:
		return LZ4F_isError(LZ4F_createDecompressionContext(&d->lz4, LZ4F_VERSION)) ? "out of memory" : NULL;
	default: {
		lzma_stream init = LZMA_STREAM_INIT;
		d->xz = init;
		return lzma_stream_decoder(&d->xz, UINT64_MAX, LZMA_CONCATENATED) == LZMA_OK ? NULL : "out of memory";
	}
	}
}

/* Decodes from *in (*in_len bytes) into out (up to *out_len): both are
 * updated to what was used and made. NULL, or what is wrong. */
static const char *decoder_step(struct decoder *d, const unsigned char *in, size_t *in_len, unsigned char *out,
				size_t *out_len, bool finish)
{
	if (d->format == ZSTD) {
		ZSTD_inBuffer src = {in, *in_len, 0};
		ZSTD_outBuffer dst = {out, *out_len, 0};
		size_t rc = ZSTD_decompressStream(d->zstd, &dst, &src);
		if (ZSTD_isError(rc))
			return ZSTD_getErrorName(rc);
		d->ended = rc == 0;
		*in_len = src.pos;
		*out_len = dst.pos;
		return NULL;
	}
	if (d->format == LZ4) {
		size_t rc = LZ4F_decompress(d->lz4, out, out_len, in, in_len, NULL);
		if (LZ4F_isError(rc))
			return LZ4F_getErrorName(rc);
		d->ended = rc == 0;
		return NULL;
	}
	d->xz.next_in = in;
	d->xz.avail_in = *in_len;
	d->xz.next_out = out;
	d->xz.avail_out = *out_len;
	lzma_ret rc = lzma_code(&d->xz, finish ? LZMA_FINISH : LZMA_RUN);
	*in_len -= d->xz.avail_in;
	*out_len -= d->xz.avail_out;
	d->ended = rc == LZMA_STREAM_END;
	if (rc == LZMA_BUF_ERROR && finish)
		return "the stream ends early (a truncated file)";
	if (rc != LZMA_OK && rc != LZMA_STREAM_END && rc != LZMA_BUF_ERROR)
		return rc == LZMA_DATA_ERROR || rc == LZMA_FORMAT_ERROR ? "corrupt data" : rc == LZMA_MEM_ERROR ?
		       "out of memory" : "cannot decode";
	return NULL;
}

static void decoder_end(struct decoder *d)
{
	ZSTD_freeDStream(d->zstd);
	if (d->lz4)
		LZ4F_freeDecompressionContext(d->lz4);
	if (d->format == XZ)
		lzma_end(&d->xz);
}

static bool write_all(int fd, const unsigned char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		buf += w;
		n -= (size_t)w;
	}
	return true;
}

/* A file nobody else can open: created under $TMPDIR and unlinked at once. */
static int temporary_file(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/refscope-core.XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(path);
	if (fd >= 0)
		unlink(path);
	return fd;
}

static rs_error *decompress(struct decoder *d, int in_fd, int out_fd, const char *path)
{
	unsigned char *in = malloc(CHUNK), *out = malloc(CHUNK);
	rs_error *err = NULL;
	size_t have = 0;
	bool eof = false;
	const char *why = in && out ? NULL : "out of memory";
	while (!why && !err && !(d->ended && eof && !have)) {
		if (!eof && have < CHUNK) {
			ssize_t r = read(in_fd, in + have, CHUNK - have);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				err = rs_error_os(errno, "%s", path);
			eof = r == 0;
			have += r > 0 ? (size_t)r : 0;
		}
		if (err || (!have && eof && !d->ended && d->format != XZ))
			break;
		size_t used = have, made = CHUNK;
		why = decoder_step(d, in, &used, out, &made, eof);
		if (!why && made && !write_all(out_fd, out, made))
			err = rs_error_os(errno ? errno : ENOSPC, "%s: writing the decompressed core under $TMPDIR", path);
		memmove(in, in + used, have - used);
		have -= used;
		if (!why && eof && !used && !made)
			break; /* no progress at the end of the input */
	}
	if (!err && !why && !d->ended)
		why = "the stream ends early (a truncated file)";
	if (!err && why)
		err = rs_error_new(RS_ERR_FORMAT, "%s: a %s-compressed core that does not decode: %s", path,
				   format_names[d->format], why);
	free(in);
	free(out);
	return err;
}

rs_error *rs_core_decompress(int fd, const char *path, int *out_fd)
{
	unsigned char magic[6];
	*out_fd = -1;
	ssize_t n = pread(fd, magic, sizeof(magic), 0);
	struct decoder d = {.format = format_of(magic, n)};
	if (d.format == PLAIN)
		return NULL;
	if (decoder_start(&d)) {
		decoder_end(&d);
		return rs_error_nomem();
	}
	int tmp = temporary_file();
	if (tmp < 0) {
		decoder_end(&d);
		return rs_error_os(errno, "%s: no temporary file under $TMPDIR for the decompressed core", path);
	}
	rs_error *err = decompress(&d, fd, tmp, path);
	decoder_end(&d);
	if (err) {
		close(tmp);
		return err;
	}
	*out_fd = tmp;
	return NULL;
}
