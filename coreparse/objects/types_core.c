/* Named-type table (named_types.h): the C types of the interpreter core,
 * Objects/ and Python/, whose tp_traverse refscope emulates. */
#include "named_types.h"

static const struct rs_named_field traceback[] = {{16, "tb_next"}, {24, "tb_frame"}, RS_NAMED_END};
static const struct rs_named_field list_iterator[] = {{24, "it_seq"}, RS_NAMED_END};

const struct rs_named_type rs_named_types_core[] = {
	{"traceback", 8, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, traceback, NULL},
	{"list_iterator", 8, RS_MINOR_LAST, RS_NAMED_TYPE_DEFAULT, list_iterator, NULL},
	{NULL, 0, 0, 0, NULL, NULL},
};
