/* Objects of C types refscope cannot decode: every aligned word of the
 * object body (and of its items, when they are pointers) that is the
 * address of a known object counts as a reference. This over-approximates
 * (a borrowed pointer looks the same), so such edges carry their own kind.
 *
 * C types often keep their references in memory of their own (an array of
 * children, the links of a cache): a body word that points at the start of
 * a block of glibc's malloc is followed one level, and that block is
 * scanned too, bounded by the size malloc's chunk header gives it.
 *
 * mypyc keeps an attribute declared int as a tagged word (CPyTagged): the
 * value shifted left by one, or, when it does not fit, the address of an
 * int object plus one. Such a word is a reference to that int. */
#include "traverse_parts.h"

#define BODY_MAX (1u << 20)
#define BLOCK_MIN 32
#define BLOCK_MAX (1u << 16)
#define CHUNK_PREV_INUSE 1
#define CHUNK_IS_MMAPPED 2
#define CHUNK_FLAGS 7

static bool candidate(const struct rs_traversal *t, uint64_t word)
{
	return word && !(word & 7) && word != t->obj;
}

/* The int object a tagged word points to, or 0. */
static uint64_t tagged_int(const struct rs_traversal *t, uint64_t word)
{
	struct rs_objmodel *m = t->m;
	uint64_t type = 0, address = word - 1, long_type = m->py->symbols[RS_SYM_PyLong_Type];
	if ((word & 7) != 1 || word < 4096 || !long_type || !m->is_known(m->is_known_arg, address))
		return 0;
	rs_error *err = rs_mem_read_u64(m->mem, address + (uint64_t)RS_OFF(&m->py->layout, object_type), &type);
	rs_error_free(err);
	return !err && type == long_type ? address : 0;
}

/* The usable size of the malloc block at address, or 0 when address is no
 * block start: its chunk header must give a sane size, and the next chunk
 * must say that this one is in use. */
static uint64_t malloc_block_size(struct rs_memory *mem, uint64_t address)
{
	uint64_t header, next;
	if (address & 15)
		return 0;
	rs_error *err = rs_mem_read_u64(mem, address - 8, &header);
	uint64_t chunk = header & ~(uint64_t)CHUNK_FLAGS;
	if (!err && (header & CHUNK_IS_MMAPPED || chunk < BLOCK_MIN || chunk > BLOCK_MAX || (chunk & 15)))
		return 0;
	if (!err)
		err = rs_mem_read_u64(mem, address - 8 + chunk, &next);
	rs_error_free(err);
	if (err || !(next & CHUNK_PREV_INUSE) || (next & ~(uint64_t)CHUNK_FLAGS) < BLOCK_MIN)
		return 0;
	return chunk - 8;
}

static rs_error *block_scan(const struct rs_traversal *t, uint64_t block, uint64_t size, uint64_t body_offset)
{
	struct rs_objmodel *m = t->m;
	uint64_t words[BLOCK_MAX / 8];
	rs_error *err = rs_mem_read(m->mem, block, words, size & ~(uint64_t)7);
	if (err)
		return err;
	for (uint64_t i = 0; i < size / 8; i++)
		if (candidate(t, words[i]) && words[i] != block && m->is_known(m->is_known_arg, words[i]))
			t->visit(t->arg, words[i], RS_VIA_CONSERVATIVE, body_offset << 32 | (8 * i + 1));
	return NULL;
}

static rs_error *scan(const struct rs_traversal *t, uint64_t start, uint64_t size, uint64_t label_base,
		      bool follow_blocks)
{
	struct rs_objmodel *m = t->m;
	uint64_t words[256];
	if (!m->is_known)
		return NULL;
	if (size > BODY_MAX)
		size = BODY_MAX;
	for (uint64_t off = 0; off + 8 <= size;) {
		uint64_t chunk = (size - off) & ~(uint64_t)7;
		if (chunk > sizeof(words))
			chunk = sizeof(words);
		rs_error *err = rs_mem_read(m->mem, start + off, words, chunk);
		if (err)
			return err;
		for (uint64_t i = 0; i < chunk / 8; i++) {
			uint64_t word = words[i], label = label_base + off + 8 * i, block_size, boxed;
			if (!candidate(t, word)) {
				if ((boxed = tagged_int(t, word)))
					t->visit(t->arg, boxed, RS_VIA_CONSERVATIVE, label);
				continue;
			}
			if (m->is_known(m->is_known_arg, word))
				t->visit(t->arg, word, RS_VIA_CONSERVATIVE, label);
			else if (follow_blocks && label < (1ull << 31) && (block_size = malloc_block_size(m->mem, word)))
				rs_error_free(block_scan(t, word, block_size, label));
		}
		off += chunk;
	}
	return NULL;
}

rs_error *rs_scan_conservative(const struct rs_traversal *t, uint64_t start, uint64_t size, uint64_t label_base)
{
	return scan(t, start, size, label_base, false);
}

rs_error *rs_traverse_conservative(const struct rs_traversal *t)
{
	uint64_t size = t->type->basicsize > 16 ? (uint64_t)t->type->basicsize : 16;
	if (t->type->itemsize == 8) {
		int64_t n;
		rs_error *err = rs_mem_read(t->m->mem, t->obj + (uint64_t)RS_OFF(&t->m->py->layout, varobject_size), &n, 8);
		if (err)
			return err;
		if (n > 0 && (uint64_t)n < BODY_MAX / 8)
			size += 8 * (uint64_t)n;
	}
	/* Past the header (ob_refcnt and ob_type, and Py_TRACE_REFS's links, are
	 * not references a traverse visits), and past the body of a builtin base
	 * without references. */
	uint64_t header = RS_HEAD(&t->m->py->layout) + 16;
	uint64_t from = t->type->scan_from > header ? t->type->scan_from : header;
	if (from >= size)
		return NULL;
	return scan(t, t->obj + from, size - from, from, true);
}
