/* The graph build's second thread: it traverses objects ahead of the build
 * (the gc-tracked ones, then those the build adopted meanwhile), a chunk at
 * a time, and hands over each object's referent
 * addresses, which the build then resolves in order, as if it had traversed
 * the objects itself. The build traverses a chunk itself when the thread has
 * not begun it, and any object the thread could not decode alone (see
 * graph_decode.c), so the graph is the same with or without it. */
#ifndef RS_GRAPH_GRAPH_DECODE_H
#define RS_GRAPH_GRAPH_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "../heap/heap.h"
#include "../objects/traverse.h"

#define RS_DECODE_AGAIN UINT32_MAX /* n_refs of an object the build must traverse itself */

struct rs_decoder;

struct rs_decoded_chunk {
	uint64_t first, count;  /* objects [first, first + count) */
	bool decoded;           /* false: the build traverses them all itself */
	const uint32_t *n_refs; /* per object: how many of refs are its referents, or RS_DECODE_AGAIN */
	const uint64_t *refs;   /* the referents, object after object, in traversal order */
};

/* Starts the thread on objects [first, end) of heap, read through model,
 * whose types must all be known already (they are classified here). NULL
 * when the build is better off alone: too few objects, one CPU, memory with
 * no thread reader, REFSCOPE_THREADS=1, or no thread or memory to be had. */
struct rs_decoder *rs_decoder_start(struct rs_objmodel *model, const struct rs_heap *heap, uint64_t first,
				    uint64_t end);

/* The next chunk, in order of the objects; false after the last. */
bool rs_decoder_next(struct rs_decoder *d, struct rs_decoded_chunk *out);

/* The chunk rs_decoder_next gave is done with: its buffers take a later one,
 * whose objects are read from heap now (the caller's heap may have moved). */
void rs_decoder_chunk_done(struct rs_decoder *d, const struct rs_heap *heap);

/* Stops the thread (whatever it was doing) and frees everything. */
void rs_decoder_stop(struct rs_decoder *d);

#endif
