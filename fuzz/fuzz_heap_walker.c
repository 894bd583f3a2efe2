/* fuzz_heap_walker: the object walker fed a mutated heap.
 *
 * The base is a real core of a Python process (fuzz/seeds/python3.11.core.gz,
 * made by fuzz/make_seeds.py, unpacked by make into the build directory and
 * named by FUZZ_BASE_CORE at compile time; REFSCOPE_FUZZ_BASE_CORE names
 * another at run time). Its memory is served through the public read_memory
 * callback of rs_open_options, as a debugger would serve it, with the
 * fuzzer's input patched in: the input is a list of patches,
 *
 *   u8 op | u32 where | u16 offset | u8 len | len bytes      (little-endian)
 *
 * op bit 0: 0 overwrite, 1 xor (flip); op bit 1: 0 where is an object (an
 * index into the objects the unpatched heap holds, gc-tracked ones with
 * their PyGC_Head) and offset a byte inside it; 1: where << 16 | offset is
 * a byte offset into all the memory the base core holds (type objects, dict
 * keys, list items, thread states...). Then the whole target is opened,
 * walked, graphed and analysed. Every outcome is fine except a crash, a
 * hang or a leak.
 *
 * REFSCOPE_FUZZ_RECORD=FILE writes the page addresses the unpatched walk
 * read to FILE, at start-up: fuzz/make_seeds.py keeps only those pages of a
 * full core. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exercise.h"
#include "fuzz.h"
#include "refscope.h"
#include "symbols/modules.h"
#include "target.h"

#ifndef FUZZ_BASE_CORE
#define FUZZ_BASE_CORE "build-fuzz/python3.11.core"
#endif

#define MAX_PATCHES 64
#define MAX_PATCH_LEN 64
#define MAX_EXTENT 1024
#define PAGE 4096

struct range {
	uint64_t start, len;
};

struct patch {
	uint64_t address;
	uint8_t len;
	bool xor;
	uint8_t bytes[MAX_PATCH_LEN];
};

static struct {
	rs_target *base;             /* the unpatched core, read through the library's core reader */
	struct rs_loaded_file *files;
	size_t n_files;
	struct range *objects;       /* every object of the unpatched heap */
	size_t n_objects;
	struct range *memory;        /* what the core holds: PT_LOAD bytes present in the file */
	size_t n_memory;
	uint64_t memory_total;
	struct patch patches[MAX_PATCHES];
	size_t n_patches;
	uint64_t *pages;             /* recording: pages read */
	size_t n_pages, cap_pages;
	bool recording;
} fz;

static void fail(const char *what, rs_error *err)
{
	fprintf(stderr, "fuzz_heap_walker: %s: %s\n", what, err ? rs_error_message(err) : "failed");
	exit(1);
}

static void record_page(uint64_t page)
{
	if (fz.n_pages && fz.pages[fz.n_pages - 1] == page)
		return;
	if (fz.n_pages == fz.cap_pages) {
		fz.cap_pages = fz.cap_pages ? 2 * fz.cap_pages : 1024;
		fz.pages = realloc(fz.pages, fz.cap_pages * sizeof(*fz.pages));
		if (!fz.pages)
			fail("recording", NULL);
	}
	fz.pages[fz.n_pages++] = page;
}

/* As many bytes from address as the base core holds, page by page. */
static size_t base_read(uint64_t address, uint8_t *buf, size_t len)
{
	rs_error *err = rs_mem_read(fz.base->mem, address, buf, len);
	if (!err)
		return len;
	rs_error_free(err);
	size_t done = 0;
	while (done < len) {
		uint64_t at = address + done;
		size_t chunk = PAGE - (at % PAGE);
		if (chunk > len - done)
			chunk = len - done;
		err = rs_mem_read(fz.base->mem, at, buf + done, chunk);
		if (err) {
			rs_error_free(err);
			break;
		}
		done += chunk;
	}
	return done;
}

static long patched_read(void *arg, uint64_t address, void *buf, size_t len)
{
	(void)arg;
	size_t n = base_read(address, buf, len);
	if (fz.recording)
		for (uint64_t p = address / PAGE; n && p <= (address + n - 1) / PAGE; p++)
			record_page(p * PAGE);
	uint8_t *out = buf;
	for (size_t i = 0; i < fz.n_patches; i++) {
		const struct patch *p = &fz.patches[i];
		for (size_t k = 0; k < p->len; k++) {
			uint64_t at = p->address + k;
			if (at < address || at - address >= n)
				continue;
			if (p->xor)
				out[at - address] ^= p->bytes[k];
			else
				out[at - address] = p->bytes[k];
		}
	}
	return (long)n;
}

static rs_target *open_patched(void)
{
	struct rs_open_options opts = {
		.read_memory = patched_read,
		.files = fz.files,
		.n_files = fz.n_files,
	};
	rs_target *target = NULL;
	rs_error *err = rs_target_open(&opts, &target);
	if (err) {
		fuzz_error_free(err);
		return NULL;
	}
	return target;
}

static void collect_files(void)
{
	const struct rs_modules *mods = fz.base->mods;
	fz.files = calloc(mods->count + 1, sizeof(*fz.files));
	if (!fz.files)
		fail("start-up", NULL);
	for (size_t i = 0; i < mods->count; i++) {
		const char *path = rs_module_file_path(&mods->list[i]);
		GElf_Addr bias = 0;
		if (!path || !dwfl_module_getelf(mods->list[i].dwfl_module, &bias))
			continue;
		char *copy = strdup(path);
		if (!copy)
			fail("start-up", NULL);
		fz.files[fz.n_files++] = (struct rs_loaded_file){copy, bias};
	}
}

static void collect_memory(void)
{
	Elf *elf = fz.base->mem->core_elf;
	size_t phnum;
	if (!elf || elf_getphdrnum(elf, &phnum) != 0)
		fail("the base is no core", NULL);
	fz.memory = calloc(phnum + 1, sizeof(*fz.memory));
	if (!fz.memory)
		fail("start-up", NULL);
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && ph.p_filesz) {
			fz.memory[fz.n_memory++] = (struct range){ph.p_vaddr, ph.p_filesz};
			fz.memory_total += ph.p_filesz;
		}
	}
}

static void collect_objects(rs_heap *heap)
{
	size_t n = rs_heap_object_count(heap);
	int64_t gc_head = rs_target_layout_field(fz.base, 0);
	for (size_t i = 0; i < rs_layout_field_count(); i++)
		if (strcmp(rs_layout_field_name(i), "gc_head_size") == 0)
			gc_head = rs_target_layout_field(fz.base, i);
	if (gc_head < 0 || gc_head > 64)
		gc_head = 16;
	fz.objects = calloc(n + 1, sizeof(*fz.objects));
	if (!fz.objects)
		fail("start-up", NULL);
	const struct rs_object *objs = rs_heap_objects(heap);
	for (size_t i = 0; i < n; i++) {
		uint64_t head = objs[i].generation == RS_GENERATION_UNTRACKED ? 0 : (uint64_t)gc_head;
		uint64_t size = objs[i].size ? objs[i].size : 32;
		if (size > MAX_EXTENT)
			size = MAX_EXTENT;
		fz.objects[fz.n_objects++] = (struct range){objs[i].address - head, head + size};
	}
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void write_pages(const char *path)
{
	qsort(fz.pages, fz.n_pages, sizeof(*fz.pages), compare_u64);
	FILE *f = fopen(path, "w");
	if (!f)
		fail(path, NULL);
	for (size_t i = 0; i < fz.n_pages; i++)
		if (i == 0 || fz.pages[i] != fz.pages[i - 1])
			fprintf(f, "0x%" PRIx64 "\n", fz.pages[i]);
	if (fclose(f) != 0)
		fail(path, NULL);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (fz.base)
		return 0;
	fuzz_environment();
	const char *path = getenv("REFSCOPE_FUZZ_BASE_CORE");
	if (!path || !*path)
		path = FUZZ_BASE_CORE;
	struct rs_open_options opts = {.core_path = path};
	rs_error *err = rs_target_open(&opts, &fz.base);
	if (err)
		fail(path, err);
	collect_files();
	collect_memory();
	const char *record = getenv("REFSCOPE_FUZZ_RECORD");
	fz.recording = record && *record;
	/* The unpatched heap, through the same callback: its objects are
	 * where object patches land. */
	rs_target *target = open_patched();
	if (!target)
		fail("the unpatched base does not open through the callback", NULL);
	rs_heap *heap = NULL;
	fuzz_exercise(target, &heap);
	if (!heap)
		fail("the unpatched base does not walk", NULL);
	collect_objects(heap);
	rs_heap_free(heap);
	rs_target_close(target);
	if (fz.recording) {
		write_pages(record);
		fz.recording = false;
	}
	fprintf(stderr, "fuzz_heap_walker: base %s: %zu objects, %zu files, %" PRIu64 " bytes of memory\n", path,
		fz.n_objects, fz.n_files, fz.memory_total);
	return 0;
}

static uint64_t address_in_memory(uint64_t offset)
{
	offset %= fz.memory_total;
	for (size_t i = 0; i < fz.n_memory; i++) {
		if (offset < fz.memory[i].len)
			return fz.memory[i].start + offset;
		offset -= fz.memory[i].len;
	}
	return fz.memory[0].start;
}

static void parse_patches(const uint8_t *data, size_t size)
{
	fz.n_patches = 0;
	size_t at = 0;
	while (at + 8 <= size && fz.n_patches < MAX_PATCHES) {
		uint8_t op = data[at];
		uint32_t where = (uint32_t)data[at + 1] | (uint32_t)data[at + 2] << 8 | (uint32_t)data[at + 3] << 16 |
				 (uint32_t)data[at + 4] << 24;
		uint16_t offset = (uint16_t)(data[at + 5] | data[at + 6] << 8);
		size_t len = data[at + 7] % (MAX_PATCH_LEN + 1);
		at += 8;
		if (len > size - at)
			len = size - at;
		struct patch *p = &fz.patches[fz.n_patches];
		if ((op & 2) || !fz.n_objects) {
			if (!fz.memory_total)
				break;
			p->address = address_in_memory((uint64_t)where << 16 | offset);
		} else {
			const struct range *obj = &fz.objects[where % fz.n_objects];
			p->address = obj->start + offset % obj->len;
		}
		p->xor = op & 1;
		p->len = (uint8_t)len;
		memcpy(p->bytes, data + at, len);
		at += len;
		fz.n_patches++;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fz.base)
		LLVMFuzzerInitialize(NULL, NULL);
	parse_patches(data, size);
	rs_target *target = open_patched();
	if (target) {
		fuzz_exercise(target, NULL);
		rs_target_close(target);
	}
	fz.n_patches = 0;
	return 0;
}
