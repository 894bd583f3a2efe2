/* Target memory: one interface over a core file and a live process.
 *
 * Reads never return made-up bytes: memory the target had but the source does
 * not hold (a segment the kernel filtered out of a core, a file-backed page
 * whose file changed) is a fault carrying its address, never zeros. */
#ifndef RS_TARGET_MEMORY_H
#define RS_TARGET_MEMORY_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "../util/diag.h"
#include "../util/error.h"

struct rs_memory;

struct rs_memory_ops {
	rs_error *(*read)(struct rs_memory *mem, uint64_t address, void *buf, size_t len);
	void (*destroy)(struct rs_memory *mem);
	/* Optional: starts bringing the bytes at address into the cache, for a
	 * read that will come soon. */
	void (*prefetch)(struct rs_memory *mem, uint64_t address);
	/* Optional: a reader for another thread (see rs_memory_thread_reader). */
	struct rs_memory *(*thread_reader)(struct rs_memory *mem);
	/* Optional: most of the target's memory is about to be read, in no
	 * order (a heap walk); the source may ready itself for that. */
	void (*read_most)(struct rs_memory *mem);
};

/* A file mapped into the target (NT_FILE of a core, /proc/PID/maps). */
struct rs_mapped_file {
	uint64_t start, end, offset; /* offset in the file, in bytes */
	const char *path;
};

struct rs_memory {
	const struct rs_memory_ops *ops;
	struct rs_diag *diag;    /* where warnings go; owned by the caller */
	Elf *core_elf;           /* cores: the core's ELF handle; NULL when live */
	pid_t pid;               /* live: the process; 0 for cores */
	const char *exe_path;    /* the main executable as the target recorded it, or NULL */
	/* Where the target's files are found first: a core's --sysroot, a live
	 * process's /proc/PID/root (its own mount namespace, a container's);
	 * NULL: this machine's paths alone. */
	const char *root;
	bool gone;               /* live: the process died while being read; what was read is void */
	const struct rs_loaded_file *files; /* callback targets: the modules, as the caller gave them */
	size_t n_files;
	/* A span of the target whose bytes are in this process's memory as they
	 * are (a core's segment, the last one read): reads within it are copied
	 * inline. A graph build makes about five reads an object, most of 8
	 * bytes, so the call and the segment lookup cost more than the copy.
	 * Empty (size 0) unless the source sets it. */
	uint64_t direct_start, direct_size;
	const unsigned char *direct;
	/* Thread readers: set by a read they could not do (see below). */
	bool missed;
};

static inline rs_error *rs_mem_read(struct rs_memory *mem, uint64_t address, void *buf, size_t len)
{
	uint64_t rel = address - mem->direct_start;
	if (rel < mem->direct_size && len <= mem->direct_size - rel) {
		memcpy(buf, mem->direct + rel, len);
		return NULL;
	}
	return mem->ops->read(mem, address, buf, len);
}

static inline void rs_mem_prefetch(struct rs_memory *mem, uint64_t address)
{
	uint64_t rel = address - mem->direct_start;
	if (rel < mem->direct_size) {
		__builtin_prefetch(mem->direct + rel);
		return;
	}
	if (mem->ops->prefetch)
		mem->ops->prefetch(mem, address);
}

static inline void rs_mem_will_read_most(struct rs_memory *mem)
{
	if (mem->ops->read_most)
		mem->ops->read_most(mem);
}
static inline rs_error *rs_mem_read_u64(struct rs_memory *mem, uint64_t address, uint64_t *out)
{
	return rs_mem_read(mem, address, out, sizeof(*out));
}

static inline rs_error *rs_mem_read_u32(struct rs_memory *mem, uint64_t address, uint32_t *out)
{
	return rs_mem_read(mem, address, out, sizeof(*out));
}

/* Reads a NUL-terminated string of at most max-1 bytes into buf (size max),
 * stopping at unreadable memory; *truncated says whether no NUL was found. */
rs_error *rs_mem_read_cstr(struct rs_memory *mem, uint64_t address, char *buf, size_t max,
			   bool *truncated);

void rs_memory_destroy(struct rs_memory *mem);

/* A reader of mem that another thread may use while this one reads mem: it
 * reads only what the source holds in this process's memory as it is (a
 * core's segments), with no state shared with mem. Any other read fails and
 * sets the reader's missed flag, and the caller must do that work again on
 * mem, where the read may still succeed (a core's mapped files). NULL when
 * the source has no such bytes (a live process, a debugger's memory) or out
 * of memory. Destroy it before mem. */
struct rs_memory *rs_memory_thread_reader(struct rs_memory *mem);

/* core_file.c */
/* sysroot: the root the process ran in (--sysroot), or NULL. */
rs_error *rs_core_memory_open(const char *path, const char *exe_override, const char *sysroot,
			      struct rs_diag *diag, struct rs_memory **out);

/* callback_memory.c: memory read through the caller (a debugger), cached by lines. */
rs_error *rs_callback_memory_open(long (*read)(void *arg, uint64_t address, void *buf, size_t len), void *arg,
				  const struct rs_loaded_file *files, size_t n_files, struct rs_diag *diag,
				  struct rs_memory **out);

/* live_process.c: freezes every thread of pid until rs_live_memory_release
 * or destroy; with freeze false the process is taken as already stopped (a
 * debugger holds it) and only read. */
rs_error *rs_live_memory_open(pid_t pid, bool freeze, struct rs_diag *diag, struct rs_memory **out);
void rs_live_memory_release(struct rs_memory *mem);

/* Whether a live target is a kernel thread, which maps nothing: any other
 * process whose maps read empty is exiting (killed while read). */
bool rs_live_memory_kernel_thread(const struct rs_memory *mem);

#endif
