/* Unit tests: core file memory (target/core_file.c, target/memory.c).
 *
 * Every core here is synthetic, written by hand from Elf64 structs into a
 * temporary directory: an ELF header, a PT_NOTE segment (NT_FILE, NT_AUXV) and
 * PT_LOAD segments whose bytes follow a known pattern. A small "mapped file"
 * (an ELF header page with a GNU build-id note, then pattern pages) stands in
 * for a shared object whose pages the kernel left out of the core.
 *
 * The standard address space (page = 0x1000):
 *   A  0x10000-0x12000  in the core
 *   B  0x12000-0x13000  in the core, right after A
 *   C  0x20000-0x22000  first page in the core, second filtered, no file
 *   D1 0x40000-0x42000  lib.so from offset 0: header page in the core,
 *                       second page filtered (file offset 0x1000)
 *   D2 0x50000-0x53000  lib.so from page 2: nothing in the core; the last
 *                       page lies past the end of the 4-page file
 *   E  0x60000-0x62000  in the core, its data last in the file (truncation)
 *   and an empty PT_LOAD (p_memsz 0) at 0x11800, which must be ignored
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "target/memory.h"

#define PAGE 0x1000u
#define LIB_PAGES 4

/* ---- byte patterns ------------------------------------------------------ */

static unsigned char core_byte(uint64_t vaddr)
{
	return (unsigned char)(((vaddr * 2654435761u) >> 13) ^ 0xa5);
}

static unsigned char lib_byte(uint64_t offset)
{
	return (unsigned char)(((offset * 2246822519u) >> 11) ^ 0x3c);
}

static const unsigned char LIB_ID[20] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6,
					 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const unsigned char OTHER_ID[20] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6,
					   7, 8, 9, 10, 11, 12, 13, 14, 15, 0xff};

/* The first page of lib.so: ELF header, one PT_NOTE holding an ABI tag note
 * and then the build-id (both named "GNU", as in real objects), the rest of
 * the page filled with the file pattern. */
static void lib_page0(unsigned char page[PAGE], const unsigned char id[20])
{
	for (uint64_t i = 0; i < PAGE; i++)
		page[i] = lib_byte(i);
	Elf64_Ehdr eh = {0};
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_DYN;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(Elf64_Ehdr);
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 1;
	Elf64_Phdr ph = {0};
	ph.p_type = PT_NOTE;
	ph.p_offset = 0x100;
	ph.p_filesz = ph.p_memsz = 2 * (sizeof(Elf64_Nhdr) + 4) + 16 + 20;
	ph.p_align = 4;
	memcpy(page, &eh, sizeof(eh));
	memcpy(page + eh.e_phoff, &ph, sizeof(ph));
	unsigned char *note = page + 0x100;
	Elf64_Nhdr abi = {4, 16, NT_GNU_ABI_TAG};
	static const uint32_t abi_desc[4] = {0, 3, 2, 0}; /* Linux 3.2.0 */
	memcpy(note, &abi, sizeof(abi));
	memcpy(note + sizeof(abi), "GNU", 4);
	memcpy(note + sizeof(abi) + 4, abi_desc, 16);
	note += sizeof(abi) + 4 + 16;
	Elf64_Nhdr nh = {4, 20, NT_GNU_BUILD_ID};
	memcpy(note, &nh, sizeof(nh));
	memcpy(note + sizeof(nh), "GNU", 4);
	memcpy(note + sizeof(nh) + 4, id, 20);
}

/* ---- the synthetic core writer ------------------------------------------ */

struct seg {
	uint64_t vaddr, memsz, filesz;
};

struct ntfile {
	uint64_t start, end, pgoff;
	const char *path;
};

struct patch {
	uint64_t vaddr;
	const void *data;
	size_t len;
};

struct core_spec {
	uint16_t type, machine;     /* 0: ET_CORE, EM_X86_64 */
	const struct seg *segs;
	size_t n_segs;
	const struct ntfile *files;
	size_t n_files;
	uint64_t nt_file_count;     /* 0: n_files; else the count the note claims */
	bool nt_file_unterminated;  /* drop the last path's NUL */
	uint64_t at_phdr;
	bool no_notes;
	uint16_t phnum_extra;       /* claim this many more program headers than written */
	const struct patch *patches; /* bytes replacing the pattern in segments */
	size_t n_patches;
};

struct core_layout {
	off_t notes_offset, notes_size, size;
};

struct buf {
	unsigned char *data;
	size_t len;
};

static void buf_put(struct buf *b, const void *data, size_t len)
{
	if (len == 0)
		return;
	b->data = realloc(b->data, b->len + len);
	assert_non_null(b->data);
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

static void buf_align(struct buf *b, size_t align)
{
	static const unsigned char zeros[PAGE];
	if (b->len % align)
		buf_put(b, zeros, align - b->len % align);
}

static void note_put(struct buf *b, uint32_t type, const void *desc, size_t len)
{
	Elf64_Nhdr nh = {5, (Elf64_Word)len, type};
	buf_put(b, &nh, sizeof(nh));
	buf_put(b, "CORE\0\0\0", 8);
	buf_put(b, desc, len);
	buf_align(b, 4);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static struct core_layout write_core(const char *path, const struct core_spec *spec)
{
	struct core_layout out = {0};
	size_t n_ph = spec->n_segs + !spec->no_notes;

	/* The notes. */
	struct buf notes = {0};
	if (!spec->no_notes) {
		struct buf nt = {0};
		uint64_t words[2] = {spec->nt_file_count ? spec->nt_file_count : spec->n_files, PAGE};
		buf_put(&nt, words, sizeof(words));
		for (size_t i = 0; i < spec->n_files; i++) {
			uint64_t triple[3] = {spec->files[i].start, spec->files[i].end, spec->files[i].pgoff};
			buf_put(&nt, triple, sizeof(triple));
		}
		for (size_t i = 0; i < spec->n_files; i++) {
			size_t len = strlen(spec->files[i].path) + 1;
			if (spec->nt_file_unterminated && i == spec->n_files - 1)
				len--;
			buf_put(&nt, spec->files[i].path, len);
		}
		if (spec->n_files)
			note_put(&notes, NT_FILE, nt.data, nt.len);
		free(nt.data);
		uint64_t auxv[6] = {AT_PAGESZ, PAGE, AT_PHDR, spec->at_phdr, AT_NULL, 0};
		note_put(&notes, NT_AUXV, auxv, sizeof(auxv));
	}

	/* Where everything goes. */
	size_t headers = sizeof(Elf64_Ehdr) + n_ph * sizeof(Elf64_Phdr);
	out.notes_offset = (off_t)headers;
	out.notes_size = (off_t)notes.len;
	size_t data_offset = (headers + notes.len + PAGE - 1) / PAGE * PAGE;

	Elf64_Ehdr eh = {0};
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = spec->type ? spec->type : ET_CORE;
	eh.e_machine = spec->machine ? spec->machine : EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(Elf64_Ehdr);
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (Elf64_Half)(n_ph + spec->phnum_extra);

	struct buf file = {0};
	buf_put(&file, &eh, sizeof(eh));
	if (!spec->no_notes) {
		Elf64_Phdr ph = {PT_NOTE, 0, (Elf64_Off)headers, 0, 0, notes.len, 0, 4};
		buf_put(&file, &ph, sizeof(ph));
	}
	size_t offset = data_offset;
	for (size_t i = 0; i < spec->n_segs; i++) {
		const struct seg *s = &spec->segs[i];
		Elf64_Phdr ph = {PT_LOAD, PF_R | PF_W, offset, s->vaddr, 0, s->filesz, s->memsz, PAGE};
		buf_put(&file, &ph, sizeof(ph));
		offset += s->filesz;
	}
	buf_put(&file, notes.data, notes.len);
	buf_align(&file, PAGE);
	assert_int_equal(file.len, data_offset);
	for (size_t i = 0; i < spec->n_segs; i++) {
		const struct seg *s = &spec->segs[i];
		unsigned char *bytes = malloc(s->filesz ? s->filesz : 1);
		assert_non_null(bytes);
		for (uint64_t j = 0; j < s->filesz; j++)
			bytes[j] = core_byte(s->vaddr + j);
		for (size_t p = 0; p < spec->n_patches; p++) {
			const struct patch *pt = &spec->patches[p];
			if (pt->vaddr >= s->vaddr && pt->vaddr + pt->len <= s->vaddr + s->filesz)
				memcpy(bytes + (pt->vaddr - s->vaddr), pt->data, pt->len);
		}
		buf_put(&file, bytes, s->filesz);
		free(bytes);
	}
	write_file(path, file.data, file.len);
	out.size = (off_t)file.len;
	free(file.data);
	free(notes.data);
	return out;
}

/* ---- fixtures ------------------------------------------------------------ */

static char tmpdir[64];
static char lib_path[128];

static const struct seg STD_SEGS[] = {
	/* deliberately out of address order: the reader sorts */
	{0x12000, 0x1000, 0x1000}, /* B */
	{0x40000, 0x2000, 0x1000}, /* D1 */
	{0x10000, 0x2000, 0x2000}, /* A */
	{0x20000, 0x2000, 0x1000}, /* C */
	{0x50000, 0x3000, 0},      /* D2 */
	{0x11800, 0, 0},           /* empty: ignored */
	{0x60000, 0x2000, 0x2000}, /* E: data last in the file */
};
#define N_STD_SEGS (sizeof(STD_SEGS) / sizeof(STD_SEGS[0]))

static char *tmp_path(const char *name)
{
	static char paths[8][192];
	static int next;
	char *p = paths[next++ % 8];
	snprintf(p, sizeof(paths[0]), "%s/%s", tmpdir, name);
	return p;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int group_setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/refscope-core-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(lib_path, sizeof(lib_path), "%s/lib.so", tmpdir);
	unsigned char lib[LIB_PAGES * PAGE];
	for (uint64_t i = 0; i < sizeof(lib); i++)
		lib[i] = lib_byte(i);
	lib_page0(lib, LIB_ID);
	FILE *f = fopen(lib_path, "wb");
	if (!f || fwrite(lib, 1, sizeof(lib), f) != sizeof(lib) || fclose(f) != 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	return nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* The standard core; header_id is the build-id the core saved with lib.so's
 * first page (NULL: that page is not in the core). */
static struct core_layout write_std_core(const char *path, const char *mapped_path,
					 const unsigned char *header_id)
{
	static unsigned char page0[PAGE];
	struct seg segs[N_STD_SEGS];
	memcpy(segs, STD_SEGS, sizeof(segs));
	struct patch patch = {0x40000, page0, PAGE};
	if (header_id)
		lib_page0(page0, header_id);
	else
		segs[1].filesz = 0; /* D1 */
	const struct ntfile files[] = {
		{0x50000, 0x53000, 2, mapped_path},
		{0x40000, 0x42000, 0, mapped_path},
	};
	struct core_spec spec = {
		.segs = segs,
		.n_segs = sizeof(segs) / sizeof(segs[0]),
		.files = files,
		.n_files = 2,
		.at_phdr = 0x40040,
		.patches = &patch,
		.n_patches = header_id ? 1 : 0,
	};
	return write_core(path, &spec);
}

static struct rs_memory *open_ok(const char *path, const char *exe, struct rs_diag *diag)
{
	struct rs_memory *mem = NULL;
	rs_error *err = rs_core_memory_open(path, exe, NULL, diag, &mem);
	if (err)
		fail_msg("opening %s: %s", path, rs_error_message(err));
	assert_non_null(mem);
	return mem;
}

static void assert_core_bytes(const unsigned char *buf, uint64_t vaddr, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != core_byte(vaddr + i))
			fail_msg("byte at 0x%llx: got 0x%02x, want 0x%02x", (unsigned long long)(vaddr + i),
				 buf[i], core_byte(vaddr + i));
}

static void assert_lib_bytes(const unsigned char *buf, uint64_t offset, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != lib_byte(offset + i))
			fail_msg("file byte at 0x%llx: got 0x%02x, want 0x%02x",
				 (unsigned long long)(offset + i), buf[i], lib_byte(offset + i));
}

/* A read that must fault somewhere in [address, address+len). */
static rs_error *assert_fault(struct rs_memory *mem, uint64_t address, size_t len)
{
	static unsigned char buf[PAGE];
	assert_true(len <= sizeof(buf));
	rs_error *err = rs_mem_read(mem, address, buf, len);
	if (!err)
		fail_msg("read of %zu bytes at 0x%llx succeeded", len, (unsigned long long)address);
	assert_int_equal(rs_error_kind(err), RS_ERR_FAULT);
	assert_true(rs_error_address(err) - address < len); /* in [address, address+len) */
	assert_non_null(strstr(rs_error_message(err), "0x"));
	return err;
}

static bool diag_has(const struct rs_diag *diag, const char *a, const char *b)
{
	for (size_t i = 0; i < diag->count; i++)
		if (strstr(diag->lines[i], a) && (!b || strstr(diag->lines[i], b)))
			return true;
	return false;
}

/* Opening must fail with this kind and a one-line message naming the file. */
static rs_error *assert_open_fails(const char *path, enum rs_error_kind kind)
{
	struct rs_diag diag = {0};
	struct rs_memory *mem = NULL;
	rs_error *err = rs_core_memory_open(path, NULL, NULL, &diag, &mem);
	if (!err)
		fail_msg("%s opened", path);
	assert_null(mem);
	const char *msg = rs_error_message(err);
	if ((int)rs_error_kind(err) != (int)kind)
		fail_msg("%s: kind %d, want %d (%s)", path, rs_error_kind(err), kind, msg);
	assert_non_null(strstr(msg, path));
	assert_null(strchr(msg, '\n'));
	assert_true(strlen(msg) > strlen(path) + 4);
	assert_true(strlen(msg) < 300);
	rs_diag_free(&diag);
	return err;
}

static void assert_open_fails_with(const char *path, enum rs_error_kind kind, const char *words)
{
	rs_error *err = assert_open_fails(path, kind);
	if (!strstr(rs_error_message(err), words))
		fail_msg("\"%s\" does not say \"%s\"", rs_error_message(err), words);
	rs_error_free(err);
}

/* ---- reads --------------------------------------------------------------- */

static void test_present_segment(void **state)
{
	const char *core = tmp_path("std.core");
	write_std_core(core, lib_path, LIB_ID);
	struct rs_diag diag = {0};
	struct rs_memory *mem = open_ok(core, NULL, &diag);
	assert_non_null(mem->core_elf);
	assert_int_equal(mem->pid, 0);

	static unsigned char buf[0x2000];
	assert_null(rs_mem_read(mem, 0x10000, buf, 0x2000));
	assert_core_bytes(buf, 0x10000, 0x2000);
	assert_null(rs_mem_read(mem, 0x60000, buf, 0x2000));
	assert_core_bytes(buf, 0x60000, 0x2000);
	assert_null(rs_mem_read(mem, 0x20000, buf, 0x1000)); /* C's saved page */
	assert_core_bytes(buf, 0x20000, 0x1000);
	assert_null(rs_mem_read(mem, 0x10123, buf, 7));
	assert_core_bytes(buf, 0x10123, 7);
	assert_null(rs_mem_read(mem, 0x12fff, buf, 1)); /* B's last byte */
	assert_core_bytes(buf, 0x12fff, 1);

	uint64_t u64, want64 = 0;
	uint32_t u32, want32 = 0;
	for (int i = 7; i >= 0; i--)
		want64 = want64 << 8 | core_byte(0x11008 + (uint64_t)i);
	for (int i = 3; i >= 0; i--)
		want32 = want32 << 8 | core_byte(0x11010 + (uint64_t)i);
	assert_null(rs_mem_read_u64(mem, 0x11008, &u64));
	assert_null(rs_mem_read_u32(mem, 0x11010, &u32));
	assert_true(u64 == want64);
	assert_int_equal(u32, want32);

	/* The executable is the file mapped where AT_PHDR points. */
	assert_non_null(mem->exe_path);
	assert_string_equal(mem->exe_path, lib_path);
	assert_int_equal(diag.count, 0);
	rs_memory_destroy(mem);
	rs_diag_free(&diag);
}

static void test_adjacent_segments(void **state)
{
	const char *core = tmp_path("std.core");
	write_std_core(core, lib_path, LIB_ID);
	struct rs_diag diag = {0};
	struct rs_memory *mem = open_ok(core, NULL, &diag);

	unsigned char buf[0x3000];
	assert_null(rs_mem_read(mem, 0x11ff0, buf, 0x20)); /* A's end, B's start */
	assert_core_bytes(buf, 0x11ff0, 0x20);
	assert_null(rs_mem_read(mem, 0x10000, buf, 0x3000)); /* all of A and B */
	assert_core_bytes(buf, 0x10000, 0x3000);

	/* B is followed by nothing. */
	rs_error_free(assert_fault(mem, 0x12ff0, 0x20));
	rs_error_free(assert_fault(mem, 0x13000, 8));
	rs_error_free(assert_fault(mem, 0xff00, 0x200)); /* from nothing into A */
	rs_memory_destroy(mem);
	rs_diag_free(&diag);
}

static void test_filtered_without_file_faults(void **state)
{
	const char *core = tmp_path("std.core");
	write_std_core(core, lib_path, LIB_ID);
	struct rs_diag diag = {0};
	struct rs_memory *mem = open_ok(core, NULL, &diag);

	/* C's second page was left out and no file backs it: a fault, not zeros. */
	unsigned char buf[16];
	memset(buf, 0x77, sizeof(buf));
	rs_error *err = rs_mem_read(mem, 0x21000, buf, 8);
	assert_non_null(err);
	assert_int_equal(rs_error_kind(err), RS_ERR_FAULT);
	assert_int_equal(rs_error_address(err), 0x21000);
	assert_non_null(strstr(rs_error_message(err), "0x21000"));
	assert_null(strstr(rs_error_message(err), "truncated"));
	rs_error_free(err);
	rs_error_free(assert_fault(mem, 0x21ff8, 8)); /* C's last bytes */
	rs_error_free(assert_fault(mem, 0x20ff8, 16)); /* saved page into the filtered one */

	/* Nothing at all there. */
	err = assert_fault(mem, 0x30000, 8);
	assert_int_equal(rs_error_address(err), 0x30000);
	rs_error_free(err);
	rs_error_free(assert_fault(mem, 0, 8));
	rs_error_free(assert_fault(mem, UINT64_MAX - 3, 4));
	assert_int_equal(diag.count, 0);
	rs_memory_destroy(mem);
	rs_diag_free(&diag);
}

static void test_file_fallback(void **state)
{
	const char *core = tmp_path("std.core");
	write_std_core(core, lib_path, LIB_ID);
	struct rs_diag diag = {0};
	struct rs_memory *mem = open_ok(core, NULL, &diag);

	static unsigned char buf[0x1000];
	/* D1: mapped from offset 0, second page filtered: file offset 0x1000 + delta. */
	assert_null(rs_mem_read(mem, 0x41100, buf, 64));
	assert_lib_bytes(buf, 0x1100, 64);
	/* D2: mapped from page 2, nothing in the core: file offset 2 * 0x1000 + delta. */
	assert_null(rs_mem_read(mem, 0x51008, buf, 64));
	assert_lib_bytes(buf, 0x3008, 64);
	assert_null(rs_mem_read(mem, 0x50000, buf, 0x1000));
	assert_lib_bytes(buf, 0x2000, 0x1000);
	assert_null(rs_mem_read(mem, 0x51ff8, buf, 8)); /* the file's last bytes */
	assert_lib_bytes(buf, 0x3ff8, 8);
	/* D1's saved page into its filtered one (the saved page equals the file). */
	assert_null(rs_mem_read(mem, 0x40ff0, buf, 32));
	assert_lib_bytes(buf, 0xff0, 32);
	/* The header page comes from the core. */
	unsigned char page0[PAGE];
	lib_page0(page0, LIB_ID);
	assert_null(rs_mem_read(mem, 0x40000, buf, 0x200));
	assert_memory_equal(buf, page0, 0x200);

	/* D2's last page lies past the end of the file. */
	rs_error_free(assert_fault(mem, 0x52000, 8));
	rs_error_free(assert_fault(mem, 0x51ff8, 16));
	/* The build-ids matched: nothing to report. */
	assert_int_equal(diag.count, 0);
	rs_memory_destroy(mem);
	rs_diag_free(&diag);
}

static void test_build_id_mismatch(void **state)
{
	const char *core = tmp_path("mismatch.core");
	write_std_core(core, lib_path, OTHER_ID);
	struct rs_diag diag = {0};
	struct rs_memory *mem = open_ok(core, NULL, &diag);

	unsigned char buf[64];
	/* What the core holds is still readable, the core's own copy. */
	assert_null(rs_mem_read(mem, 0x40000, buf, 64));
	assert_int_equal(buf[EI_CLASS], ELFCLASS64);
	/* What it left out is not taken from a different file. */
	rs_error_free(assert_fault(mem, 0x41100, 64));
	rs_error_free(assert_fault(mem, 0x51008, 64));
	rs_error_free(assert_fault(mem, 0x50000, 8));
	assert_int_equal(diag.count, 1); /* once per file, not per read */
	assert_non_null(strstr(diag.lines[0], lib_path));
	assert_non_null(strstr(diag.lines[0], "build-id"));
	assert_null(strchr(diag.lines[0], '\n'));
	rs_memory_destroy(mem);
	rs_diag_free(&diag);
}

static void test_no_build_id_in_core(void **state)
{
	/* lib.so's header page is not in the core: nothing to check the file
	 * against, so it is used, with a diagnostic. */
	const char *core = tmp_path("noheader.core");
	write_std_core(core, lib_path, NULL);
	struct rs_diag diag = {0};
	struct rs_memory *mem = open_ok(core, NULL, &diag);
	unsigned char buf[64];
	assert_null(rs_mem_read(mem, 0x40800, buf, 64));
	assert_lib_bytes(buf, 0x800, 64);
	assert_null(rs_mem_read(mem, 0x51008, buf, 64));
	assert_lib_bytes(buf, 0x3008, 64);
	assert_int_equal(diag.count, 1);
	assert_true(diag_has(&diag, lib_path, "build-id"));
	rs_memory_destroy(mem);
	rs_diag_free(&diag);
}

static void test_missing_file_and_exe_override(void **state)
{
	const char *gone = "/nonexistent/refscope-test/lib.so";
	const char *core = tmp_path("moved.core");
	write_std_core(core, gone, LIB_ID);

	/* The recorded file is gone: faults, and one diagnostic naming it. */
	struct rs_diag diag = {0};
	struct rs_memory *mem = open_ok(core, NULL, &diag);
	assert_string_equal(mem->exe_path, gone);
	rs_error_free(assert_fault(mem, 0x41100, 64));
	rs_error_free(assert_fault(mem, 0x51008, 64));
	assert_int_equal(diag.count, 1);
	assert_true(diag_has(&diag, gone, NULL));
	rs_memory_destroy(mem);
	rs_diag_free(&diag);

	/* --exe names where the executable is now. */
	mem = open_ok(core, lib_path, &diag);
	assert_string_equal(mem->exe_path, lib_path);
	unsigned char buf[64];
	assert_null(rs_mem_read(mem, 0x41100, buf, 64));
	assert_lib_bytes(buf, 0x1100, 64);
	assert_null(rs_mem_read(mem, 0x51008, buf, 64));
	assert_lib_bytes(buf, 0x3008, 64);
	assert_int_equal(diag.count, 0);
	rs_memory_destroy(mem);
	rs_diag_free(&diag);

	/* An --exe that does not exist is refused. */
	mem = NULL;
	rs_error *err = rs_core_memory_open(core, "/nonexistent/refscope-exe", NULL, &diag, &mem);
	assert_non_null(err);
	assert_null(mem);
	assert_int_equal(rs_error_kind(err), RS_ERR_OS);
	assert_int_equal(rs_error_errno(err), ENOENT);
	assert_non_null(strstr(rs_error_message(err), "/nonexistent/refscope-exe"));
	rs_error_free(err);
	rs_diag_free(&diag);
}

static void test_truncated_core(void **state)
{
	/* Segment data cut by the end of the file: a heap read from it would be
	 * silently partial, so the core is refused, saying how much is missing. */
	const char *core = tmp_path("truncated.core");
	struct core_layout lay = write_std_core(core, lib_path, LIB_ID);
	/* E's data is last: keep its first page and 0x100 bytes of the second. */
	assert_int_equal(truncate(core, lay.size - 0x1000 + 0x100), 0);
	rs_error *err = assert_open_fails(core, RS_ERR_FORMAT);
	assert_non_null(strstr(rs_error_message(err), "truncated"));
	assert_non_null(strstr(rs_error_message(err), "3840")); /* 0x1000 - 0x100 */
	rs_error_free(err);

	/* Cut right after the headers: every segment is missing. */
	write_std_core(core, lib_path, LIB_ID);
	assert_int_equal(truncate(core, lay.notes_offset + lay.notes_size), 0);
	err = assert_open_fails(core, RS_ERR_FORMAT);
	assert_non_null(strstr(rs_error_message(err), "truncated"));
	rs_error_free(err);

	/* The same core whole opens. */
	write_std_core(core, lib_path, LIB_ID);
	struct rs_diag diag = {0};
	struct rs_memory *mem = open_ok(core, NULL, &diag);
	rs_memory_destroy(mem);
	rs_diag_free(&diag);
}

/* Regression tests for bugs found and fixed in the library: a read running
 * from saved into filtered memory, the truncation total, DWARF 5 bit-fields. */
static void test_fixed_bugs(void **state)
{
	const char *core = tmp_path("std.core");
	struct core_layout lay = write_std_core(core, lib_path, LIB_ID);
	struct rs_diag diag = {0};
	struct rs_memory *mem = open_ok(core, NULL, &diag);
	/* A read from C's saved page into its filtered one: the core is not
	 * truncated, and the first byte that cannot be read is 0x21000. */
	rs_error *err = assert_fault(mem, 0x20ff8, 16);
	assert_null(strstr(rs_error_message(err), "truncated"));
	assert_int_equal(rs_error_address(err), 0x21000);
	rs_error_free(err);
	rs_memory_destroy(mem);
	rs_diag_free(&diag);

	/* The refusal of a cut core names the size the core should have. */
	assert_int_equal(truncate(core, lay.notes_offset + lay.notes_size), 0);
	err = assert_open_fails(core, RS_ERR_FORMAT);
	char want[64];
	snprintf(want, sizeof(want), "of its %lld bytes", (long long)lay.size);
	assert_non_null(strstr(rs_error_message(err), want));
	rs_error_free(err);
}

/* ---- rs_mem_read_cstr ------------------------------------------------------ */

static void test_read_cstr(void **state)
{
	static const char at_end[] = "hello";              /* B's last bytes, NUL last */
	static const char no_nul[] = {'a', 'b', 'c', 'd'}; /* E's last bytes, no NUL */
	char long_str[200];
	memset(long_str, 'x', sizeof(long_str) - 1);
	long_str[sizeof(long_str) - 1] = '\0';
	const struct patch patches[] = {
		{0x13000 - sizeof(at_end), at_end, sizeof(at_end)},
		{0x62000 - sizeof(no_nul), no_nul, sizeof(no_nul)},
		{0x10fa0, long_str, sizeof(long_str)}, /* across A's page boundary */
	};
	struct core_spec spec = {
		.segs = STD_SEGS,
		.n_segs = N_STD_SEGS,
		.at_phdr = 0,
		.patches = patches,
		.n_patches = 3,
	};
	const char *core = tmp_path("cstr.core");
	write_core(core, &spec);
	struct rs_diag diag = {0};
	struct rs_memory *mem = open_ok(core, NULL, &diag);
	assert_null(mem->exe_path);

	char buf[256];
	bool truncated = false;
	/* Ends just before unmapped memory: read whole, not truncated. Only a
	 * page-bounded reader gets this right (a 64-byte read would fault). */
	uint64_t at = 0x13000 - sizeof(at_end);
	assert_null(rs_mem_read_cstr(mem, at, buf, sizeof(buf), &truncated));
	assert_string_equal(buf, "hello");
	assert_false(truncated);

	/* Runs into unmapped memory without a NUL: what was readable, truncated. */
	truncated = false;
	assert_null(rs_mem_read_cstr(mem, 0x62000 - 4, buf, sizeof(buf), &truncated));
	assert_string_equal(buf, "abcd");
	assert_true(truncated);

	/* Crosses a page boundary inside a segment. */
	truncated = true;
	assert_null(rs_mem_read_cstr(mem, 0x10fa0, buf, sizeof(buf), &truncated));
	assert_string_equal(buf, long_str);
	assert_false(truncated);

	/* Longer than the buffer: max-1 bytes, NUL-terminated, truncated. */
	char small[16];
	truncated = false;
	assert_null(rs_mem_read_cstr(mem, 0x10fa0, small, sizeof(small), &truncated));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, long_str, sizeof(small) - 1);
	assert_true(truncated);

	/* Fits, with room to spare. */
	char seven[7];
	truncated = true;
	assert_null(rs_mem_read_cstr(mem, at, seven, sizeof(seven), &truncated));
	assert_string_equal(seven, "hello");
	assert_false(truncated);

	/* Nothing readable at all: the fault. */
	strcpy(buf, "junk");
	rs_error *err = rs_mem_read_cstr(mem, 0x30000, buf, sizeof(buf), &truncated);
	assert_non_null(err);
	assert_int_equal(rs_error_kind(err), RS_ERR_FAULT);
	assert_int_equal(rs_error_address(err), 0x30000);
	assert_string_equal(buf, "");
	rs_error_free(err);
	rs_memory_destroy(mem);
	rs_diag_free(&diag);
}

/* ---- inputs that are not usable cores ------------------------------------- */

static void test_bad_files(void **state)
{
	rs_error *err = assert_open_fails(tmp_path("no-such.core"), RS_ERR_OS);
	assert_int_equal(rs_error_errno(err), ENOENT);
	rs_error_free(err);

	const char *empty = tmp_path("empty.core");
	write_file(empty, "", 0);
	assert_open_fails_with(empty, RS_ERR_FORMAT, "empty");

	const char *tiny = tmp_path("tiny.core");
	write_file(tiny, "\177ELF", 4);
	assert_open_fails_with(tiny, RS_ERR_FORMAT, "too short");

	assert_open_fails_with(tmpdir, RS_ERR_FORMAT, "directory");
	assert_open_fails_with("/dev/null", RS_ERR_FORMAT, "not a regular file");

	static unsigned char noise[8192];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(noise); i++) {
		x = x * 1103515245u + 12345u;
		noise[i] = (unsigned char)(x >> 16);
	}
	noise[0] = 'R'; /* whatever the generator says, not \177ELF */
	const char *random_bytes = tmp_path("random.core");
	write_file(random_bytes, noise, sizeof(noise));
	assert_open_fails_with(random_bytes, RS_ERR_FORMAT, "not an ELF");

	/* A valid ELF header with a wrong class byte. */
	unsigned char page0[PAGE];
	lib_page0(page0, LIB_ID);
	page0[EI_CLASS] = 7;
	const char *badclass = tmp_path("badclass.core");
	write_file(badclass, page0, sizeof(page0));
	err = assert_open_fails(badclass, RS_ERR_FORMAT);
	rs_error_free(err);
}

static void test_not_a_core(void **state)
{
	/* An executable and a shared object are ELF files, but not cores. */
	struct core_spec spec = {.type = ET_EXEC, .segs = STD_SEGS, .n_segs = N_STD_SEGS};
	const char *exec = tmp_path("exec.elf");
	write_core(exec, &spec);
	assert_open_fails_with(exec, RS_ERR_FORMAT, "not a core");
	assert_open_fails_with(lib_path, RS_ERR_FORMAT, "not a core");
	if (access("/bin/true", R_OK) == 0)
		assert_open_fails_with("/bin/true", RS_ERR_FORMAT, "not a core");
}

static void test_other_architectures(void **state)
{
	struct core_spec spec = {.machine = EM_AARCH64, .segs = STD_SEGS, .n_segs = N_STD_SEGS};
	const char *arm = tmp_path("aarch64.core");
	write_core(arm, &spec);
	assert_open_fails_with(arm, RS_ERR_UNSUPPORTED, "architecture");

	/* A 32-bit core (ELFCLASS32, EM_386), header only. */
	Elf32_Ehdr eh = {0};
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_386;
	eh.e_version = EV_CURRENT;
	eh.e_ehsize = sizeof(eh);
	unsigned char file[128] = {0};
	memcpy(file, &eh, sizeof(eh));
	const char *i386 = tmp_path("i386.core");
	write_file(i386, file, sizeof(file));
	assert_open_fails_with(i386, RS_ERR_UNSUPPORTED, "architecture");
}

static void test_bad_notes(void **state)
{
	const struct ntfile files[] = {{0x40000, 0x42000, 0, "/lib/a.so"}, {0x50000, 0x51000, 0, "/lib/b.so"}};
	struct core_spec spec = {.segs = STD_SEGS, .n_segs = N_STD_SEGS, .files = files, .n_files = 2};

	/* The notes are cut off by the end of the file (no segments, so nothing
	 * else is missing). */
	struct core_spec only_notes = spec;
	only_notes.n_segs = 0;
	const char *cut = tmp_path("cutnotes.core");
	struct core_layout lay = write_core(cut, &only_notes);
	assert_int_equal(truncate(cut, lay.notes_offset + lay.notes_size / 2), 0);
	assert_open_fails_with(cut, RS_ERR_FORMAT, "notes are cut off");

	/* No PT_NOTE at all. */
	struct core_spec none = spec;
	none.no_notes = true;
	const char *nonotes = tmp_path("nonotes.core");
	write_core(nonotes, &none);
	assert_open_fails_with(nonotes, RS_ERR_FORMAT, "no notes");

	/* NT_FILE claims more entries than it holds. */
	struct core_spec many = spec;
	many.nt_file_count = 1000000;
	const char *toomany = tmp_path("ntfile-count.core");
	write_core(toomany, &many);
	assert_open_fails_with(toomany, RS_ERR_FORMAT, "claims 1000000");

	/* The last path of NT_FILE runs past the note. */
	struct core_spec unterminated = spec;
	unterminated.nt_file_unterminated = true;
	const char *unterm = tmp_path("ntfile-path.core");
	write_core(unterm, &unterminated);
	assert_open_fails_with(unterm, RS_ERR_FORMAT, "NT_FILE");

	/* Program headers claimed past the end of the file. */
	struct core_spec phdrs = spec;
	phdrs.phnum_extra = 0xff00; /* 3.5 MB of headers in a 32 kB file */
	const char *badph = tmp_path("phdrs.core");
	write_core(badph, &phdrs);
	rs_error_free(assert_open_fails(badph, RS_ERR_FORMAT));

	/* A well-formed note, for contrast: opens. */
	const char *good = tmp_path("goodnotes.core");
	write_core(good, &spec);
	struct rs_diag diag = {0};
	struct rs_memory *mem = open_ok(good, NULL, &diag);
	rs_memory_destroy(mem);
	rs_diag_free(&diag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_present_segment),
		cmocka_unit_test(test_adjacent_segments),
		cmocka_unit_test(test_filtered_without_file_faults),
		cmocka_unit_test(test_file_fallback),
		cmocka_unit_test(test_build_id_mismatch),
		cmocka_unit_test(test_no_build_id_in_core),
		cmocka_unit_test(test_missing_file_and_exe_override),
		cmocka_unit_test(test_truncated_core),
		cmocka_unit_test(test_read_cstr),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_not_a_core),
		cmocka_unit_test(test_other_architectures),
		cmocka_unit_test(test_bad_notes),
		cmocka_unit_test(test_fixed_bugs),
	};
	return cmocka_run_group_tests_name("core_file", tests, group_setup, group_teardown);
}
