/* The offsets a module's DWARF gives (rs_layout_from_dwarf), kept on disk by
 * the module's build-id, as gdb keeps its index cache. Distributions compress
 * their debug files, and libdw inflates every debug section of one before
 * the first type can be read: 0.2-0.4 s per run for a libpython, where the
 * cache costs one small read. An entry names the refscope build that wrote
 * it; any other build computes the offsets again and rewrites the entry, so
 * a change to the layout code never meets a stale one.
 *
 * Where: $REFSCOPE_CACHE_DIR (empty: no cache), else
 * $XDG_CACHE_HOME/refscope, else ~/.cache/refscope; entries are
 * layouts/<build-id in hex>. Any failure to read or write is a miss. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layout_cache.h"

#define MAGIC "RSLAYT1\n"
#define ID_MAX 64

struct entry {
	char magic[8];
	uint32_t own_id_len;
	uint32_t n_fields;
	unsigned char own_id[ID_MAX];
	int64_t field[RS_LF_COUNT];
};

struct own_search {
	uintptr_t code;
	unsigned char id[ID_MAX];
	size_t len;
};

/* The NT_GNU_BUILD_ID note among a loaded object's PT_NOTE segments. */
static size_t notes_build_id(const struct dl_phdr_info *info, unsigned char *id)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *note = (const ElfW(Nhdr) *)p;
			size_t name_size = (note->n_namesz + 3) & ~(size_t)3, desc_size = (note->n_descsz + 3) & ~(size_t)3;
			const unsigned char *name = p + sizeof(*note), *desc = name + name_size;
			if (desc + desc_size > end)
				break;
			if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 && memcmp(name, "GNU", 4) == 0 &&
			    note->n_descsz > 0 && note->n_descsz <= ID_MAX) {
				memcpy(id, desc, note->n_descsz);
				return note->n_descsz;
			}
			p = desc + desc_size;
		}
	}
	return 0;
}

static int own_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct own_search *s = arg;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && s->code >= start && s->code - start < ph->p_memsz) {
			s->len = notes_build_id(info, s->id);
			return 1;
		}
	}
	return 0;
}

/* The build-id of the binary or library this code was loaded from: the
 * refscope program, or librefscope inside gdb. */
static size_t own_build_id(unsigned char *id)
{
	static struct own_search s;
	static bool searched;
	if (!searched) {
		s.code = (uintptr_t)&own_build_id;
		dl_iterate_phdr(own_object, &s);
		searched = true;
	}
	memcpy(id, s.id, s.len);
	return s.len;
}

/* The entry's path for a build-id, NULL when there is no cache. */
static char *entry_path(const unsigned char *build_id, size_t len)
{
	const char *dir = getenv("REFSCOPE_CACHE_DIR"), *base = NULL, *tail = "";
	if (dir) {
		if (!*dir)
			return NULL;
		base = dir;
	} else if ((base = getenv("XDG_CACHE_HOME")) && *base == '/') {
		tail = "/refscope";
	} else if ((base = getenv("HOME")) && *base) {
		tail = "/.cache/refscope";
	} else {
		return NULL;
	}
	char hex[2 * ID_MAX + 1];
	for (size_t i = 0; i < len && i < ID_MAX; i++)
		snprintf(hex + 2 * i, 3, "%02x", build_id[i]);
	hex[2 * (len < ID_MAX ? len : ID_MAX)] = '\0';
	char *path = NULL;
	if (asprintf(&path, "%s%s/layouts/%s", base, tail, hex) < 0)
		return NULL;
	return path;
}

bool rs_layout_cache_load(const unsigned char *build_id, size_t len, int64_t field[RS_LF_COUNT])
{
	struct entry e, want = {.magic = MAGIC};
	want.own_id_len = (uint32_t)own_build_id(want.own_id);
	char *path = want.own_id_len && len ? entry_path(build_id, len) : NULL;
	if (!path)
		return false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return false;
	ssize_t got = read(fd, &e, sizeof(e));
	char more;
	bool whole = got == (ssize_t)sizeof(e) && read(fd, &more, 1) == 0;
	close(fd);
	if (!whole || memcmp(e.magic, MAGIC, sizeof(e.magic)) != 0 || e.n_fields != RS_LF_COUNT ||
	    e.own_id_len != want.own_id_len || memcmp(e.own_id, want.own_id, want.own_id_len) != 0)
		return false;
	memcpy(field, e.field, sizeof(e.field));
	return true;
}

/* mkdir -p of the directories above path's last component. */
static bool parents_make(char *path)
{
	for (char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		bool ok = mkdir(path, 0700) == 0 || errno == EEXIST;
		*slash = '/';
		if (!ok)
			return false;
	}
	return true;
}

void rs_layout_cache_store(const unsigned char *build_id, size_t len, const int64_t field[RS_LF_COUNT])
{
	struct entry e;
	memset(&e, 0, sizeof(e));
	memcpy(e.magic, MAGIC, sizeof(e.magic));
	e.own_id_len = (uint32_t)own_build_id(e.own_id);
	e.n_fields = RS_LF_COUNT;
	memcpy(e.field, field, sizeof(e.field));
	char *path = e.own_id_len && len ? entry_path(build_id, len) : NULL, *tmp = NULL;
	if (!path)
		return;
	/* Written aside and renamed: a reader sees a whole entry or none. */
	if (parents_make(path) && asprintf(&tmp, "%s.%ld.tmp", path, (long)getpid()) >= 0) {
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		bool ok = fd >= 0 && write(fd, &e, sizeof(e)) == (ssize_t)sizeof(e);
		if (fd >= 0)
			ok = close(fd) == 0 && ok;
		if (!ok || rename(tmp, path) != 0)
			unlink(tmp);
	}
	free(tmp);
	free(path);
}
