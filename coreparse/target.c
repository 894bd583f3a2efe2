#include "target.h"

#include <errno.h>
#include <stdlib.h>

/* The system's debug root; tests point it elsewhere to see a machine without debug info. */
static const char *system_debug_dir(void)
{
	const char *dir = getenv("REFSCOPE_SYSTEM_DEBUG_DIR");
	return dir && *dir ? dir : "/usr/lib/debug";
}

/* libdwfl searches only absolute roots for .build-id files. */
static rs_error *debug_dirs_absolute(const struct rs_open_options *opts, char **abs)
{
	for (size_t i = 0; i < opts->n_debug_dirs; i++) {
		abs[i] = realpath(opts->debug_dirs[i], NULL);
		if (!abs[i])
			return rs_error_os(errno, "--debug-dir %s", opts->debug_dirs[i]);
	}
	return NULL;
}

static void debug_dirs_free(char **abs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(abs[i]);
	free(abs);
}

static rs_error *target_memory_open(rs_target *t, const struct rs_open_options *opts)
{
	if (opts->sysroot && !opts->core_path)
		return rs_error_new(RS_ERR_UNSUPPORTED, "--sysroot is for cores: a live process's files are read "
				    "through /proc/PID/root, the root it runs in");
	if (opts->sysroot && !(t->sysroot = realpath(opts->sysroot, NULL)))
		return rs_error_os(errno, "--sysroot %s", opts->sysroot);
	if (opts->core_path)
		return rs_core_memory_open(opts->core_path, opts->exe_path, t->sysroot, &t->diag, &t->mem);
	if (opts->read_memory)
		return rs_callback_memory_open(opts->read_memory, opts->read_memory_arg, opts->files, opts->n_files,
					       &t->diag, &t->mem);
	t->live = true;
	return rs_live_memory_open(opts->pid, !opts->no_freeze, &t->diag, &t->mem);
}

rs_error *rs_target_open(const struct rs_open_options *opts, rs_target **out)
{
	char **abs = calloc(opts->n_debug_dirs + 1, sizeof(*abs));
	if (!abs)
		return rs_error_nomem();
	rs_error *err = debug_dirs_absolute(opts, abs);
	if (err) {
		debug_dirs_free(abs, opts->n_debug_dirs);
		return err;
	}
	rs_target *t = calloc(1, sizeof(*t));
	if (!t) {
		debug_dirs_free(abs, opts->n_debug_dirs);
		return rs_error_nomem();
	}
	t->kind = opts->core_path ? "core" : opts->read_memory ? "debugger" : "live";
	err = target_memory_open(t, opts);
	if (!err)
		err = rs_modules_report(t->mem, (const char *const *)abs, opts->n_debug_dirs, system_debug_dir(),
					&t->mods);
	debug_dirs_free(abs, opts->n_debug_dirs);
	if (!err)
		err = rs_python_find(t->mem, t->mods, opts->layout, &t->py);
	if (err) {
		rs_target_close(t);
		return err;
	}
	*out = t;
	return NULL;
}

void rs_target_release(rs_target *t)
{
	if (t && t->live)
		rs_live_memory_release(t->mem);
}

void rs_target_close(rs_target *t)
{
	if (!t)
		return;
	rs_modules_free(t->mods);
	rs_memory_destroy(t->mem);
	rs_diag_free(&t->diag);
	free(t->sysroot);
	free(t);
}

static const char *const layout_source_names[] = {"any", "dwarf", "debug_offsets", "builtin"};

void rs_target_python(const rs_target *t, struct rs_python_info *out)
{
	const struct rs_python *py = &t->py;
	out->hexversion = py->hexversion;
	out->major = py->hexversion >> 24;
	out->minor = (py->hexversion >> 16) & 0xff;
	out->micro = (py->hexversion >> 8) & 0xff;
	out->release_level = (py->hexversion >> 4) & 0xf;
	out->serial = py->hexversion & 0xf;
	out->version_source = py->version_source;
	out->layout = py->layout.source;
	out->module_path = py->module_path;
	out->runtime_address = py->runtime;
	out->runtime_found_by = py->runtime_found_by;
	out->has_debuginfo = py->has_dwarf;
	out->live = t->live;
	out->target_kind = t->kind;
	out->gc_kind = py->layout.gc_kind == RS_GC_INCREMENTAL ? "incremental" : "generational";
	(void)layout_source_names;
}

size_t rs_target_diagnostic_count(const rs_target *t)
{
	return t->diag.count;
}

const char *rs_target_diagnostic(const rs_target *t, size_t i)
{
	return i < t->diag.count ? t->diag.lines[i] : NULL;
}

size_t rs_layout_field_count(void)
{
	return RS_LF_COUNT;
}

const char *rs_layout_field_name(size_t i)
{
	return i < RS_LF_COUNT ? rs_layout_field_names[i] : NULL;
}

enum rs_layout_source rs_target_layout_field_source(const rs_target *t, size_t i)
{
	return i < RS_LF_COUNT ? (enum rs_layout_source)t->py.layout.field_source[i] : RS_LAYOUT_ANY;
}

int64_t rs_target_layout_field(const rs_target *t, size_t i)
{
	return i < RS_LF_COUNT ? t->py.layout.field[i] : -1;
}
