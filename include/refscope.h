/* refscope: read a CPython heap out of an ELF core dump or a live process.
 *
 * Every function that can fail returns an rs_error (owned by the caller, free it
 * with rs_error_free) or NULL on success. Results come back through out-pointers.
 * Non-fatal problems found while reading (a broken gc list, an unreadable type
 * name) are collected as diagnostics on the target, never printed. */
#ifndef REFSCOPE_H
#define REFSCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ---------------------------------------------------------- */

enum rs_error_kind {
	RS_ERR_NOMEM,       /* out of memory */
	RS_ERR_OS,          /* a system call failed: errno and path are set */
	RS_ERR_FAULT,       /* target memory not readable: address is set */
	RS_ERR_FORMAT,      /* the input is not what it should be (bad ELF, not a core) */
	RS_ERR_UNSUPPORTED, /* a Python build or version refscope cannot read */
	RS_ERR_NOT_FOUND,   /* no Python interpreter, no object at an address */
	RS_ERR_CORRUPT,     /* the target's data structures are inconsistent */
	RS_ERR_INTERRUPTED, /* stopped by a signal */
	RS_ERR_USAGE,       /* the caller passed something meaningless */
};

typedef struct rs_error rs_error;

enum rs_error_kind rs_error_kind(const rs_error *err);
const char *rs_error_message(const rs_error *err);
uint64_t rs_error_address(const rs_error *err); /* RS_ERR_FAULT, else 0 */
int rs_error_errno(const rs_error *err);         /* RS_ERR_OS, else 0 */
void rs_error_free(rs_error *err);

/* ---- interrupting ----------------------------------------------------- */

/* Asks a running walk or graph build to stop soon with RS_ERR_INTERRUPTED;
 * safe from a signal handler or another thread. rs_interrupt_clear resets. */
void rs_interrupt(void);
void rs_interrupt_clear(void);
bool rs_interrupt_requested(void);

/* ---- opening a target ------------------------------------------------ */

enum rs_layout_source {
	RS_LAYOUT_ANY = 0,       /* best available: DWARF, debug offsets, built-in */
	RS_LAYOUT_DWARF,
	RS_LAYOUT_DEBUG_OFFSETS,
	RS_LAYOUT_BUILTIN,
	RS_LAYOUT_SYMBOLS,       /* a field's source only: 3.6's gc statics, from the symbol table */
};

struct rs_loaded_file {
	const char *path;   /* the ELF file as it is on this machine */
	uint64_t bias;      /* load address minus the file's addresses */
};

struct rs_open_options {
	const char *core_path;          /* an ELF core file, or NULL */
	pid_t pid;                      /* a live process when core_path is NULL */
	const char *exe_path;           /* --exe: the executable, when the recorded one is wrong */
	const char *sysroot;            /* --sysroot: a core's files (and debug files) are searched under it first */
	const char *const *debug_dirs;  /* --debug-dir roots holding .build-id/xx/yyyy.debug */
	size_t n_debug_dirs;
	enum rs_layout_source layout;   /* force one layout source (tests, experts) */
	bool no_freeze;                 /* a live process already stopped by a debugger: read it as it is */
	/* A target only a debugger can read (a gdbserver remote, say), when
	 * core_path is NULL and pid is 0: memory through read_memory, which
	 * returns how many bytes it could read from the start (0: none), and
	 * the loaded files with their load bias. */
	long (*read_memory)(void *arg, uint64_t address, void *buf, size_t len);
	void *read_memory_arg;
	const struct rs_loaded_file *files;
	size_t n_files;
};

typedef struct rs_target rs_target;

/* Opens the target, finds the Python interpreter in any of its modules and
 * chooses the object layout. A live process is frozen (every thread stopped)
 * until rs_target_close, which always lets it run on. */
rs_error *rs_target_open(const struct rs_open_options *opts, rs_target **out);

/* The newest core systemd-coredump kept of the process with pid MATCH (all
 * digits) or whose name contains MATCH, in /var/lib/systemd/coredump (or
 * $REFSCOPE_COREDUMP_DIR): its path, and a line saying which it is. The
 * caller frees both. */
rs_error *rs_coredump_find(const char *match, char **path, char **description);
void rs_target_close(rs_target *target);

/* Lets every thread of a live target run again now (the snapshot, if taken,
 * stays readable). Harmless on cores and when called twice. */
void rs_target_release(rs_target *target);

struct rs_python_info {
	unsigned major, minor, micro;
	unsigned release_level;    /* 0xA alpha, 0xB beta, 0xC candidate, 0xF final */
	unsigned serial;
	uint32_t hexversion;
	const char *version_source; /* "Py_Version", "_Py_DebugOffsets", "sys.hexversion" */
	enum rs_layout_source layout;
	const char *module_path;   /* the module holding the interpreter */
	uint64_t runtime_address;  /* &_PyRuntime */
	const char *runtime_found_by; /* "symbol _PyRuntime", ".PyRuntime section", ... */
	bool has_debuginfo;
	bool live;                 /* a live process rather than a core */
	const char *target_kind;   /* "core", "live" or "debugger" */
	const char *gc_kind;       /* "generational" or "incremental" */
};

void rs_target_python(const rs_target *target, struct rs_python_info *out);

/* Diagnostics gathered so far: warnings that did not stop the work. */
size_t rs_target_diagnostic_count(const rs_target *target);
const char *rs_target_diagnostic(const rs_target *target, size_t i);

/* Every named offset of the chosen layout, for inspection and for tests
 * that compare the sources against each other. */
size_t rs_layout_field_count(void);
const char *rs_layout_field_name(size_t i);
int64_t rs_target_layout_field(const rs_target *target, size_t i); /* -1: absent */
enum rs_layout_source rs_target_layout_field_source(const rs_target *target, size_t i);

/* ---- the heap -------------------------------------------------------- */

#define RS_MAX_GENERATIONS 4 /* the regular lists; the permanent one apart */

struct rs_generation {
	const char *name;   /* "0", "1", "2"; 3.14.0-4: "young", "old0", "old1" */
	int threshold;
	int count;          /* the collector's own counter */
	uint64_t objects;   /* objects found on the list */
	uint64_t bytes;     /* their shallow sizes */
	bool broken;        /* the walk stopped at a bad link (see diagnostics) */
};

struct rs_thread {
	uint64_t address;        /* PyThreadState* */
	uint64_t thread_id;      /* pthread_t */
	int64_t native_thread_id; /* the OS thread id, -1 before 3.11 */
};

struct rs_interpreter {
	int64_t id;
	uint64_t address;        /* PyInterpreterState* */
	size_t n_threads;
	const struct rs_thread *threads;
	bool enabled, collecting;
	size_t n_generations;
	struct rs_generation generations[RS_MAX_GENERATIONS];
	struct rs_generation permanent;
	uint64_t garbage_list;   /* gc.garbage (uncollectable objects found before), or 0 */
};

enum rs_refcnt_flags {
	RS_IMMORTAL = 1,
	RS_SIZE_UNKNOWN = 2, /* size could not be read (a warning says why); size is 0 */
	RS_REFCNT_CLAMPED = 4, /* ob_refcnt was past what refcnt holds (a corrupt count); refcnt is clamped */
};

/* One object of the snapshot: 24 bytes, in one array for the whole heap
 * (tens of millions of them). Fields are read as usual; bit-fields cannot
 * have their address taken. */
struct rs_object {
	uint64_t address : 48;  /* id() of the object (user-space addresses have 47 bits) */
	uint64_t interp : 16;   /* index of its interpreter */
	int64_t refcnt : 48;    /* ob_refcnt, within +-2^47 (else RS_REFCNT_CLAMPED) */
	uint64_t generation : 8; /* index into the interpreter's generations; 0xff permanent */
	uint64_t flags : 8;     /* enum rs_refcnt_flags, or'ed */
	uint32_t type;          /* index into the snapshot's types */
	uint32_t size;          /* sys.getsizeof, saturated at UINT32_MAX (with a warning); 0 if RS_SIZE_UNKNOWN */
};

#define RS_GENERATION_PERMANENT 0xff
#define RS_GENERATION_UNTRACKED 0xfe /* reached by references, not on a gc list */

struct rs_type {
	uint64_t address;
	const char *name;    /* tp_name as stored, or "<unreadable type at 0x..>" */
	uint64_t flags;      /* tp_flags */
};

typedef struct rs_heap rs_heap;

/* Walks every interpreter's gc lists. Progress, when progress is not NULL, is
 * called now and then with the objects seen so far. */
rs_error *rs_heap_walk(rs_target *target, void (*progress)(uint64_t seen, void *arg),
		       void *arg, rs_heap **out);
void rs_heap_free(rs_heap *heap);

size_t rs_heap_interpreter_count(const rs_heap *heap);
const struct rs_interpreter *rs_heap_interpreter(const rs_heap *heap, size_t i);
size_t rs_heap_object_count(const rs_heap *heap);
const struct rs_object *rs_heap_objects(const rs_heap *heap);
size_t rs_heap_type_count(const rs_heap *heap);
const struct rs_type *rs_heap_type(const rs_heap *heap, uint32_t i);

/* Py_TRACE_REFS builds up to 3.12 keep every live object on a list, the
 * refchain (3.12: one per interpreter). Its objects' addresses, in list
 * order (malloc'ed, for the caller to free); *present is false, and
 * nothing is read, for a build without one. A broken list gives a warning
 * naming where it broke, and the objects before that. */
rs_error *rs_heap_refchain(rs_target *target, const rs_heap *heap, bool *present, uint64_t **addresses,
			   size_t *count);

/* ---- the reference graph ------------------------------------------- */

#define RS_NO_OBJECT UINT32_MAX

/* How the references of a type's instances are found (after the graph is built). */
enum rs_type_traversal {
	RS_TRAVERSAL_NONE,         /* not a gc type: its instances hold no references tp_traverse visits */
	RS_TRAVERSAL_EXACT,        /* its tp_traverse is emulated */
	RS_TRAVERSAL_CONSERVATIVE, /* a C type refscope cannot decode: its body is scanned */
};
enum rs_type_traversal rs_heap_type_traversal(rs_heap *heap, uint32_t type);

/* Builds the graph once: every gc-tracked object's references as its
 * tp_traverse visits them, and the untracked objects they reach, appended
 * to the heap's objects (generation RS_GENERATION_UNTRACKED). */
rs_error *rs_heap_graph_build(rs_target *target, rs_heap *heap);

/* The index of the object at address, or RS_NO_OBJECT. An address the
 * graph did not reach is checked and adopted when it holds an object. */
uint32_t rs_heap_find(rs_target *target, rs_heap *heap, uint64_t address);

/* How many objects the graph reached (gc-tracked ones and what they refer
 * to); objects after them were adopted by rs_heap_find on request. */
size_t rs_heap_reached_count(const rs_heap *heap);

/* The referents of object i as object indices. */
const uint32_t *rs_heap_referents(const rs_heap *heap, uint32_t i, size_t *count);

/* The references of object i in traversal order, each with its label
 * ("[3]", "['users']", ".session") and whether it was found conservatively. */
typedef void (*rs_reference_fn)(void *arg, uint64_t referent, const char *via, bool conservative);
rs_error *rs_heap_references(rs_target *target, rs_heap *heap, uint32_t i, rs_reference_fn fn, void *arg);

/* The strong references of object i that tp_traverse does not report (code
 * objects' fields, heap types' names and subclasses), as object indices. */
typedef void (*rs_index_fn)(void *arg, uint32_t referent);
void rs_heap_hidden_references(rs_target *target, rs_heap *heap, uint32_t i, rs_index_fn fn, void *arg);

/* The module.qualname of a class defined in Python ("app.models.User"),
 * read from its heap type and its __module__; false for other types. */
bool rs_heap_type_qualified_name(rs_target *target, rs_heap *heap, uint32_t type, char *buf, size_t size);

/* A bounded repr-like text of object i: values of atomic objects, first
 * items of containers, attributes of instances, names and places of code. */
void rs_heap_repr(rs_target *target, rs_heap *heap, uint32_t i, char *buf, size_t size);

/* Groups of objects (cycles, garbage groups): members of group g are
 * members[start[g] .. start[g+1]). */
struct rs_groups {
	size_t count;
	uint64_t *start;
	uint32_t *members;
};
void rs_groups_free(struct rs_groups *groups);

/* Strongly connected components with more than one object or a reference
 * to themselves. */
rs_error *rs_heap_cycles(rs_target *target, rs_heap *heap, struct rs_groups *out);

/* References from outside the heap, named (see coreparse/analysis/roots.c). */
enum rs_root_kind {
	RS_ROOT_MODULE,       /* an entry of sys.modules */
	RS_ROOT_FRAME,        /* a running frame of a thread */
	RS_ROOT_THREAD,       /* a thread state */
	RS_ROOT_INTERPRETER,  /* an interpreter state */
	RS_ROOT_STATIC,       /* writable data of a loaded module */
	RS_ROOT_EXTERNAL,     /* a reference no named root explains */
};

struct rs_root_ref {
	uint32_t object;
	uint8_t kind;         /* enum rs_root_kind */
	uint32_t name;        /* index into names, or UINT32_MAX: name it by where */
	uint64_t where;       /* the address holding the reference, when there is one */
};

struct rs_roots {
	struct rs_root_ref *refs; /* modules first, then frames, threads, interpreters, statics */
	size_t n_refs;
	char **names;
	size_t n_names;
	uint32_t *counts;     /* per object: how many root references it has */
	size_t counts_capacity;
};

rs_error *rs_heap_roots(rs_target *target, rs_heap *heap, struct rs_roots *out);
void rs_root_name(rs_target *target, const struct rs_roots *roots, const struct rs_root_ref *ref, char *buf,
		  size_t size);
void rs_roots_free(struct rs_roots *roots);

/* A shortest chain from a root to an object: steps[0] is held by the root
 * refs[root] (or, when external, by references no root explains), and
 * steps[length-1] is the object. */
struct rs_path {
	struct rs_roots roots;
	uint32_t root;        /* index into roots.refs; UINT32_MAX when external or garbage */
	bool external;
	bool garbage;         /* gc.collect() would free the object: nothing alive holds it */
	bool garbage_uncertain; /* ... if the references conservative scans found are real */
	uint32_t *steps;
	size_t length;
};
rs_error *rs_heap_path(rs_target *target, rs_heap *heap, uint32_t object, struct rs_path *out);
void rs_path_free(struct rs_path *path);

/* Shortest chains from the roots to every object at once, the roots taken
 * in the ranks rs_heap_path takes them: parent[i] is the next object
 * towards the root; i itself when a root holds i (root[i] is then the
 * index into roots.refs, or UINT32_MAX when only C code holds it), and
 * RS_NO_OBJECT when nothing alive reaches i (garbage). */
struct rs_paths {
	struct rs_roots roots;
	uint32_t *parent;
	uint32_t *root;
	size_t count;
};
rs_error *rs_heap_shortest_paths(rs_target *target, rs_heap *heap, struct rs_paths *out);
void rs_paths_free(struct rs_paths *paths);

enum rs_finalizer {
	RS_FINALIZER_NONE,
	RS_FINALIZER_DEL,              /* a Python __del__ */
	RS_FINALIZER_TP_DEL,           /* a legacy tp_del: the group becomes uncollectable */
	RS_FINALIZER_TP_FINALIZE,      /* a C type's tp_finalize */
	RS_FINALIZER_WEAKREF_CALLBACK, /* a live weakref to it has a callback */
};

/* What gc.collect() would free now, CPython's algorithm over the tracked
 * objects: groups are the connected parts of the garbage; finalizer[i] is
 * indexed like the heap's objects (NONE outside the garbage). */
struct rs_garbage {
	struct rs_groups groups;
	uint8_t *finalizer;  /* enum rs_finalizer per object */
	uint64_t *unreachable; /* bit per object */
	uint64_t *uncertain; /* bit per object: unreachable only when the references
			      * conservative scans found count as tp_traverse's */
	size_t objects;
	size_t objects_certain; /* unreachable even if no conservative reference counts */
	size_t finalizer_reachable; /* what finalizers that will run can reach inside the garbage */
	uint64_t bytes;
};
rs_error *rs_heap_garbage(rs_target *target, rs_heap *heap, struct rs_garbage *out);
/* Only which objects gc.collect() would free: unreachable, objects and
 * bytes, for what asks no more (cycles' reachable, the dominator tree's
 * garbage root). No finalizer is named, uncertain stays clear (so
 * objects_certain is objects) and there are no groups. */
rs_error *rs_heap_unreachable(rs_target *target, rs_heap *heap, struct rs_garbage *out);
void rs_garbage_free(struct rs_garbage *garbage);

static inline bool rs_garbage_contains(const struct rs_garbage *g, uint32_t i)
{
	return (g->unreachable[i / 64] >> (i % 64)) & 1;
}

static inline bool rs_garbage_uncertain(const struct rs_garbage *g, uint32_t i)
{
	return (g->uncertain[i / 64] >> (i % 64)) & 1;
}

/* The dominator tree (coreparse/analysis/dominators.c): a virtual root
 * holds every named root's object, every object C code holds and the
 * garbage pseudo-root, which holds what gc.collect() would free. */
#define RS_DOMINATOR_ROOT (UINT32_MAX - 1)    /* no single object: the roots and C code */
#define RS_DOMINATOR_GARBAGE (UINT32_MAX - 2) /* the garbage pseudo-root */
struct rs_dominators {
	uint32_t *idom;     /* per object: its immediate dominator's index, RS_DOMINATOR_ROOT,
			     * RS_DOMINATOR_GARBAGE, or RS_NO_OBJECT when nothing reaches it */
	uint64_t *retained; /* per object: the bytes it dominates, itself included */
	size_t count;       /* objects covered */
	uint64_t total;     /* bytes of every object reached */
	uint64_t garbage;   /* bytes under the garbage pseudo-root */
};
rs_error *rs_heap_dominators(rs_target *target, rs_heap *heap, struct rs_dominators *out);
/* The same from roots, rs_heap_roots' answer for heap, which a caller that
 * needs them too need not have computed twice; their counts are freed once
 * read (the rest of roots is left as it was). */
rs_error *rs_heap_dominators_of_roots(rs_target *target, rs_heap *heap, struct rs_roots *roots,
				      struct rs_dominators *out);
void rs_dominators_free(struct rs_dominators *dominators);

#ifdef __cplusplus
}
#endif
#endif
