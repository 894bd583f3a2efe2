#include "exercise.h"

#include <stdio.h>
#include <stdlib.h>

/* Larger heaps are walked but not graphed: one input must stay fast. */
#define MAX_GRAPH_OBJECTS 200000
/* How many objects get a repr, their references and a path. */
#define SAMPLES 24

static volatile size_t sink;

void fuzz_environment(void)
{
	unsetenv("DEBUGINFOD_URLS");
	if (!getenv("REFSCOPE_FUZZ_DWARF"))
		setenv("REFSCOPE_SYSTEM_DEBUG_DIR", "/nonexistent", 1);
}

void fuzz_error_free(rs_error *err)
{
	if (!err)
		return;
	for (const char *m = rs_error_message(err); *m; m++)
		sink += (unsigned char)*m;
	sink += (size_t)rs_error_kind(err) + (size_t)rs_error_address(err) + (size_t)rs_error_errno(err);
	rs_error_free(err);
}

static void touch_string(const char *s)
{
	if (s)
		for (; *s; s++)
			sink += (unsigned char)*s;
}

static void count_reference(void *arg, uint64_t referent, const char *via, bool conservative)
{
	(void)arg;
	sink += (size_t)referent + conservative;
	touch_string(via);
}

static void count_index(void *arg, uint32_t referent)
{
	(void)arg;
	sink += referent;
}

static void sample_objects(rs_target *target, rs_heap *heap)
{
	size_t n = rs_heap_object_count(heap);
	if (!n)
		return;
	size_t step = n / SAMPLES + 1;
	for (size_t i = 0; i < n; i += step) {
		uint32_t idx = (uint32_t)i;
		char buf[512];
		rs_heap_repr(target, heap, idx, buf, sizeof(buf));
		touch_string(buf);
		fuzz_error_free(rs_heap_references(target, heap, idx, count_reference, NULL));
		rs_heap_hidden_references(target, heap, idx, count_index, NULL);
		size_t count = 0;
		const uint32_t *refs = rs_heap_referents(heap, idx, &count);
		for (size_t r = 0; r < count; r++)
			sink += refs[r];
		const struct rs_object *obj = &rs_heap_objects(heap)[idx];
		sink += rs_heap_find(target, heap, obj->address);
		/* Addresses near an object: adopted only when they hold one. */
		sink += rs_heap_find(target, heap, obj->address + 16);
		/* A path computes the roots (rs_heap_roots) each time: one will do. */
		if (i != 0)
			continue;
		struct rs_path path;
		rs_error *err = rs_heap_path(target, heap, idx, &path);
		if (!err) {
			char name[256];
			for (size_t r = 0; r < path.roots.n_refs && r < SAMPLES; r++) {
				rs_root_name(target, &path.roots, &path.roots.refs[r], name, sizeof(name));
				touch_string(name);
			}
			for (size_t k = 0; k < path.length; k++)
				sink += path.steps[k];
			rs_path_free(&path);
		}
		fuzz_error_free(err);
	}
}

static void analyse(rs_target *target, rs_heap *heap)
{
	rs_error *err = rs_heap_graph_build(target, heap);
	if (err) {
		fuzz_error_free(err);
		return;
	}
	sink += rs_heap_reached_count(heap);
	struct rs_groups cycles;
	err = rs_heap_cycles(target, heap, &cycles);
	if (!err)
		rs_groups_free(&cycles);
	fuzz_error_free(err);
	struct rs_garbage garbage;
	err = rs_heap_garbage(target, heap, &garbage);
	if (!err)
		rs_garbage_free(&garbage);
	fuzz_error_free(err);
	sample_objects(target, heap);
}

void fuzz_exercise(rs_target *target, rs_heap **heap_out)
{
	struct rs_python_info info;
	rs_target_python(target, &info);
	touch_string(info.version_source);
	touch_string(info.module_path);
	touch_string(info.runtime_found_by);
	for (size_t i = 0; i < rs_layout_field_count(); i++)
		sink += (size_t)rs_target_layout_field(target, i) + rs_target_layout_field_source(target, i);
	rs_heap *heap = NULL;
	rs_error *err = rs_heap_walk(target, NULL, NULL, &heap);
	if (err) {
		fuzz_error_free(err);
		return;
	}
	for (size_t i = 0; i < rs_heap_interpreter_count(heap); i++) {
		const struct rs_interpreter *it = rs_heap_interpreter(heap, i);
		for (size_t t = 0; t < it->n_threads; t++)
			sink += it->threads[t].thread_id;
		for (size_t g = 0; g < it->n_generations && g < RS_MAX_GENERATIONS; g++) {
			touch_string(it->generations[g].name);
			sink += it->generations[g].objects;
		}
	}
	for (uint32_t i = 0; i < rs_heap_type_count(heap); i++)
		touch_string(rs_heap_type(heap, i)->name);
	if (rs_heap_object_count(heap) <= MAX_GRAPH_OBJECTS)
		analyse(target, heap);
	for (size_t i = 0; i < rs_target_diagnostic_count(target); i++)
		touch_string(rs_target_diagnostic(target, i));
	if (heap_out)
		*heap_out = heap;
	else
		rs_heap_free(heap);
}
