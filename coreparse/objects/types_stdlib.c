/* Named-type table (named_types.h): the C types of _asyncio, _io,
 * _functools, _collections, itertools and _operator. */
#include "named_types.h"

const struct rs_named_type rs_named_types_stdlib[] = {
	{NULL, 0, 0, 0, NULL, NULL},
};
