/* A class's full name, module.qualname ("app.models.User"), as users
 * write it: tp_name of a class defined in Python is only its __name__. */
#include <stdio.h>
#include <string.h>

#include "../objects/repr.h"
#include "../target.h"
#include "graph.h"

#define TPFLAGS_HEAPTYPE (1ul << 9)

struct module_find {
	struct rs_objmodel *model;
	uint64_t value;
};

static void module_entry(void *arg, uint64_t referent, enum rs_via_kind kind, uint64_t detail)
{
	struct module_find *f = arg;
	char key[32];
	if (kind != RS_VIA_DICT_VALUE || f->value)
		return;
	rs_key_text(f->model, detail, key, sizeof(key));
	if (strcmp(key, "'__module__'") == 0)
		f->value = referent;
}

/* __module__ of the type at address, from its dict, into buf. */
static bool type_module(rs_target *target, rs_heap *heap, uint64_t type, char *buf, size_t size)
{
	const struct rs_layout *l = &target->py.layout;
	uint64_t dict = 0;
	rs_error *err = rs_mem_read_u64(target->mem, type + (uint64_t)RS_OFF(l, type_dict), &dict);
	uint32_t index = err || !dict ? RS_NO_OBJECT : rs_heap_find(target, heap, dict);
	rs_error_free(err);
	if (index == RS_NO_OBJECT)
		return false;
	struct module_find f = {&heap->graph->model, 0};
	rs_error_free(rs_object_traverse(&heap->graph->model, dict, heap->objects[index].type, module_entry, &f));
	if (!f.value)
		return false;
	bool cut;
	err = rs_str_text(target->mem, l, f.value, buf, size, &cut);
	rs_error_free(err);
	return !err;
}

bool rs_heap_type_qualified_name(rs_target *target, rs_heap *heap, uint32_t type, char *buf, size_t size)
{
	const struct rs_type *t = rs_heap_type(heap, type);
	const struct rs_layout *l = &target->py.layout;
	int64_t cached_keys = RS_OFF(l, heaptype_cached_keys);
	if (!heap->graph || !(t->flags & TPFLAGS_HEAPTYPE) || cached_keys < 8)
		return false;
	uint64_t qualname = 0; /* ht_qualname comes just before ht_cached_keys */
	char module[256], name[256];
	bool cut;
	rs_error *err = rs_mem_read_u64(target->mem, t->address + (uint64_t)(cached_keys - 8), &qualname);
	if (!err)
		err = rs_str_text(target->mem, l, qualname, name, sizeof(name), &cut);
	rs_error_free(err);
	if (err || !type_module(target, heap, t->address, module, sizeof(module)))
		return false;
	snprintf(buf, size, "%s.%s", module, name);
	return true;
}
