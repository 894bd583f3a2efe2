#include "heap.h"

#include <inttypes.h>
#include <stdlib.h>

#include "../target.h"
#include "../util/huge_pages.h"

/* Before 3.9 one gc state served the whole runtime; it is shown under the
 * main interpreter. */
static uint64_t gc_state_of(const struct rs_python *py, const struct rs_interpreter *it, size_t index)
{
	const struct rs_layout *l = &py->layout;
	if (RS_OFF(l, interp_gc) >= 0)
		return it->address + (uint64_t)RS_OFF(l, interp_gc);
	return index == 0 ? py->runtime + (uint64_t)RS_OFF(l, runtime_gc) : 0;
}

rs_error *rs_heap_walk(rs_target *target, void (*progress)(uint64_t seen, void *arg), void *arg,
		       rs_heap **out)
{
	struct rs_heap *heap = calloc(1, sizeof(*heap));
	if (!heap)
		return rs_error_nomem();
	heap->progress = progress;
	heap->progress_arg = arg;
	rs_error *err = rs_interpreters_read(target->mem, &target->py, heap);
	rs_mem_will_read_most(target->mem);
	heap->prefault = rs_prefault_start();
	for (size_t i = 0; !err && i < heap->n_interps; i++) {
		uint64_t gc_state = gc_state_of(&target->py, &heap->interps[i], i);
		if (gc_state)
			err = rs_gc_state_walk(target->mem, &target->py, gc_state, (uint16_t)i, heap);
	}
	rs_prefault_stop(heap->prefault);
	heap->prefault = NULL;
	/* A process that died mid-walk leaves broken lists, not a smaller heap. */
	if (!err && target->mem->gone)
		err = rs_error_new(RS_ERR_NOT_FOUND, "process %d exited while being read", (int)target->mem->pid);
	if (err) {
		rs_heap_destroy(heap);
		return err;
	}
	rs_type_table_finish(&heap->types);
	*out = heap;
	return NULL;
}

bool rs_heap_objects_reserve(struct rs_heap *heap)
{
	if (heap->n_objects < heap->objects_capacity) {
		rs_prefault_track(heap->prefault, &heap->objects_asked, heap->objects,
				  heap->n_objects * sizeof(*heap->objects), heap->objects_capacity * sizeof(*heap->objects));
		return true;
	}
	rs_prefault_quiesce(heap->prefault);
	size_t cap = heap->objects_capacity ? heap->objects_capacity * 2 : 65536;
	struct rs_object *objects = rs_huge_array_resize(heap->objects, heap->objects_capacity * sizeof(*objects),
							  cap * sizeof(*objects));
	if (!objects)
		return false;
	heap->objects = objects;
	heap->objects_capacity = cap;
	return true;
}

void rs_heap_destroy(struct rs_heap *heap)
{
	if (!heap)
		return;
	free(heap->interps);
	free(heap->threads);
	rs_huge_array_free(heap->objects, heap->objects_capacity * sizeof(*heap->objects));
	rs_type_table_free(&heap->types);
	free(heap);
}

size_t rs_heap_interpreter_count(const rs_heap *heap)
{
	return heap->n_interps;
}

const struct rs_interpreter *rs_heap_interpreter(const rs_heap *heap, size_t i)
{
	return i < heap->n_interps ? &heap->interps[i] : NULL;
}

size_t rs_heap_object_count(const rs_heap *heap)
{
	return heap->n_objects;
}

const struct rs_object *rs_heap_objects(const rs_heap *heap)
{
	return heap->objects;
}

size_t rs_heap_type_count(const rs_heap *heap)
{
	return heap->types.count;
}

const struct rs_type *rs_heap_type(const rs_heap *heap, uint32_t i)
{
	return i < heap->types.count ? &heap->types.types[i].public : NULL;
}
