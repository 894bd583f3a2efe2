/* What roots.c and state_roots.c share while they collect the roots. */
#ifndef RS_ANALYSIS_ROOTS_H
#define RS_ANALYSIS_ROOTS_H

#include "../graph/graph.h"
#include "../target.h"

/* Memory the static scan leaves alone: read by field, or stale by design. */
struct rs_span {
	uint64_t start, end;
};

struct rs_roots_collect {
	rs_target *target;
	rs_heap *heap;
	struct rs_roots *out;
	size_t refs_capacity, names_capacity;
	struct rs_span *skip;
	size_t n_skip, skip_capacity;
	bool nomem;
};

uint32_t rs_roots_name(struct rs_roots_collect *c, const char *name);
/* counted: whether the reference adds to the object's root count (false
 * for one the heap's own edges already count, as sys.modules entries). */
void rs_roots_add(struct rs_roots_collect *c, uint32_t object, uint8_t kind, uint32_t name, uint64_t where,
		  bool counted);
void rs_roots_skip(struct rs_roots_collect *c, uint64_t start, uint64_t end);
/* The object at address, when the graph knows one there. */
uint32_t rs_roots_known(const struct rs_roots_collect *c, uint64_t address);

/* state_roots.c: what the runtime, every interpreter and every thread state
 * own, read member by member; their memory is added to the skipped spans. */
void rs_state_roots_collect(struct rs_roots_collect *c);

#endif
