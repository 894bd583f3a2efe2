/* Finding the interpreter, its version and its layout.
 *
 * Every module of the target is searched: the interpreter is not always the
 * main executable (embedding programs, an interpreter started through ld.so).
 * Ways to find _PyRuntime, in order: its symbol (in .dynsym even of stripped
 * builds), then the .PyRuntime section (3.12+). The version comes from
 * _Py_DebugOffsets (3.13+), Py_Version (3.11+), or, before 3.11, from the
 * file name for the minor version and sys.hexversion in the heap for the rest.
 * Nothing is guessed: an unknown version is an error. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout_cache.h"
#include "python.h"

static const char *const symbol_names[RS_SYM_COUNT] = {
#define RS_SYM_NAME(id, name) name,
	RS_PYTHON_SYMBOLS(RS_SYM_NAME)
#undef RS_SYM_NAME
};

/* The addresses of n (at most RS_SYM_COUNT) names in mod's symbol table,
 * 0 for those it lacks; how many it has. */
static size_t symbols_lookup(const struct rs_module *mod, const char *const *names, size_t n, uint64_t *address)
{
	struct rs_symbol_query queries[RS_SYM_COUNT];
	size_t found = 0;
	for (size_t i = 0; i < n; i++)
		queries[i] = (struct rs_symbol_query){.name = names[i]};
	rs_module_symbols_find(mod, queries, n);
	for (size_t i = 0; i < n; i++) {
		address[i] = queries[i].found ? queries[i].address : 0;
		found += queries[i].found;
	}
	return found;
}

static bool module_symbols(const struct rs_module *mod, uint64_t *symbols)
{
	symbols_lookup(mod, symbol_names, RS_SYM_COUNT, symbols);
	return symbols[RS_SYM_PyRuntime] != 0;
}

/* "python3.10", "libpython3.9.so.1.0", "libpython3.8d.so": the minor version. */
static unsigned minor_from_file_name(const char *path)
{
	const char *base = path ? strrchr(path, '/') : NULL;
	base = base ? base + 1 : path;
	const char *p = base ? strstr(base, "python3.") : NULL;
	if (!p)
		return 0;
	char *end;
	unsigned long minor = strtoul(p + strlen("python3."), &end, 10);
	return end != p + strlen("python3.") && minor < 100 ? (unsigned)minor : 0;
}

/* A module named for a Python older than 3.6 (python3.5, libpython3.5m.so,
 * python2.7): which, so the error can say so instead of "no interpreter". */
static bool old_python_named(const struct rs_modules *mods, unsigned *major, unsigned *minor)
{
	for (size_t i = 0; i < mods->count; i++) {
		const char *path = mods->list[i].name;
		const char *base = path ? strrchr(path, '/') : NULL;
		base = base ? base + 1 : path;
		if (!base)
			continue;
		unsigned m = minor_from_file_name(base);
		if ((strncmp(base, "python3.", 8) == 0 || strncmp(base, "libpython3.", 11) == 0) && m > 0 && m < 6) {
			*major = 3;
			*minor = m;
			return true;
		}
		if (strncmp(base, "python2.", 8) == 0 || strncmp(base, "libpython2.", 11) == 0) {
			*major = 2;
			*minor = (unsigned)strtoul(strstr(base, "python2.") + 8, NULL, 10);
			return true;
		}
	}
	return false;
}

/* 3.6 has no _PyRuntime: its interpreter list and its gc state are
 * statics of pystate.c and gcmodule.c, found in the symbol table (so a
 * build stripped of it cannot be read). */
enum { STATIC_INTERP_HEAD, STATIC_GENERATIONS, STATIC_ENABLED, STATIC_COLLECTING, STATIC_GARBAGE,
       STATIC_CALLBACKS, STATIC_COUNT };
static const char *const statics_36[STATIC_COUNT] = {"interp_head", "generations", "enabled", "collecting",
						     "garbage", "callbacks"};

static bool named_for_36(const char *name)
{
	return minor_from_file_name(name) == 6 && !strstr(name, "python2.");
}

static bool python36_statics(const struct rs_module *mod, uint64_t *address)
{
	return named_for_36(mod->name) && symbols_lookup(mod, statics_36, STATIC_COUNT, address) == STATIC_COUNT;
}

static rs_error *python_locate(struct rs_modules *mods, struct rs_python *py)
{
	for (size_t i = 0; i < mods->count; i++) {
		if (module_symbols(&mods->list[i], py->symbols)) {
			py->module = &mods->list[i];
			py->runtime = py->symbols[RS_SYM_PyRuntime];
			py->runtime_found_by = "symbol _PyRuntime";
			return NULL;
		}
	}
	for (size_t i = 0; i < mods->count; i++) {
		uint64_t addr, size;
		if (rs_module_section_find(&mods->list[i], ".PyRuntime", &addr, &size)) {
			module_symbols(&mods->list[i], py->symbols);
			py->module = &mods->list[i];
			py->runtime = addr;
			py->runtime_found_by = ".PyRuntime section";
			return NULL;
		}
	}
	for (size_t i = 0; i < mods->count; i++) {
		if (python36_statics(&mods->list[i], py->statics_36)) {
			module_symbols(&mods->list[i], py->symbols);
			py->module = &mods->list[i];
			py->runtime = py->statics_36[STATIC_INTERP_HEAD];
			py->runtime_found_by = "symbol interp_head (3.6)";
			return NULL;
		}
	}
	const char *named_36 = NULL; /* the libpython if there is one, else the executable */
	for (size_t i = 0; i < mods->count; i++)
		if (named_for_36(mods->list[i].name) && (!named_36 || strstr(mods->list[i].name, "libpython")))
			named_36 = mods->list[i].name;
	if (named_36)
		return rs_error_new(RS_ERR_NOT_FOUND,
				    "%s is Python 3.6, which refscope reads through its symbol table "
				    "(interp_head, generations): this build has none; give its debug file "
				    "(--debug-dir)", named_36);
	unsigned major, minor;
	if (old_python_named(mods, &major, &minor))
		return rs_error_new(RS_ERR_UNSUPPORTED, "Python %u.%u is not supported (refscope reads 3.6 to 3.15)",
				    major, minor);
	return rs_error_new(RS_ERR_NOT_FOUND,
			    "no Python interpreter found: none of the %zu modules defines _PyRuntime "
			    "or has a .PyRuntime section", mods->count);
}

static rs_error *version_before_311(struct rs_memory *mem, struct rs_python *py)
{
	unsigned minor = minor_from_file_name(py->module_path ? py->module_path : py->module->name);
	if (minor == 0)
		return rs_error_new(RS_ERR_UNSUPPORTED,
				    "cannot tell the Python version of %s: no Py_Version symbol, no "
				    "_Py_DebugOffsets, and the file name names no version",
				    py->module->name);
	if (minor >= 11)
		return rs_error_new(RS_ERR_CORRUPT,
				    "%s is named for Python 3.%u but has no Py_Version symbol",
				    py->module->name, minor);
	struct rs_layout probe;
	if (!rs_layout_builtin(0x03000000u | (minor << 16), &probe))
		return rs_error_new(RS_ERR_UNSUPPORTED,
				    "Python 3.%u is not supported (refscope reads 3.6 to 3.15)", minor);
	uint32_t hex;
	RS_OFF(&probe, object_refcnt) = py->trace_refs ? 16 : 0;
	rs_error *err = rs_sys_hexversion(mem, &probe, py->runtime, &hex);
	if (err)
		return rs_error_prefix(err, "cannot read sys.hexversion of Python 3.%u", minor);
	if ((hex >> 16) != (0x0300u | minor))
		return rs_error_new(RS_ERR_CORRUPT, "sys.hexversion 0x%08x disagrees with the file name (3.%u)",
				    hex, minor);
	py->hexversion = hex;
	py->version_source = "sys.hexversion";
	return NULL;
}

static rs_error *python_version(struct rs_memory *mem, struct rs_python *py)
{
	bool free_threaded;
	uint64_t debug_version = rs_debug_offsets_version(mem, py->runtime, &free_threaded);
	if (debug_version && free_threaded)
		return rs_error_new(RS_ERR_UNSUPPORTED,
				    "free-threaded builds are not supported yet: this is Python %" PRIu64 ".%" PRIu64
				    "t, built with Py_GIL_DISABLED (docs/free-threading.md says what reading it needs)",
				    debug_version >> 24, (debug_version >> 16) & 0xff);
	uint32_t py_version = 0;
	if (py->symbols[RS_SYM_Py_Version]) {
		rs_error *err = rs_mem_read_u32(mem, py->symbols[RS_SYM_Py_Version], &py_version);
		if (err)
			return rs_error_prefix(err, "cannot read Py_Version");
	}
	if (debug_version && py_version && debug_version != py_version)
		return rs_error_new(RS_ERR_CORRUPT,
				    "_Py_DebugOffsets says version 0x%" PRIx64 " but Py_Version says 0x%x",
				    debug_version, py_version);
	if (debug_version) {
		py->hexversion = (uint32_t)debug_version;
		py->version_source = "_Py_DebugOffsets";
		return NULL;
	}
	if (py_version) {
		py->hexversion = py_version;
		py->version_source = "Py_Version";
		return NULL;
	}
	return version_before_311(mem, py);
}

/* Takes every offset the DWARF has; the built-in table fills the rest. */
static void layout_merge_dwarf(struct rs_layout *layout, const int64_t from_dwarf[RS_LF_COUNT])
{
	for (size_t i = 0; i < RS_LF_COUNT; i++) {
		if (from_dwarf[i] >= 0 || layout->field[i] < 0) {
			layout->field[i] = from_dwarf[i];
			layout->field_source[i] = RS_LAYOUT_DWARF;
		}
	}
	if (from_dwarf[RS_LF_gc_old] >= 0)
		layout->gc_kind = RS_GC_INCREMENTAL;
	layout->gc_generations_alt = -1; /* DWARF knows where the heads are */
	layout->source = RS_LAYOUT_DWARF;
}

/* The offsets the module's DWARF gives, from the layout cache when a debug
 * file of the module's build is there (so a cached answer never stands in
 * for debug info that is gone); false when there is no DWARF. with_values:
 * false when only whether there is DWARF matters. */
static bool layout_dwarf_fields(const struct rs_python *py, bool with_values, int64_t field[RS_LF_COUNT])
{
	const unsigned char *id;
	size_t len = rs_module_build_id(py->module, &id);
	bool cacheable = len && rs_module_debug_file_present(py->module);
	if (cacheable && rs_layout_cache_load(id, len, field))
		return true;
	Dwarf *dwarf = rs_module_dwarf(py->module);
	if (!dwarf)
		return false;
	if (!with_values)
		return true;
	struct rs_layout from_dwarf = py->layout;
	rs_layout_from_dwarf(dwarf, &from_dwarf);
	memcpy(field, from_dwarf.field, sizeof(from_dwarf.field));
	if (cacheable)
		rs_layout_cache_store(id, len, field);
	return true;
}

/* 3.6: the gc statics, as offsets from generations[] (the gc state's base)
 * and from interp_head (the "runtime"). */
static void layout_statics_36(struct rs_python *py)
{
	struct rs_layout *l = &py->layout;
	const uint64_t *at = py->statics_36, gen = at[STATIC_GENERATIONS];
	const enum rs_layout_field fields[] = {RS_LF_runtime_interpreters_head, RS_LF_runtime_gc,
					       RS_LF_gc_generations, RS_LF_gc_enabled, RS_LF_gc_collecting,
					       RS_LF_gc_garbage, RS_LF_gc_callbacks};
	const int64_t values[] = {0, (int64_t)(gen - at[STATIC_INTERP_HEAD]), 0, (int64_t)(at[STATIC_ENABLED] - gen),
				  (int64_t)(at[STATIC_COLLECTING] - gen), (int64_t)(at[STATIC_GARBAGE] - gen),
				  (int64_t)(at[STATIC_CALLBACKS] - gen)};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		l->field[fields[i]] = values[i];
		l->field_source[fields[i]] = RS_LAYOUT_SYMBOLS;
	}
}

static rs_error *python_layout(struct rs_memory *mem, struct rs_python *py, enum rs_layout_source forced)
{
	unsigned major = py->hexversion >> 24, minor = (py->hexversion >> 16) & 0xff;
	if (!rs_layout_builtin(py->hexversion, &py->layout))
		return rs_error_new(RS_ERR_UNSUPPORTED,
				    "Python %u.%u is not supported (refscope reads 3.6 to 3.15)", major,
				    minor);
	int64_t from_dwarf[RS_LF_COUNT];
	bool want_dwarf = forced == RS_LAYOUT_ANY || forced == RS_LAYOUT_DWARF;
	py->has_dwarf = layout_dwarf_fields(py, want_dwarf, from_dwarf);
	if (forced == RS_LAYOUT_BUILTIN)
		return NULL;
	if (py->has_dwarf && want_dwarf) {
		layout_merge_dwarf(&py->layout, from_dwarf);
		return NULL;
	}
	if (forced == RS_LAYOUT_DWARF)
		return rs_error_new(RS_ERR_NOT_FOUND, "no DWARF debug info found for %s", py->module->name);
	if (minor >= 13 && rs_debug_offsets_apply(mem, py->runtime, &py->layout))
		return NULL;
	if (forced == RS_LAYOUT_DEBUG_OFFSETS)
		return rs_error_new(RS_ERR_NOT_FOUND, "no valid _Py_DebugOffsets in %s (Python %u.%u)",
				    py->module->name, major, minor);
	return NULL;
}

/* Py_TRACE_REFS (--with-trace-refs; before 3.8, every --with-pydebug build)
 * puts two words, _ob_next and _ob_prev, before ob_refcnt up to 3.12: every
 * object field moves 16 bytes. It shows in PyType_Type, whose type is
 * itself: at offset 8 in every other build, at 24 in these. (3.13+ keeps its
 * table of all objects aside and the header as it is.) */
static bool trace_refs_header(struct rs_memory *mem, const struct rs_python *py)
{
	uint64_t type = py->symbols[RS_SYM_PyType_Type], words[4];
	if (!type)
		return false;
	rs_error *err = rs_mem_read(mem, type, words, sizeof(words));
	rs_error_free(err);
	return !err && words[1] != type && words[3] == type;
}

/* Such a build is read through its DWARF, whose offsets count from the
 * object's start; refscope's own tables count from ob_refcnt and are moved
 * by the header (RS_HEAD). The built-in tables of the runtime's structures
 * hold for release builds only: without DWARF it is refused. */
static rs_error *trace_refs_check(const struct rs_python *py)
{
	int64_t head = RS_OFF(&py->layout, object_refcnt);
	if (!py->trace_refs && head <= 0)
		return NULL;
	if (py->trace_refs && head == 16 && py->layout.source == RS_LAYOUT_DWARF)
		return NULL;
	if (head > 0 && head != 16)
		return rs_error_new(RS_ERR_UNSUPPORTED, "%s: its DWARF puts ob_refcnt at offset %" PRId64
				    ", where no Python build refscope knows has it", py->module_path, head);
	return rs_error_new(RS_ERR_UNSUPPORTED,
			    "%s is Python 3.%u built with Py_TRACE_REFS (--with-trace-refs): refscope reads such a "
			    "build through its DWARF, and has none for it (--debug-dir)", py->module_path,
			    py->layout.minor);
}

rs_error *rs_python_find(struct rs_memory *mem, struct rs_modules *mods, enum rs_layout_source forced,
			 struct rs_python *out)
{
	memset(out, 0, sizeof(*out));
	out->mods = mods;
	rs_error *err = python_locate(mods, out);
	if (err)
		return err;
	out->module_path = rs_module_file_path(out->module);
	if (!out->module_path)
		out->module_path = out->module->name;
	out->trace_refs = trace_refs_header(mem, out);
	err = python_version(mem, out);
	if (!err)
		err = python_layout(mem, out, forced);
	if (!err)
		err = trace_refs_check(out);
	if (!err && out->layout.minor == 6)
		layout_statics_36(out);
	if (!err)
		rs_gc_heads_probe(mem, out->runtime, &out->layout, mem->diag);
	return err;
}
