#include "graph_decode.h"

#include <stdlib.h>
#include <string.h>

#include "../util/helper_thread.h"

/* Chunks of objects, and how many are in flight: the thread runs at most
 * RING chunks ahead of the build, in buffers of a few MiB in all. */
#define CHUNK 4096
#define RING 4
#define OBJECTS_MIN (2 * CHUNK)
#define PREFETCH_AHEAD 8
/* An object with more referents than this (a list of a million) goes back
 * to the build: the buffers stay small, and own memory is a target. */
#define OBJECT_REFS_MAX (1u << 15)

enum slot_state {
	SLOT_FILLED,   /* its objects are there, nobody has begun them */
	SLOT_DECODING, /* the thread has */
	SLOT_TAKEN,    /* the build traverses them itself */
	SLOT_DECODED,
};

struct slot {
	uint64_t chunk; /* the chunk it holds; later chunks take it in turn */
	enum slot_state state;
	uint32_t count;
	uint64_t address[CHUNK];
	uint32_t type[CHUNK];
	uint32_t n_refs[CHUNK];
	uint64_t *refs;
	size_t refs_used, refs_capacity;
};

struct rs_decoder {
	struct rs_helper h; /* changed: a slot changed hands, or stop was asked */
	uint64_t first, end, n_chunks; /* objects [first, end) */
	uint64_t current; /* the chunk the build is at */
	struct rs_memory *reader;
	struct rs_objmodel model; /* the build's, reading through reader, with types of its own */
	struct rs_type_table types;
	struct slot *decoding; /* the thread's slot, for decode_visit */
	size_t object_start;   /* where the object being decoded begins in its refs */
	bool again;            /* the object being decoded must be traversed by the build */
	struct slot slots[RING];
};

/* What a conservative scan asks needs the build's index, which the build
 * changes as it goes: such an object goes back to the build. */
static bool decode_is_known(void *arg, uint64_t address)
{
	(void)address;
	((struct rs_decoder *)arg)->again = true;
	return false;
}

static void decode_visit(void *arg, uint64_t referent, enum rs_via_kind kind, uint64_t detail)
{
	(void)kind;
	(void)detail;
	struct rs_decoder *d = arg;
	struct slot *s = d->decoding;
	if (d->again)
		return;
	if (s->refs_used - d->object_start >= OBJECT_REFS_MAX) {
		d->again = true;
		return;
	}
	if (s->refs_used == s->refs_capacity) {
		size_t cap = s->refs_capacity ? 2 * s->refs_capacity : 4 * CHUNK;
		uint64_t *refs = realloc(s->refs, cap * sizeof(*refs));
		if (!refs) {
			d->again = true;
			return;
		}
		s->refs = refs;
		s->refs_capacity = cap;
	}
	s->refs[s->refs_used++] = referent;
}

/* A read the reader could not do (memory only the core's mapped files
 * hold), an error, or a question only the build can answer: the build
 * traverses the object itself, with its own memory and diagnostics. */
static void slot_decode(struct rs_decoder *d, struct slot *s)
{
	d->decoding = s;
	s->refs_used = 0;
	for (uint32_t k = 0; k < s->count; k++) {
		if (k + PREFETCH_AHEAD < s->count)
			rs_mem_prefetch(d->reader, s->address[k + PREFETCH_AHEAD]);
		size_t start = d->object_start = s->refs_used;
		d->again = d->reader->missed = false;
		rs_error *err = rs_object_traverse(&d->model, s->address[k], s->type[k], decode_visit, d);
		if (err || d->again || d->reader->missed) {
			rs_error_free(err);
			s->refs_used = start;
			s->n_refs[k] = RS_DECODE_AGAIN;
			continue;
		}
		s->n_refs[k] = (uint32_t)(s->refs_used - start);
	}
}

static void *decoder_run(void *arg)
{
	struct rs_decoder *d = arg;
	for (uint64_t c = 0; c < d->n_chunks; c++) {
		struct slot *s = &d->slots[c % RING];
		pthread_mutex_lock(&d->h.lock);
		while (!d->h.stop && s->chunk < c)
			pthread_cond_wait(&d->h.changed, &d->h.lock);
		bool mine = !d->h.stop && s->chunk == c && s->state == SLOT_FILLED;
		if (mine)
			s->state = SLOT_DECODING;
		bool stop = d->h.stop;
		pthread_mutex_unlock(&d->h.lock);
		if (stop)
			break;
		if (!mine)
			continue; /* the build took it */
		slot_decode(d, s);
		pthread_mutex_lock(&d->h.lock);
		s->state = SLOT_DECODED;
		pthread_cond_broadcast(&d->h.changed);
		pthread_mutex_unlock(&d->h.lock);
	}
	return NULL;
}

/* Outside the lock: the thread reads a slot's objects only once it has seen
 * the new chunk number, set under the lock after this. */
static void slot_fill(struct rs_decoder *d, struct slot *s, uint64_t chunk, const struct rs_heap *heap)
{
	uint64_t first = d->first + chunk * CHUNK;
	uint64_t end = first + CHUNK < d->end ? first + CHUNK : d->end;
	s->count = (uint32_t)(end - first);
	for (uint64_t i = first; i < end; i++) {
		s->address[i - first] = heap->objects[i].address;
		s->type[i - first] = heap->objects[i].type;
	}
}

/* REFSCOPE_THREADS=1 builds alone, =2 always with the thread (the tests
 * compare the two); else the thread helps large heaps on several CPUs. */
static bool want_thread(uint64_t n_objects)
{
	const char *threads = getenv("REFSCOPE_THREADS");
	if (threads && atoi(threads) == 2)
		return n_objects > 0;
	return n_objects >= OBJECTS_MIN && rs_helpers_wanted();
}

/* The thread's own copy of the type table, taken once every type the
 * tracked objects have is classified: the build adds types as it goes,
 * which moves the table. It never looks a type up by address. */
static bool types_copy(struct rs_type_table *copy, const struct rs_type_table *table)
{
	*copy = (struct rs_type_table){.count = table->count, .capacity = table->count,
				       .slot_count = table->slot_count, .slot_capacity = table->slot_count,
				       .names_used = table->names_used, .names_capacity = table->names_used};
	copy->types = malloc((table->count ? table->count : 1) * sizeof(*copy->types));
	copy->slots = malloc((table->slot_count ? table->slot_count : 1) * sizeof(*copy->slots));
	copy->names = malloc(table->names_used ? table->names_used : 1);
	if (!copy->types || !copy->slots || !copy->names)
		return false;
	/* An empty array may be NULL, which memcpy must not be given. */
	if (table->count)
		memcpy(copy->types, table->types, table->count * sizeof(*copy->types));
	if (table->slot_count)
		memcpy(copy->slots, table->slots, table->slot_count * sizeof(*copy->slots));
	if (table->names_used)
		memcpy(copy->names, table->names, table->names_used);
	for (uint32_t i = 0; i < copy->count; i++)
		copy->types[i].public.name = copy->names + copy->types[i].name_offset;
	return true;
}

static void decoder_free(struct rs_decoder *d)
{
	for (int i = 0; i < RING; i++)
		free(d->slots[i].refs);
	rs_type_table_free(&d->types);
	if (d->reader)
		rs_memory_destroy(d->reader);
	free(d);
}

struct rs_decoder *rs_decoder_start(struct rs_objmodel *model, const struct rs_heap *heap, uint64_t first,
				    uint64_t end)
{
	if (end <= first || !want_thread(end - first))
		return NULL;
	for (uint32_t i = 0; i < model->types->count; i++)
		rs_type_classify(model, i);
	struct rs_decoder *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->first = first;
	d->end = end;
	d->n_chunks = (end - first + CHUNK - 1) / CHUNK;
	d->reader = rs_memory_thread_reader(model->mem);
	if (!d->reader || !types_copy(&d->types, model->types)) {
		decoder_free(d);
		return NULL;
	}
	d->model = *model;
	d->model.mem = d->reader;
	d->model.types = &d->types;
	d->model.is_known = decode_is_known;
	d->model.is_known_arg = d;
	for (uint64_t c = 0; c < RING; c++) {
		d->slots[c].chunk = c;
		if (c < d->n_chunks)
			slot_fill(d, &d->slots[c], c, heap);
	}
	if (!rs_helper_start(&d->h, decoder_run, d)) {
		decoder_free(d);
		return NULL;
	}
	return d;
}

bool rs_decoder_next(struct rs_decoder *d, struct rs_decoded_chunk *out)
{
	if (d->current >= d->n_chunks)
		return false;
	struct slot *s = &d->slots[d->current % RING];
	pthread_mutex_lock(&d->h.lock);
	bool decoded = s->state != SLOT_FILLED;
	if (!decoded)
		s->state = SLOT_TAKEN;
	while (decoded && s->state != SLOT_DECODED)
		pthread_cond_wait(&d->h.changed, &d->h.lock);
	pthread_mutex_unlock(&d->h.lock);
	*out = (struct rs_decoded_chunk){d->first + d->current * CHUNK, s->count, decoded, s->n_refs, s->refs};
	return true;
}

void rs_decoder_chunk_done(struct rs_decoder *d, const struct rs_heap *heap)
{
	struct slot *s = &d->slots[d->current % RING];
	uint64_t next = d->current++ + RING;
	if (next >= d->n_chunks)
		return;
	slot_fill(d, s, next, heap);
	pthread_mutex_lock(&d->h.lock);
	s->chunk = next;
	s->state = SLOT_FILLED;
	pthread_cond_broadcast(&d->h.changed);
	pthread_mutex_unlock(&d->h.lock);
}

void rs_decoder_stop(struct rs_decoder *d)
{
	if (!d)
		return;
	rs_helper_stop(&d->h);
	decoder_free(d);
}
