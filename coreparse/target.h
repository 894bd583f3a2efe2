/* The public rs_target: a target's memory, modules and interpreter together. */
#ifndef RS_TARGET_H
#define RS_TARGET_H

#include "python/python.h"

struct rs_target {
	struct rs_diag diag;
	struct rs_memory *mem;
	struct rs_modules *mods;
	struct rs_python py;
	bool live;
	const char *kind;   /* "core", "live", or "debugger" (read through the caller) */
	char *sysroot;      /* --sysroot, resolved; mem and mods point to it */
};

#endif
