#include "modules.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../target/elf_build_id.h"
#include "../util/diag.h"

/* root: the target's own root, whose system debug directory comes before
 * this machine's, or NULL. */
static char *debuginfo_path_build(const char *const *dirs, size_t n, const char *root, const char *system_dir)
{
	/* "-" skips CRC checks of .gnu_debuglink files (build-ids are checked);
	 * ".debug" and "" find debuglink files beside the binary; absolute entries
	 * are also searched for .build-id/xx/yyyy.debug. */
	size_t len = strlen("-:.debug::") + strlen(system_dir) + 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(dirs[i]) + 1;
	if (root)
		len += strlen(root) + strlen("/usr/lib/debug:");
	char *path = malloc(len);
	if (!path)
		return NULL;
	strcpy(path, "-:.debug:");
	for (size_t i = 0; i < n; i++) {
		strcat(path, dirs[i]);
		strcat(path, ":");
	}
	if (root) {
		strcat(path, root);
		strcat(path, "/usr/lib/debug:");
	}
	strcat(path, system_dir);
	return path;
}

/* The module's file under the target's root, when it is there and is not
 * the very file of the same path here (a container's, another machine's);
 * NULL otherwise. */
static char *path_in_root(const struct rs_modules *mods, const char *modname)
{
	if (!mods || !mods->root || !modname || modname[0] != '/')
		return NULL;
	char *path = NULL;
	struct stat in_root, here;
	if (asprintf(&path, "%s%s", mods->root, modname) < 0)
		return NULL;
	if (stat(path, &in_root) != 0 ||
	    (stat(modname, &here) == 0 && here.st_dev == in_root.st_dev && here.st_ino == in_root.st_ino)) {
		free(path);
		return NULL;
	}
	return path;
}

/* A live process's file deleted since it was mapped (a package upgraded
 * under a running service: "/usr/bin/python3.11 (deleted)" in its maps):
 * the kernel still holds it, and /proc/PID/map_files has a link to it. */
static char *path_in_map_files(const struct rs_modules *mods, const char *modname)
{
	static const char deleted[] = " (deleted)";
	size_t len = modname ? strlen(modname) : 0;
	if (!mods || mods->pid <= 0 || len <= sizeof(deleted) - 1 ||
	    strcmp(modname + len - (sizeof(deleted) - 1), deleted) != 0)
		return NULL;
	char dir[64], target[4096];
	snprintf(dir, sizeof(dir), "/proc/%d/map_files", (int)mods->pid);
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	char *found = NULL;
	for (struct dirent *e; !found && (e = readdir(d));) {
		char *link = NULL;
		if (e->d_name[0] == '.' || asprintf(&link, "%s/%s", dir, e->d_name) < 0)
			continue;
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		if (n > 0 && (size_t)n == len && memcmp(target, modname, len) == 0)
			found = link;
		else
			free(link);
	}
	closedir(d);
	return found;
}

typedef int find_elf_fn(Dwfl_Module *, void **, const char *, Dwarf_Addr, char **, Elf **);

/* find_elf: a module's file under the target's root first, else where
 * libdwfl looks (which checks build-ids against the core's). userdata is
 * the rs_modules, set when the modules are listed. */
static int find_elf_rooted(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			   char **file_name, Elf **elfp, find_elf_fn *fallback)
{
	char *path = path_in_root(*userdata, modname);
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd >= 0) {
		*file_name = path;
		return fd;
	}
	free(path);
	return fallback(mod, userdata, modname, base, file_name, elfp);
}

static int find_elf_core(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			 char **file_name, Elf **elfp)
{
	return find_elf_rooted(mod, userdata, modname, base, file_name, elfp, dwfl_build_id_find_elf);
}

static int find_elf_live(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			 char **file_name, Elf **elfp)
{
	char *path = path_in_map_files(*userdata, modname);
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd >= 0) {
		*file_name = path;
		return fd;
	}
	free(path);
	return find_elf_rooted(mod, userdata, modname, base, file_name, elfp, dwfl_linux_proc_find_elf);
}

static void hex_format(const unsigned char *id, size_t len, char *out, size_t size)
{
	out[0] = '\0';
	for (size_t i = 0; i < len && 2 * i + 2 < size; i++)
		snprintf(out + 2 * i, 3, "%02x", id[i]);
}

/* A core's module whose file, where it would be read, is another build:
 * libdwfl leaves it out, and the user is told which file and why. A module
 * libdwfl has a file for already (checked by build-id: --exe's, or the
 * file of the core's path when it is the right build) is left alone. */
static void module_build_check(const struct rs_modules *mods, const struct rs_module *m, struct rs_diag *diag)
{
	const unsigned char *want;
	GElf_Addr vaddr;
	const char *mainfile = NULL;
	int want_len = dwfl_module_build_id(m->dwfl_module, &want, &vaddr);
	dwfl_module_info(m->dwfl_module, NULL, NULL, NULL, NULL, NULL, &mainfile, NULL);
	if (want_len <= 0 || mainfile || !m->name || m->name[0] != '/')
		return;
	char *in_root = path_in_root(mods, m->name);
	const char *path = in_root ? in_root : m->name;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ_MMAP, NULL) : NULL;
	const unsigned char *have = NULL;
	size_t have_len = elf ? elf_build_id(elf, &have) : 0;
	if (elf && (have_len != (size_t)want_len || memcmp(have, want, have_len) != 0)) {
		char have_hex[129], want_hex[129];
		hex_format(have, have_len, have_hex, sizeof(have_hex));
		hex_format(want, (size_t)want_len, want_hex, sizeof(want_hex));
		rs_diag_add(diag, "%s: another build than the one the core names (build-id %s, the core's %s): "
			    "not used%s", path, have_len ? have_hex : "none", want_hex,
			    mods->root ? "" : "; give the root the process ran in with --sysroot");
	}
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	free(in_root);
}

static int module_collect(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start,
			  void *arg)
{
	(void)userdata;
	struct rs_modules *mods = arg;
	struct rs_module *grown = realloc(mods->list, (mods->count + 1) * sizeof(*grown));
	if (!grown)
		return DWARF_CB_ABORT;
	mods->list = grown;
	Dwarf_Addr end;
	dwfl_module_info(mod, NULL, NULL, &end, NULL, NULL, NULL, NULL);
	mods->list[mods->count++] = (struct rs_module){.dwfl_module = mod, .name = name, .start = start, .end = end};
	*userdata = mods; /* find_elf's */
	return DWARF_CB_OK;
}

static rs_error *modules_report_core(struct rs_modules *mods, struct rs_memory *mem)
{
	int n = dwfl_core_file_report(mods->dwfl, mem->core_elf, mem->exe_path);
	if (n < 0)
		return rs_error_new(RS_ERR_FORMAT, "cannot list the modules of the core: %s",
				    dwfl_errmsg(-1));
	return NULL;
}

static rs_error *modules_report_live(struct rs_modules *mods, struct rs_memory *mem)
{
	int rc = dwfl_linux_proc_report(mods->dwfl, mem->pid);
	/* Its /proc/PID/maps is gone: killed while frozen (SIGKILL is not held back). */
	if (rc == ESRCH || rc == ENOENT)
		return rs_error_new(RS_ERR_NOT_FOUND, "process %d exited while being read", (int)mem->pid);
	if (rc != 0)
		return rc > 0 ? rs_error_os(rc, "cannot list the modules of process %d", (int)mem->pid)
			      : rs_error_new(RS_ERR_OS, "cannot list the modules of process %d: %s",
					     (int)mem->pid, dwfl_errmsg(-1));
	return NULL;
}

/* Files the caller named, each at its load bias. */
static rs_error *modules_report_files(struct rs_modules *mods, struct rs_memory *mem)
{
	for (size_t i = 0; i < mem->n_files; i++) {
		const struct rs_loaded_file *f = &mem->files[i];
		if (!dwfl_report_elf(mods->dwfl, f->path, f->path, -1, f->bias, false))
			return rs_error_new(RS_ERR_FORMAT, "%s: cannot report it: %s", f->path, dwfl_errmsg(-1));
	}
	return NULL;
}

rs_error *rs_modules_report(struct rs_memory *mem, const char *const *debug_dirs, size_t n_debug_dirs,
			    const char *system_debug_dir, struct rs_modules **out)
{
	struct rs_modules *mods = calloc(1, sizeof(*mods));
	if (!mods)
		return rs_error_nomem();
	mods->root = mem->root;
	mods->pid = mem->core_elf ? 0 : mem->pid;
	mods->debuginfo_path = debuginfo_path_build(debug_dirs, n_debug_dirs, mem->root, system_debug_dir);
	/* Each session's own: dwfl keeps the pointer, and the debuginfo path is
	 * this session's (two targets may be open at once, diff's). */
	mods->callbacks.find_elf = mem->core_elf || mem->files ? find_elf_core : find_elf_live;
	mods->callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
	mods->callbacks.debuginfo_path = &mods->debuginfo_path;
	mods->dwfl = mods->debuginfo_path ? dwfl_begin(&mods->callbacks) : NULL;
	if (!mods->dwfl) {
		rs_modules_free(mods);
		return rs_error_nomem();
	}
	dwfl_report_begin(mods->dwfl);
	rs_error *err = mem->core_elf ? modules_report_core(mods, mem)
			: mem->files ? modules_report_files(mods, mem)
				     : modules_report_live(mods, mem);
	if (!err && dwfl_report_end(mods->dwfl, NULL, NULL) != 0)
		err = rs_error_new(RS_ERR_FORMAT, "cannot list modules: %s", dwfl_errmsg(-1));
	if (!err && dwfl_getmodules(mods->dwfl, module_collect, mods, 0) != 0)
		err = rs_error_nomem();
	for (size_t i = 0; !err && mem->core_elf && i < mods->count; i++)
		module_build_check(mods, &mods->list[i], mem->diag);
	if (!err && mods->pid > 0 && mods->count == 0 && !rs_live_memory_kernel_thread(mem))
		err = rs_error_new(RS_ERR_NOT_FOUND, "process %d exited while being read", (int)mem->pid);
	if (err) {
		rs_modules_free(mods);
		return err;
	}
	*out = mods;
	return NULL;
}

void rs_modules_free(struct rs_modules *mods)
{
	if (!mods)
		return;
	if (mods->dwfl)
		dwfl_end(mods->dwfl);
	free(mods->debuginfo_path);
	for (size_t i = 0; i < mods->count; i++)
		rs_symbol_table_free(&mods->list[i].symbols);
	free(mods->list);
	free(mods);
}

/* LTO renames local symbols ("subtype_traverse.lto_priv.0"); other
 * suffixes (".cold", ".part.0", ".isra.0") name pieces of a function, not
 * its entry point. */
static bool symbol_name_matches(const char *symbol, const char *wanted)
{
	size_t n = strlen(wanted), suffix = strlen(".lto_priv.");
	if (strncmp(symbol, wanted, n) != 0)
		return false;
	if (symbol[n] == '\0')
		return true;
	if (strncmp(symbol + n, ".lto_priv.", suffix) != 0 || !symbol[n + suffix])
		return false;
	return strspn(symbol + n + suffix, "0123456789") == strlen(symbol + n + suffix);
}

void rs_module_symbols_find(const struct rs_module *mod, struct rs_symbol_query *queries, size_t n)
{
	int count = dwfl_module_getsymtab(mod->dwfl_module);
	for (int i = 1; i < count; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		const char *name = dwfl_module_getsym_info(mod->dwfl_module, i, &sym, &addr, NULL, NULL,
							   NULL);
		if (!name || sym.st_shndx == SHN_UNDEF)
			continue;
		for (size_t q = 0; q < n; q++) {
			if (!queries[q].found && symbol_name_matches(name, queries[q].name)) {
				queries[q].found = true;
				queries[q].address = addr;
				queries[q].size = sym.st_size;
			}
		}
	}
}

bool rs_module_section_find(const struct rs_module *mod, const char *name, uint64_t *address,
			    uint64_t *size)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(mod->dwfl_module, &bias);
	size_t shstrndx;
	if (!elf || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return false;
	for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr))
			continue;
		const char *sname = elf_strptr(elf, shstrndx, shdr.sh_name);
		if (sname && strcmp(sname, name) == 0 && shdr.sh_addr) {
			*address = shdr.sh_addr + bias;
			*size = shdr.sh_size;
			return true;
		}
	}
	return false;
}

const char *rs_module_file_path(const struct rs_module *mod)
{
	const char *mainfile = NULL;
	GElf_Addr bias;
	dwfl_module_getelf(mod->dwfl_module, &bias);
	dwfl_module_info(mod->dwfl_module, NULL, NULL, NULL, NULL, NULL, &mainfile, NULL);
	return mainfile;
}

size_t rs_module_build_id(const struct rs_module *mod, const unsigned char **id)
{
	GElf_Addr vaddr;
	int len = dwfl_module_build_id(mod->dwfl_module, id, &vaddr);
	return len > 0 ? (size_t)len : 0;
}

bool rs_module_debug_file_present(const struct rs_module *mod)
{
	/* libdwfl looked for it with the symbol table, and keeps what it found:
	 * asking it again would replace (and leak) the handle it holds. */
	const char *mainfile = NULL, *debugfile = NULL;
	dwfl_module_info(mod->dwfl_module, NULL, NULL, NULL, NULL, NULL, &mainfile, &debugfile);
	return debugfile && (!mainfile || strcmp(debugfile, mainfile) != 0);
}

Dwarf *rs_module_dwarf(const struct rs_module *mod)
{
	Dwarf_Addr bias;
	return dwfl_module_getdwarf(mod->dwfl_module, &bias);
}

void rs_module_writable_ranges(const struct rs_module *mod, void (*fn)(void *arg, uint64_t start, uint64_t end),
			       void *arg)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(mod->dwfl_module, &bias);
	size_t phnum;
	if (!elf || elf_getphdrnum(elf, &phnum) != 0)
		return;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_W) && ph.p_memsz)
			fn(arg, ph.p_vaddr + bias, ph.p_vaddr + bias + ph.p_memsz);
	}
}

bool rs_module_symbolize(struct rs_module *mod, uint64_t address, char *buf, size_t size)
{
	if (!mod->symbols_built)
		mod->symbols_built = rs_symbol_table_build(mod->dwfl_module, &mod->symbols);
	const char *name = NULL;
	uint64_t offset = 0;
	enum rs_symbol_answer answer = mod->symbols_built ? rs_symbol_table_lookup(&mod->symbols, address, &name, &offset)
							  : RS_SYMBOL_UNSIZED;
	if (answer == RS_SYMBOL_NONE)
		return false;
	if (answer == RS_SYMBOL_UNSIZED) {
		GElf_Off off;
		GElf_Sym sym;
		name = dwfl_module_addrinfo(mod->dwfl_module, address, &off, &sym, NULL, NULL, NULL);
		if (!name)
			return false;
		offset = off;
	}
	if (offset)
		snprintf(buf, size, "%s+0x%" PRIx64, name, offset);
	else
		snprintf(buf, size, "%s", name);
	return true;
}
