/* A snapshot of the heap: interpreters, threads, gc generations and every
 * gc-tracked object, each in one compact array. */
#ifndef RS_HEAP_HEAP_H
#define RS_HEAP_HEAP_H

#include "../objects/types.h"
#include "../util/prefault.h"

struct rs_graph;

struct rs_heap {
	struct rs_graph *graph;   /* built on first need */
	struct rs_interpreter *interps;
	size_t n_interps;
	struct rs_thread *threads;
	size_t n_threads;
	struct rs_object *objects;
	size_t n_objects, objects_capacity;
	/* While the walk or the graph build appends objects: their helper thread. */
	struct rs_prefault *prefault;
	struct rs_prefault_array objects_asked;
	struct rs_type_table types;
	void (*progress)(uint64_t seen, void *arg);
	void *progress_arg;
};

/* object_init.c: sets every field of o but size from the object's address
 * and ob_refcnt word (flags RS_IMMORTAL or RS_REFCNT_CLAMPED as they
 * apply, a clamped count with a warning); false, with o untouched, when the
 * address is past the 48 bits an rs_object keeps, which no object of a
 * user-space heap is. */
bool rs_object_init(struct rs_object *o, const struct rs_layout *layout, struct rs_diag *diag, uint64_t address,
		    uint64_t refcnt_word, uint32_t type, uint16_t interp, uint8_t generation);

/* Room for one more object in heap->objects (which may move); false when
 * out of memory. */
bool rs_heap_objects_reserve(struct rs_heap *heap);

/* Frees the snapshot's own arrays (the graph is freed by its owner first). */
void rs_heap_destroy(struct rs_heap *heap);

/* interpreters.c: the interpreters of the runtime and their threads, without gc data. */
rs_error *rs_interpreters_read(struct rs_memory *mem, const struct rs_python *py, struct rs_heap *heap);

/* gc_walk.c: the gc state at address: flags, generations and their objects. */
rs_error *rs_gc_state_walk(struct rs_memory *mem, const struct rs_python *py, uint64_t gc_state,
			   uint16_t interp_index, struct rs_heap *heap);

#endif
