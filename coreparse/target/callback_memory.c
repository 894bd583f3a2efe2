/* Memory read through the caller: for targets only a debugger can reach (a
 * gdbserver remote). Every read goes through the line cache, since each
 * call back may cost a round trip. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "memory.h"
#include "read_cache.h"

struct callback_memory {
	struct rs_memory base;
	long (*read)(void *arg, uint64_t address, void *buf, size_t len);
	void *arg;
	struct rs_read_cache cache;
};

static long callback_fill(void *ctx, uint64_t address, void *buf, size_t len)
{
	struct callback_memory *cb = ctx;
	long n = cb->read(cb->arg, address, buf, len);
	return n < 0 ? 0 : n;
}

static rs_error *callback_read(struct rs_memory *mem, uint64_t address, void *buf, size_t len)
{
	struct callback_memory *cb = (struct callback_memory *)mem;
	uint64_t bad;
	if (rs_read_cache_read(&cb->cache, address, buf, len, &bad) == 0)
		return NULL;
	return rs_error_fault(bad, "address 0x%" PRIx64 " is not readable in the target", bad);
}

static void callback_destroy(struct rs_memory *mem)
{
	struct callback_memory *cb = (struct callback_memory *)mem;
	rs_read_cache_free(&cb->cache);
	free(cb);
}

static const struct rs_memory_ops callback_ops = {callback_read, callback_destroy, NULL, NULL, NULL};

rs_error *rs_callback_memory_open(long (*read)(void *arg, uint64_t address, void *buf, size_t len), void *arg,
				  const struct rs_loaded_file *files, size_t n_files, struct rs_diag *diag,
				  struct rs_memory **out)
{
	if (!n_files)
		return rs_error_new(RS_ERR_USAGE, "a target read through the caller needs its loaded files");
	struct callback_memory *cb = calloc(1, sizeof(*cb));
	if (!cb)
		return rs_error_nomem();
	cb->base.ops = &callback_ops;
	cb->base.diag = diag;
	cb->base.files = files;
	cb->base.n_files = n_files;
	cb->read = read;
	cb->arg = arg;
	if (rs_read_cache_init(&cb->cache, callback_fill, cb) != 0) {
		free(cb);
		return rs_error_nomem();
	}
	*out = &cb->base;
	return NULL;
}
