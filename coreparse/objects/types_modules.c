/* Named-type table (named_types.h): the C types of every other
 * standard-library extension module. */
#include "named_types.h"

const struct rs_named_type rs_named_types_modules[] = {
	{NULL, 0, 0, 0, NULL, NULL},
};
