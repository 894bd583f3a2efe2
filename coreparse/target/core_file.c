/* Memory of an ELF core file.
 *
 * The core is mapped read-only. Its PT_LOAD segments hold what the kernel (or
 * gcore) saved; a segment with p_filesz < p_memsz was filtered, not zero-filled
 * (coredump_filter leaves out file-backed read-only mappings such as .text and
 * .rodata, where tp_name strings of static types live). Reads there fall back
 * to the file named in the NT_FILE note, at the offset the note gives, once the
 * file's build-id is found equal to the one the core saved with the mapping. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf_build_id.h"
#include "core_decompress.h"
#include "memory.h"
#include "../util/resident_pages.h"

struct core_segment {
	uint64_t vaddr, memsz;
	uint64_t filesz;    /* bytes the core meant to hold */
	uint64_t present;   /* bytes actually in the file (less when truncated) */
	uint64_t offset;
};

enum backing_state { BACKING_UNCHECKED, BACKING_USABLE, BACKING_REFUSED };

/* A file on disk standing in for filtered mappings; shared by its mappings. */
struct file_backing {
	char *path;
	enum backing_state state;
	const unsigned char *data;
	size_t size;
};

struct file_mapping {
	uint64_t start, end, offset;
	struct file_backing *file;
};

/* Which segment a MiB of the address space was last found in: a graph
 * build makes tens of millions of reads of a few bytes, going back and forth
 * between a few dozen segments (a heap of many arenas), and spares itself a
 * binary search over a hundred segments for each. */
#define SEGMENT_CACHE_SHIFT 20
#define SEGMENT_CACHE_SIZE 1024

struct segment_cache_entry {
	uint64_t chunk_plus_one; /* 0: empty */
	const struct core_segment *segment;
};

struct core_memory {
	struct rs_memory base;
	struct segment_cache_entry segment_cache[SEGMENT_CACHE_SIZE];
	int fd;
	const unsigned char *image;
	size_t image_size;
	struct core_segment *segments; /* sorted by vaddr */
	size_t n_segments;
	struct file_mapping *mappings; /* sorted by start */
	size_t n_mappings;
	struct file_backing *files;
	size_t n_files;
	char *exe_path;
	const char *sysroot; /* --sysroot: where the files the core names are looked for first */
	uint64_t at_phdr;
};

static const struct core_segment *segment_find(const struct core_memory *core, uint64_t address)
{
	size_t lo = 0, hi = core->n_segments;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct core_segment *seg = &core->segments[mid];
		if (address < seg->vaddr)
			hi = mid;
		else if (address - seg->vaddr >= seg->memsz)
			lo = mid + 1;
		else
			return seg;
	}
	return NULL;
}

static const struct file_mapping *mapping_find(const struct core_memory *core, uint64_t address)
{
	size_t lo = 0, hi = core->n_mappings;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct file_mapping *map = &core->mappings[mid];
		if (address < map->start)
			hi = mid;
		else if (address >= map->end)
			lo = mid + 1;
		else
			return map;
	}
	return NULL;
}

/* segment_find through the cache; the library reads one target from one
 * thread at a time. */
static const struct core_segment *segment_lookup(struct core_memory *core, uint64_t address)
{
	uint64_t chunk = address >> SEGMENT_CACHE_SHIFT;
	struct segment_cache_entry *e = &core->segment_cache[chunk % SEGMENT_CACHE_SIZE];
	const struct core_segment *seg = e->segment;
	if (e->chunk_plus_one == chunk + 1 && address - seg->vaddr < seg->memsz)
		return seg;
	seg = segment_find(core, address);
	if (seg)
		*e = (struct segment_cache_entry){chunk + 1, seg};
	return seg;
}

/* Copies what the core itself holds at [address, address+len); no fallback. */
static bool core_segment_read(const struct core_memory *core, uint64_t address, void *buf,
			      size_t len)
{
	const struct core_segment *seg = segment_find(core, address);
	if (!seg)
		return false;
	uint64_t rel = address - seg->vaddr;
	if (rel + len > seg->present)
		return false;
	memcpy(buf, core->image + seg->offset + rel, len);
	return true;
}

/* The build-id the core saved with a mapping's first page; copied into id_out. */
static size_t core_build_id_of_mapping(const struct core_memory *core, uint64_t start,
				       unsigned char id_out[64])
{
	unsigned char page[4096];
	if (!core_segment_read(core, start, page, sizeof(page)))
		return 0;
	Elf *elf = elf_memory((char *)page, sizeof(page));
	if (!elf)
		return 0;
	const unsigned char *found = NULL;
	size_t len = elf_build_id(elf, &found);
	if (len > 64)
		len = 0;
	if (len)
		memcpy(id_out, found, len);
	elf_end(elf);
	return len;
}

/* The first mapping of a file, at file offset 0, is where its ELF header and
 * build-id note were loaded; the kernel keeps that page in cores. */
static uint64_t file_header_mapping(const struct core_memory *core, const struct file_backing *file)
{
	for (size_t i = 0; i < core->n_mappings; i++)
		if (core->mappings[i].file == file && core->mappings[i].offset == 0)
			return core->mappings[i].start;
	return 0;
}

static void backing_check(struct core_memory *core, struct file_backing *file)
{
	file->state = BACKING_REFUSED;
	int fd = open(file->path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		rs_diag_add(core->base.diag, "%s: cannot read it for memory missing from the core (%s)",
			    file->path, fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return;
	}
	void *data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (data == MAP_FAILED) {
		rs_diag_add(core->base.diag, "%s: cannot map it: %s", file->path, strerror(errno));
		return;
	}
	file->data = data;
	file->size = (size_t)st.st_size;

	const unsigned char *disk_id = NULL;
	unsigned char core_id[64];
	size_t disk_len = 0, core_len = 0;
	Elf *elf = elf_memory((char *)data, file->size);
	if (elf)
		disk_len = elf_build_id(elf, &disk_id);
	uint64_t header = file_header_mapping(core, file);
	if (header)
		core_len = core_build_id_of_mapping(core, header, core_id);
	if (core_len && (disk_len != core_len || memcmp(disk_id, core_id, core_len) != 0)) {
		rs_diag_add(core->base.diag,
			    "%s: its build-id differs from the one in the core; memory the core "
			    "left out of it is unreadable (pass the right file with --exe, or the "
			    "root the process ran in with --sysroot, or put it back)", file->path);
	} else {
		if (!core_len && elf)
			rs_diag_add(core->base.diag,
				    "%s: the core holds no build-id to check it against; reading "
				    "memory missing from the core from it anyway", file->path);
		file->state = BACKING_USABLE;
	}
	if (elf)
		elf_end(elf);
	if (file->state != BACKING_USABLE) {
		munmap(data, file->size);
		file->data = NULL;
	}
}

static bool core_file_read(struct core_memory *core, uint64_t address, void *buf, size_t len)
{
	const struct file_mapping *map = mapping_find(core, address);
	if (!map || address + len > map->end)
		return false;
	struct file_backing *file = map->file;
	if (file->state == BACKING_UNCHECKED)
		backing_check(core, file);
	if (file->state != BACKING_USABLE)
		return false;
	uint64_t off = map->offset + (address - map->start);
	if (off > file->size || len > file->size - off)
		return false;
	memcpy(buf, file->data + off, len);
	return true;
}

/* One piece of a read: what the core holds, else what a mapped file holds,
 * never crossing the end of either. */
static bool core_read_piece(struct core_memory *core, uint64_t address, unsigned char *out, size_t len,
			    size_t *done)
{
	const struct core_segment *seg = segment_lookup(core, address);
	if (seg) {
		uint64_t rel = address - seg->vaddr;
		if (rel < seg->present) {
			*done = len < seg->present - rel ? len : (size_t)(seg->present - rel);
			memcpy(out, core->image + seg->offset + rel, *done);
			core->base.direct_start = seg->vaddr;
			core->base.direct_size = seg->present;
			core->base.direct = core->image + seg->offset;
			return true;
		}
		if (len > seg->memsz - rel)
			len = (size_t)(seg->memsz - rel);
	}
	const struct file_mapping *map = mapping_find(core, address);
	if (map && len > map->end - address)
		len = (size_t)(map->end - address);
	*done = len;
	return core_file_read(core, address, out, len);
}

static rs_error *core_read(struct rs_memory *mem, uint64_t address, void *buf, size_t len)
{
	struct core_memory *core = (struct core_memory *)mem;
	unsigned char *out = buf;
	while (len > 0) {
		size_t done;
		if (!core_read_piece(core, address, out, len, &done))
			return rs_error_fault(address, "address 0x%" PRIx64 " is not in the core, nor in a "
					      "file mapped there", address);
		out += done;
		address += done;
		len -= done;
	}
	return NULL;
}

static void core_destroy(struct rs_memory *mem)
{
	struct core_memory *core = (struct core_memory *)mem;
	for (size_t i = 0; i < core->n_files; i++) {
		if (core->files[i].data)
			munmap((void *)core->files[i].data, core->files[i].size);
		free(core->files[i].path);
	}
	free(core->files);
	free(core->mappings);
	free(core->segments);
	free(core->exe_path);
	if (core->base.core_elf)
		elf_end(core->base.core_elf);
	if (core->image)
		munmap((void *)core->image, core->image_size);
	if (core->fd >= 0)
		close(core->fd);
	free(core);
}

static void core_prefetch(struct rs_memory *mem, uint64_t address)
{
	struct core_memory *core = (struct core_memory *)mem;
	const struct core_segment *seg = segment_lookup(core, address);
	if (seg && address - seg->vaddr < seg->present)
		__builtin_prefetch(core->image + seg->offset + (address - seg->vaddr));
}

/* A thread reader: the core's segments only, found without the shared
 * segment cache; the image is mapped read-only and never changes. */
struct core_reader {
	struct rs_memory base;
	const struct core_memory *core;
	struct rs_diag diag; /* never shown: what it did not read is read again */
};

static rs_error *core_reader_read(struct rs_memory *mem, uint64_t address, void *buf, size_t len)
{
	struct core_reader *r = (struct core_reader *)mem;
	const struct core_segment *seg = segment_find(r->core, address);
	uint64_t rel = seg ? address - seg->vaddr : 0;
	if (!seg || rel >= seg->present || len > seg->present - rel) {
		mem->missed = true;
		return rs_error_fault(address, "address 0x%" PRIx64 " is not in the core's segments", address);
	}
	memcpy(buf, r->core->image + seg->offset + rel, len);
	mem->direct_start = seg->vaddr;
	mem->direct_size = seg->present;
	mem->direct = r->core->image + seg->offset;
	return NULL;
}

static void core_reader_destroy(struct rs_memory *mem)
{
	rs_diag_free(&((struct core_reader *)mem)->diag);
	free(mem);
}

static void core_reader_prefetch(struct rs_memory *mem, uint64_t address)
{
	const struct core_reader *r = (const struct core_reader *)mem;
	const struct core_segment *seg = segment_find(r->core, address);
	if (seg && address - seg->vaddr < seg->present)
		__builtin_prefetch(r->core->image + seg->offset + (address - seg->vaddr));
}

static const struct rs_memory_ops core_reader_ops = {core_reader_read, core_reader_destroy, core_reader_prefetch,
						     NULL, NULL};

static struct rs_memory *core_thread_reader(struct rs_memory *mem)
{
	struct core_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->base = (struct rs_memory){.ops = &core_reader_ops, .pid = mem->pid, .exe_path = mem->exe_path,
				     .root = mem->root};
	r->core = (const struct core_memory *)mem;
	r->base.diag = &r->diag;
	return &r->base;
}

/* The core's bytes are in the page cache, most likely (it was just written,
 * or read before): its pages are mapped in one call, not fault by fault. */
static void core_read_most(struct rs_memory *mem)
{
	const struct core_memory *core = (const struct core_memory *)mem;
	rs_resident_pages_map(core->image, core->image_size);
}

static const struct rs_memory_ops core_ops = {core_read, core_destroy, core_prefetch, core_thread_reader,
					      core_read_most};

static int segment_cmp(const void *a, const void *b)
{
	const struct core_segment *x = a, *y = b;
	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static int mapping_cmp(const void *a, const void *b)
{
	const struct file_mapping *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static rs_error *core_segments_load(struct core_memory *core, size_t phnum)
{
	core->segments = calloc(phnum ? phnum : 1, sizeof(*core->segments));
	if (!core->segments)
		return rs_error_nomem();
	uint64_t missing = 0, expected_size = core->image_size;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(core->base.core_elf, (int)i, &ph))
			return rs_error_new(RS_ERR_FORMAT, "unreadable program header %zu", i);
		if (ph.p_offset + ph.p_filesz > expected_size)
			expected_size = ph.p_offset + ph.p_filesz;
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		struct core_segment *seg = &core->segments[core->n_segments++];
		seg->vaddr = ph.p_vaddr;
		seg->memsz = ph.p_memsz;
		seg->filesz = ph.p_filesz < ph.p_memsz ? ph.p_filesz : ph.p_memsz;
		seg->offset = ph.p_offset;
		seg->present = 0;
		if (ph.p_offset < core->image_size)
			seg->present = core->image_size - ph.p_offset;
		if (seg->present > seg->filesz)
			seg->present = seg->filesz;
		missing += seg->filesz - seg->present;
	}
	qsort(core->segments, core->n_segments, sizeof(*core->segments), segment_cmp);
	/* A heap read from a cut core would be silently partial: refuse it. */
	if (missing)
		return rs_error_new(RS_ERR_FORMAT,
				    "the core file is truncated: %" PRIu64 " of its %" PRIu64 " bytes are "
				    "missing (was the core size limit reached, or the copy cut short?)",
				    expected_size - core->image_size, expected_size);
	return NULL;
}

static struct file_backing *backing_for_path(struct core_memory *core, const char *path)
{
	for (size_t i = 0; i < core->n_files; i++)
		if (strcmp(core->files[i].path, path) == 0)
			return &core->files[i];
	struct file_backing *file = &core->files[core->n_files++];
	file->path = NULL;
	/* The file as the process saw it, under the root it ran in when given. */
	if (core->sysroot && path[0] == '/' && asprintf(&file->path, "%s%s", core->sysroot, path) >= 0 &&
	    access(file->path, F_OK) != 0) {
		free(file->path);
		file->path = NULL;
	}
	if (!file->path)
		file->path = strdup(path);
	file->state = BACKING_UNCHECKED;
	return file->path ? file : NULL;
}

/* NT_FILE: count, page size, count x {start, end, page offset}, then the paths. */
static rs_error *core_parse_nt_file(struct core_memory *core, const unsigned char *desc, size_t size)
{
	uint64_t count, page_size;
	if (size < 16)
		return rs_error_new(RS_ERR_FORMAT, "NT_FILE note too short");
	memcpy(&count, desc, 8);
	memcpy(&page_size, desc + 8, 8);
	if (count > (size - 16) / 24)
		return rs_error_new(RS_ERR_FORMAT, "NT_FILE note claims %" PRIu64 " files", count);
	core->mappings = calloc(count ? count : 1, sizeof(*core->mappings));
	core->files = calloc(count ? count : 1, sizeof(*core->files));
	if (!core->mappings || !core->files)
		return rs_error_nomem();
	const char *name = (const char *)desc + 16 + count * 24;
	const char *end = (const char *)desc + size;
	for (uint64_t i = 0; i < count; i++) {
		const char *nul = name < end ? memchr(name, '\0', (size_t)(end - name)) : NULL;
		if (!nul)
			return rs_error_new(RS_ERR_FORMAT, "NT_FILE note: path %" PRIu64 " runs past the note", i);
		struct file_mapping *map = &core->mappings[core->n_mappings++];
		uint64_t triple[3];
		memcpy(triple, desc + 16 + i * 24, sizeof(triple));
		map->start = triple[0];
		map->end = triple[1];
		map->offset = triple[2] * page_size;
		map->file = backing_for_path(core, name);
		if (!map->file)
			return rs_error_nomem();
		name = nul + 1;
	}
	qsort(core->mappings, core->n_mappings, sizeof(*core->mappings), mapping_cmp);
	return NULL;
}

static void core_parse_auxv(struct core_memory *core, const unsigned char *desc, size_t size)
{
	for (size_t off = 0; off + 16 <= size; off += 16) {
		uint64_t type, value;
		memcpy(&type, desc + off, 8);
		memcpy(&value, desc + off + 8, 8);
		if (type == AT_PHDR)
			core->at_phdr = value;
	}
}

static rs_error *core_notes_load(struct core_memory *core, size_t phnum)
{
	bool any_note = false;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(core->base.core_elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		if (ph.p_offset > core->image_size || ph.p_filesz > core->image_size - ph.p_offset)
			return rs_error_new(RS_ERR_FORMAT, "the core file is truncated: its notes are cut off");
		Elf_Data *data = elf_getdata_rawchunk(core->base.core_elf, ph.p_offset, ph.p_filesz, ELF_T_NHDR);
		if (!data)
			return rs_error_new(RS_ERR_FORMAT, "unreadable note segment: %s", elf_errmsg(-1));
		any_note = true;
		GElf_Nhdr nhdr;
		size_t off = 0, name_off, desc_off;
		while ((off = gelf_getnote(data, off, &nhdr, &name_off, &desc_off)) > 0) {
			const unsigned char *desc = (const unsigned char *)data->d_buf + desc_off;
			if (nhdr.n_type == NT_FILE && !core->mappings) {
				rs_error *err = core_parse_nt_file(core, desc, nhdr.n_descsz);
				if (err)
					return err;
			} else if (nhdr.n_type == NT_AUXV) {
				core_parse_auxv(core, desc, nhdr.n_descsz);
			}
		}
	}
	if (!any_note)
		return rs_error_new(RS_ERR_FORMAT, "the core file has no notes");
	return NULL;
}

/* The main executable is the file mapped where AT_PHDR points; --exe replaces it. */
static rs_error *core_exe_resolve(struct core_memory *core, const char *exe_override)
{
	const struct file_mapping *map = core->at_phdr ? mapping_find(core, core->at_phdr) : NULL;
	if (exe_override) {
		if (access(exe_override, R_OK) != 0)
			return rs_error_os(errno, "--exe %s", exe_override);
		if (map) {
			free(map->file->path);
			map->file->path = strdup(exe_override);
			if (!map->file->path)
				return rs_error_nomem();
		}
		core->exe_path = strdup(exe_override);
	} else if (map) {
		core->exe_path = strdup(map->file->path);
	}
	core->base.exe_path = core->exe_path;
	return NULL;
}

static rs_error *core_validate_header(struct core_memory *core)
{
	GElf_Ehdr ehdr;
	if (elf_kind(core->base.core_elf) != ELF_K_ELF || !gelf_getehdr(core->base.core_elf, &ehdr))
		return rs_error_new(RS_ERR_FORMAT, "not an ELF file");
	if (ehdr.e_type != ET_CORE)
		return rs_error_new(RS_ERR_FORMAT, "an ELF file, but not a core dump (e_type %u)",
				    ehdr.e_type);
	if (ehdr.e_ident[EI_CLASS] != ELFCLASS64 || ehdr.e_machine != EM_X86_64)
		return rs_error_new(RS_ERR_UNSUPPORTED,
				    "a core dump of another architecture (ELF machine %u, class %u); "
				    "refscope reads x86_64 cores", ehdr.e_machine, ehdr.e_ident[EI_CLASS]);
	return NULL;
}

static rs_error *core_image_map(struct core_memory *core, const char *path)
{
	core->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (core->fd < 0)
		return rs_error_os(errno, "%s", path);
	int plain = -1;
	rs_error *err = rs_core_decompress(core->fd, path, &plain);
	if (err)
		return err;
	if (plain >= 0) {
		close(core->fd);
		core->fd = plain;
	}
	struct stat st;
	if (fstat(core->fd, &st) != 0)
		return rs_error_os(errno, "%s", path);
	if (S_ISDIR(st.st_mode))
		return rs_error_new(RS_ERR_FORMAT, "%s: is a directory, not a core file", path);
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr))
		return rs_error_new(RS_ERR_FORMAT, "%s: %s", path,
				    S_ISREG(st.st_mode) ? (st.st_size ? "too short to be a core file"
									: "empty file")
							: "not a regular file");
	core->image_size = (size_t)st.st_size;
	void *image = mmap(NULL, core->image_size, PROT_READ, MAP_PRIVATE, core->fd, 0);
	if (image == MAP_FAILED)
		return rs_error_os(errno, "%s: mmap", path);
	core->image = image;
	core->base.core_elf = elf_memory((char *)image, core->image_size);
	if (!core->base.core_elf)
		return rs_error_new(RS_ERR_FORMAT, "%s: %s", path, elf_errmsg(-1));
	return NULL;
}

rs_error *rs_core_memory_open(const char *path, const char *exe_override, const char *sysroot,
			      struct rs_diag *diag, struct rs_memory **out)
{
	elf_version(EV_CURRENT);
	struct core_memory *core = calloc(1, sizeof(*core));
	if (!core)
		return rs_error_nomem();
	core->fd = -1;
	core->base.ops = &core_ops;
	core->base.diag = diag;
	core->sysroot = sysroot;
	core->base.root = sysroot;
	size_t phnum = 0;
	rs_error *err = core_image_map(core, path);
	if (!err)
		err = core_validate_header(core);
	if (!err && elf_getphdrnum(core->base.core_elf, &phnum) != 0)
		err = rs_error_new(RS_ERR_FORMAT, "no program headers");
	if (!err)
		err = core_segments_load(core, phnum);
	if (!err)
		err = core_notes_load(core, phnum);
	if (!err)
		err = core_exe_resolve(core, exe_override);
	if (err) {
		core_destroy(&core->base);
		if (err->kind != RS_ERR_OS && strncmp(err->message, path, strlen(path)) != 0)
			err = rs_error_prefix(err, "%s", path);
		return err;
	}
	*out = &core->base;
	return NULL;
}
