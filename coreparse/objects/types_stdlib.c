/* Named-type table (named_types.h): the C types of _asyncio, _io,
 * _functools, _collections, itertools and _operator, and the iterators and
 * views of OrderedDict. Offsets are from the DWARF of 3.8-3.15; what each
 * traverse visits from its source, its disassembly and gc.get_referents. */
#include <inttypes.h>

#include "named_types.h"

#define F(offset, name) {offset, name}

/* ---- _asyncio: the Future part of a Future or a Task, after the Task's
 * own fields (context, coroutine, name, awaited future). 3.9 and 3.10 keep
 * the CancelledError being raised as an exception state (type, value,
 * traceback); 3.13+ keep __dict__ as a managed dict (future_dict). */
#define FUTURE_HEAD F(16, "_loop"), F(24, "fut_callback0"), F(32, "fut_context0"), F(40, "fut_callbacks")
#define CANCELLED_STATE(at) \
	F(at, "cancelled_exc_type"), F(at + 8, "cancelled_exc_value"), F(at + 16, "cancelled_exc_traceback")
#define FUTURE_38_RESULT FUTURE_HEAD, F(56, "_result"), F(48, "_exception"), F(64, "_source_traceback")
#define FUTURE_38 FUTURE_38_RESULT, F(88, "__dict__")
#define FUTURE_39 FUTURE_38_RESULT, F(72, "_cancel_message"), F(96, "__dict__"), CANCELLED_STATE(112)
#define FUTURE_310_RESULT \
	FUTURE_HEAD, F(64, "_result"), F(48, "_exception"), F(56, "fut_exception_tb"), F(72, "_source_traceback"), \
		F(80, "_cancel_message")
#define FUTURE_310 FUTURE_310_RESULT, F(104, "__dict__"), CANCELLED_STATE(120)
#define FUTURE_311 FUTURE_310_RESULT, F(120, "fut_cancelled_exc"), F(104, "__dict__")
#define FUTURE_313 FUTURE_310_RESULT, F(88, "fut_cancelled_exc")
#define FUTURE_314 FUTURE_313, F(96, "fut_awaited_by")
#define TASK(context, coro, name, waiter) \
	F(context, "task_context"), F(coro, "_coro"), F(name, "task_name"), F(waiter, "_fut_waiter")

/* 3.6: no callback0 and context0, no task context or name */
#define FUTURE_36 F(16, "_loop"), F(24, "fut_callbacks"), F(40, "_result"), F(32, "_exception"), \
	F(48, "_source_traceback"), F(72, "__dict__")
static const struct rs_named_field future_36[] = {FUTURE_36, RS_NAMED_END};
static const struct rs_named_field task_36[] = {F(88, "_fut_waiter"), F(96, "_coro"), FUTURE_36, RS_NAMED_END};
static const struct rs_named_field future_38[] = {FUTURE_38, RS_NAMED_END};
static const struct rs_named_field future_39[] = {FUTURE_39, RS_NAMED_END};
static const struct rs_named_field future_310[] = {FUTURE_310, RS_NAMED_END};
static const struct rs_named_field future_311[] = {FUTURE_311, RS_NAMED_END};
static const struct rs_named_field future_313[] = {FUTURE_313, RS_NAMED_END};
static const struct rs_named_field future_314[] = {FUTURE_314, RS_NAMED_END};
static const struct rs_named_field task_38[] = {TASK(128, 112, 120, 104), FUTURE_38, RS_NAMED_END};
static const struct rs_named_field task_39[] = {TASK(168, 152, 160, 144), FUTURE_39, RS_NAMED_END};
static const struct rs_named_field task_310[] = {TASK(176, 160, 168, 152), FUTURE_310, RS_NAMED_END};
static const struct rs_named_field task_311[] = {TASK(152, 136, 144, 128), FUTURE_311, RS_NAMED_END};
static const struct rs_named_field task_313[] = {TASK(136, 120, 128, 112), FUTURE_313, RS_NAMED_END};
static const struct rs_named_field task_314[] = {TASK(144, 128, 136, 120), FUTURE_314, RS_NAMED_END};
static const struct rs_named_field future_iter[] = {F(16, "future"), RS_NAMED_END};
static const struct rs_named_field task_step[] = {F(16, "__self__"), F(24, "sw_arg"), RS_NAMED_END};
static const struct rs_named_field task_wakeup[] = {F(16, "__self__"), RS_NAMED_END};

/* PyObject_VisitManagedDict, as the instance part of a Python class does
 * it. For a Python subclass that part has visited the dict already (where
 * CPython's subtype_traverse leaves it to the base, whose dict offset the
 * subclass shares): once is right. */
static rs_error *future_dict(const struct rs_traversal *t)
{
	if (t->type->subtype && t->type->dict_rule == RS_DICT_MANAGED)
		return NULL;
	const struct rs_layout *l = &t->m->py->layout;
	struct rs_type_info own = *t->type;
	struct rs_traversal dict_only = *t;
	own.slots_count = 0;
	own.dict_rule = RS_DICT_MANAGED;
	own.dictoffset_too = false;
	rs_error *err = rs_mem_read_u64(t->m->mem, own.public.address + (uint64_t)RS_OFF(l, heaptype_cached_keys),
					&own.cached_keys);
	dict_only.type = &own;
	return err ? err : rs_traverse_instance(&dict_only);
}

/* ---- _io */
static const struct rs_named_field io_dict_16[] = {F(16, "__dict__"), RS_NAMED_END};
static const struct rs_named_field fileio[] = {F(40, "__dict__"), RS_NAMED_END};
static const struct rs_named_field buffered[] = {F(16, "raw"), F(136, "__dict__"), RS_NAMED_END};
static const struct rs_named_field rwpair_38[] = {F(32, "__dict__"), RS_NAMED_END};
static const struct rs_named_field rwpair_312[] = {F(32, "__dict__"), F(16, "reader"), F(24, "writer"), RS_NAMED_END};
static const struct rs_named_field textio[] = {
	F(32, "buffer"), F(40, "encoding"), F(48, "encoder"), F(56, "decoder"), F(64, "readnl"),
	F(120, "decoded_chars"), F(136, "pending_bytes"), F(152, "snapshot"), F(72, "errors"), F(168, "raw"),
	F(184, "__dict__"), RS_NAMED_END,
};
static const struct rs_named_field bytesio_38[] = {F(40, "__dict__"), RS_NAMED_END};
static const struct rs_named_field bytesio_312[] = {F(40, "__dict__"), F(16, "buf"), RS_NAMED_END};
static const struct rs_named_field bytesio_buffer[] = {F(16, "source"), RS_NAMED_END};
static const struct rs_named_field stringio_38[] = {F(104, "__dict__"), RS_NAMED_END};
static const struct rs_named_field stringio_312[] = {F(128, "readnl"), F(136, "writenl"), F(120, "decoder"),
						     F(144, "__dict__"), RS_NAMED_END};
static const struct rs_named_field stringio_314[] = {F(80, "readnl"), F(88, "writenl"), F(72, "decoder"),
						     F(96, "__dict__"), RS_NAMED_END};
static const struct rs_named_field newline_decoder[] = {F(16, "decoder"), F(24, "errors"), RS_NAMED_END};

/* ---- _functools: the cache's links are a ring through root, the head of
 * the wrapper itself ({prev, next, hash, key, result} after the object head). */
static const struct rs_named_field lru_cache_36[] = {F(64, "maxsize"), F(72, "func"), F(88, "cache"),
						     F(96, "cache_info_type"), F(128, "__dict__"), RS_NAMED_END};
static const struct rs_named_field lru_list_elem_36[] = {F(40, "key"), F(48, "result"), RS_NAMED_END};
static const struct rs_named_field lru_cache_38[] = {F(88, "func"), F(72, "cache"), F(112, "cache_info_type"),
						     F(120, "__dict__"), RS_NAMED_END};
static const struct rs_named_field lru_cache_310[] = {
	F(72, "cache"), F(88, "func"), F(112, "kwd_mark"), F(120, "lru_list_elem_type"), F(128, "cache_info_type"),
	F(136, "__dict__"), RS_NAMED_END,
};
static const struct rs_named_field key_wrapper[] = {F(16, "cmp"), F(24, "obj"), RS_NAMED_END};

#define LRU_CACHE_DICT 72 /* the cache dict (3.6: 88): each link is one of its entries */
#define DICT_USED 16
#define LRU_LINKS_SLACK 4 /* links a call in progress has taken out of the dict but not yet off the list */
#define LRU_LINKS_MAX (1u << 26)

static rs_error *lru_links(const struct rs_traversal *t)
{
	bool link_types = t->m->py->layout.minor >= 10; /* the links are objects of a heap type */
	bool link_objects = t->m->py->layout.minor == 6; /* 3.6 visits each link, a gc object of its own */
	uint64_t cache, used = 0, link, words[7];       /* refcnt, type, prev, next, hash, key, result */
	uint64_t cache_at = t->m->py->layout.minor == 6 ? 88 : LRU_CACHE_DICT, head = RS_HEAD(&t->m->py->layout);
	rs_error *err = rs_mem_read_u64(t->m->mem, t->obj + head + cache_at, &cache);
	if (!err && cache)
		err = rs_mem_read_u64(t->m->mem, cache + head + DICT_USED, &used);
	if (!err && used > LRU_LINKS_MAX)
		return rs_error_new(RS_ERR_CORRUPT, "lru_cache at 0x%" PRIx64 ": its cache claims %" PRIu64 " entries",
				    t->obj, used);
	if (!err)
		err = rs_mem_read_u64(t->m->mem, t->obj + head + 24, &link);
	for (uint64_t n = 0; !err && link != t->obj; n++) {
		if (n > used + LRU_LINKS_SLACK)
			return rs_error_new(RS_ERR_CORRUPT, "lru_cache at 0x%" PRIx64 ": more links than its %" PRIu64
					    " cache entries", t->obj, used);
		if ((err = rs_mem_read(t->m->mem, link + head, words, sizeof(words))))
			break;
		if (link_objects) {
			rs_visit_nonnull(t, link, RS_VIA_FIELD, (uint64_t)(uintptr_t) "link");
		} else {
			rs_visit_nonnull(t, words[5], RS_VIA_FIELD, (uint64_t)(uintptr_t) "key");
			rs_visit_nonnull(t, words[6], RS_VIA_FIELD, (uint64_t)(uintptr_t) "result");
		}
		if (link_types)
			rs_visit_nonnull(t, words[1], RS_VIA_FIELD, (uint64_t)(uintptr_t) "__class__");
		link = words[3];
	}
	return err;
}

/* ---- _collections and OrderedDict */
static const struct rs_named_field deque_iterator[] = {F(32, "deque"), RS_NAMED_END};
static const struct rs_named_field tuplegetter[] = {F(24, "__doc__"), RS_NAMED_END};
static const struct rs_named_field odict_iterator[] = {F(24, "di_odict"), F(48, "di_current"), F(56, "di_result"),
						       RS_NAMED_END};
static const struct rs_named_field odict_view[] = {F(16, "mapping"), RS_NAMED_END};

/* ---- itertools */
static const struct rs_named_field chain[] = {F(16, "source"), F(24, "active"), RS_NAMED_END};
static const struct rs_named_field count[] = {F(24, "long_cnt"), F(32, "long_step"), RS_NAMED_END};
static const struct rs_named_field cycle[] = {F(16, "it"), F(24, "saved"), RS_NAMED_END};
static const struct rs_named_field func_it[] = {F(24, "it"), F(16, "func"), RS_NAMED_END}; /* dropwhile, ... */
static const struct rs_named_field it_16[] = {F(16, "it"), RS_NAMED_END};
static const struct rs_named_field accumulate[] = {F(32, "binop"), F(24, "it"), F(16, "total"), F(40, "initial"),
						   RS_NAMED_END};
static const struct rs_named_field accumulate_36[] = {F(32, "binop"), F(24, "it"), F(16, "total"), RS_NAMED_END};
static const struct rs_named_field compress[] = {F(16, "data"), F(24, "selectors"), RS_NAMED_END};
static const struct rs_named_field groupby[] = {F(16, "it"), F(24, "keyfunc"), F(32, "tgtkey"), F(40, "currkey"),
						F(48, "currvalue"), RS_NAMED_END};
static const struct rs_named_field grouper[] = {F(16, "parent"), F(24, "tgtkey"), RS_NAMED_END};
static const struct rs_named_field tee[] = {F(16, "dataobj"), RS_NAMED_END};
static const struct rs_named_field tee_data[] = {F(16, "it"), F(32, "nextlink"), RS_NAMED_END};
static const struct rs_named_field pool_result_32[] = {F(16, "pool"), F(32, "result"), RS_NAMED_END};
static const struct rs_named_field product[] = {F(16, "pools"), F(32, "result"), RS_NAMED_END};
static const struct rs_named_field permutations[] = {F(16, "pool"), F(40, "result"), RS_NAMED_END};
static const struct rs_named_field zip_longest[] = {F(32, "ittuple"), F(40, "result"), F(48, "fillvalue"),
						    RS_NAMED_END};
static const struct rs_named_field repeat[] = {F(16, "element"), RS_NAMED_END};
static const struct rs_named_field pairwise_310[] = {F(16, "it"), F(24, "old"), RS_NAMED_END};
static const struct rs_named_field pairwise_313[] = {F(16, "it"), F(24, "old"), F(32, "result"), RS_NAMED_END};

#define TEE_LINK_CELLS 57

/* The values a tee data object has read so far, values[0..numread). */
static rs_error *tee_values(const struct rs_traversal *t)
{
	int32_t numread;
	rs_error *err = rs_mem_read(t->m->mem, rs_head(t) + 24, &numread, sizeof(numread));
	if (err)
		return err;
	if (numread < 0 || numread > TEE_LINK_CELLS)
		return rs_error_new(RS_ERR_CORRUPT, "tee data at 0x%" PRIx64 " claims %" PRId32 " values", t->obj,
				    numread);
	return rs_visit_pointer_array(t, rs_head(t) + 40, (uint64_t)numread, 0);
}

/* ---- _operator */
static const struct rs_named_field itemgetter[] = {F(24, "item"), RS_NAMED_END};
static const struct rs_named_field attrgetter[] = {F(24, "attr"), RS_NAMED_END};
static const struct rs_named_field methodcaller_38[] = {F(24, "args"), F(32, "kwds"), RS_NAMED_END};
static const struct rs_named_field methodcaller_310[] = {F(16, "name"), F(24, "args"), F(32, "kwds"), RS_NAMED_END};
static const struct rs_named_field methodcaller_314[] = {F(16, "name"), F(24, "args"), F(32, "kwds"),
							 F(40, "vectorcall_args"), F(48, "vectorcall_kwnames"),
							 RS_NAMED_END};

#define LAST RS_MINOR_LAST
#define ENTRY(name, min, max, fields, more) {name, min, max, RS_NAMED_TYPE_DEFAULT, fields, more}

const struct rs_named_type rs_named_types_stdlib[] = {
	ENTRY("_asyncio.Future", 6, 6, future_36, NULL),
	ENTRY("_asyncio.Future", 7, 8, future_38, NULL),
	ENTRY("_asyncio.Future", 9, 9, future_39, NULL),
	ENTRY("_asyncio.Future", 10, 10, future_310, NULL),
	ENTRY("_asyncio.Future", 11, 12, future_311, NULL),
	ENTRY("_asyncio.Future", 13, 13, future_313, future_dict),
	ENTRY("_asyncio.Future", 14, LAST, future_314, future_dict),
	ENTRY("_asyncio.Task", 6, 6, task_36, NULL),
	ENTRY("_asyncio.Task", 7, 8, task_38, NULL),
	ENTRY("_asyncio.Task", 9, 9, task_39, NULL),
	ENTRY("_asyncio.Task", 10, 10, task_310, NULL),
	ENTRY("_asyncio.Task", 11, 12, task_311, NULL),
	ENTRY("_asyncio.Task", 13, 13, task_313, future_dict),
	ENTRY("_asyncio.Task", 14, LAST, task_314, future_dict),
	ENTRY("_asyncio.FutureIter", 6, LAST, future_iter, NULL),
	ENTRY("TaskStepMethWrapper", 6, 11, task_step, NULL),
	ENTRY("_asyncio.TaskStepMethWrapper", 12, LAST, task_step, NULL),
	ENTRY("TaskWakeupMethWrapper", 6, 9, task_wakeup, NULL),

	ENTRY("_io.FileIO", 6, LAST, fileio, NULL),
	ENTRY("_io.BufferedReader", 6, LAST, buffered, NULL),
	ENTRY("_io.BufferedWriter", 6, LAST, buffered, NULL),
	ENTRY("_io.BufferedRandom", 6, LAST, buffered, NULL),
	ENTRY("_io.BufferedRWPair", 6, 11, rwpair_38, NULL),
	ENTRY("_io.BufferedRWPair", 12, LAST, rwpair_312, NULL),
	ENTRY("_io.TextIOWrapper", 6, LAST, textio, NULL),
	ENTRY("_io.BytesIO", 6, 11, bytesio_38, NULL),
	ENTRY("_io.BytesIO", 12, LAST, bytesio_312, NULL),
	ENTRY("_io._BytesIOBuffer", 6, LAST, bytesio_buffer, NULL),
	ENTRY("_io.StringIO", 6, 11, stringio_38, NULL),
	ENTRY("_io.StringIO", 12, 13, stringio_312, NULL),
	ENTRY("_io.StringIO", 14, LAST, stringio_314, NULL),
	ENTRY("_io.IncrementalNewlineDecoder", 12, LAST, newline_decoder, NULL), /* a gc type from 3.12 */
	ENTRY("_io._IOBase", 6, LAST, io_dict_16, NULL),
	ENTRY("_io._RawIOBase", 6, LAST, io_dict_16, NULL),
	ENTRY("_io._BufferedIOBase", 6, LAST, io_dict_16, NULL),
	ENTRY("_io._TextIOBase", 6, LAST, io_dict_16, NULL),

	ENTRY("functools._lru_cache_wrapper", 6, 6, lru_cache_36, lru_links),
	ENTRY("functools._lru_list_elem", 6, 6, lru_list_elem_36, NULL),
	ENTRY("functools._lru_cache_wrapper", 7, 9, lru_cache_38, lru_links),
	ENTRY("functools._lru_cache_wrapper", 10, LAST, lru_cache_310, lru_links),
	ENTRY("functools.KeyWrapper", 10, LAST, key_wrapper, NULL), /* a gc type from 3.10 */
	ENTRY("functools._PlaceholderType", 14, LAST, NULL, NULL),  /* its type only */

	ENTRY("_collections._deque_iterator", 6, 11, deque_iterator, NULL),
	ENTRY("_collections._deque_reverse_iterator", 6, 11, deque_iterator, NULL),
	ENTRY("collections._deque_iterator", 12, LAST, deque_iterator, NULL),
	ENTRY("collections._deque_reverse_iterator", 12, LAST, deque_iterator, NULL),
	ENTRY("_collections._tuplegetter", 8, 11, tuplegetter, NULL),
	ENTRY("collections._tuplegetter", 12, LAST, tuplegetter, NULL),
	ENTRY("odict_iterator", 6, LAST, odict_iterator, NULL),
	ENTRY("odict_keys", 6, LAST, odict_view, NULL),
	ENTRY("odict_values", 6, LAST, odict_view, NULL),
	ENTRY("odict_items", 6, LAST, odict_view, NULL),

	ENTRY("itertools.chain", 6, LAST, chain, NULL),
	ENTRY("itertools.count", 6, LAST, count, NULL),
	ENTRY("itertools.cycle", 6, LAST, cycle, NULL),
	ENTRY("itertools.dropwhile", 6, LAST, func_it, NULL),
	ENTRY("itertools.takewhile", 6, LAST, func_it, NULL),
	ENTRY("itertools.islice", 6, LAST, it_16, NULL),
	ENTRY("itertools.starmap", 6, LAST, func_it, NULL),
	ENTRY("itertools.accumulate", 6, 7, accumulate_36, NULL), /* `initial` is 3.8's */
	ENTRY("itertools.accumulate", 8, LAST, accumulate, NULL),
	ENTRY("itertools.compress", 6, LAST, compress, NULL),
	ENTRY("itertools.filterfalse", 6, LAST, func_it, NULL),
	ENTRY("itertools.groupby", 6, LAST, groupby, NULL),
	ENTRY("itertools._grouper", 6, LAST, grouper, NULL),
	ENTRY("itertools._tee", 6, LAST, tee, NULL),
	ENTRY("itertools._tee_dataobject", 6, LAST, tee_data, tee_values),
	ENTRY("itertools.product", 6, LAST, product, NULL),
	ENTRY("itertools.permutations", 6, LAST, permutations, NULL),
	ENTRY("itertools.combinations", 6, LAST, pool_result_32, NULL),
	ENTRY("itertools.combinations_with_replacement", 6, LAST, pool_result_32, NULL),
	ENTRY("itertools.zip_longest", 6, LAST, zip_longest, NULL),
	ENTRY("itertools.repeat", 6, LAST, repeat, NULL),
	ENTRY("itertools.pairwise", 10, 12, pairwise_310, NULL),
	ENTRY("itertools.pairwise", 13, LAST, pairwise_313, NULL),
	ENTRY("itertools.batched", 12, LAST, it_16, NULL),

	ENTRY("operator.itemgetter", 6, LAST, itemgetter, NULL),
	ENTRY("operator.attrgetter", 6, LAST, attrgetter, NULL),
	ENTRY("operator.methodcaller", 6, 9, methodcaller_38, NULL),
	ENTRY("operator.methodcaller", 10, 13, methodcaller_310, NULL),
	ENTRY("operator.methodcaller", 14, LAST, methodcaller_314, NULL),
	{NULL, 0, 0, 0, NULL, NULL},
};
