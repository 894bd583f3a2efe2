/* The command line, shared by the refscope CLI and the gdb extension:
 * parses arguments, opens the target (or reuses the session's), runs one
 * command. Exit codes: 0 ok, 1 usage, 2 target unreadable, unsupported or
 * bad. Messages go to the caller's streams, never straight to stderr. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "command.h"
#include "command_line.h"
#include "target.h"

#define EXIT_USAGE 1
#define EXIT_TARGET 2
#define MAX_DEBUG_DIRS 64

struct cli {
	bool json, help, inferior;
	struct rs_open_options open;
	const char *debug_dirs[MAX_DEBUG_DIRS];
	const char *command;
	const char **positional; /* argc entries */
	size_t n_positional;
	const char *const *more_addresses; /* refs ADDR ADDR...: those after the first */
	size_t n_more_addresses;
	const char *core;
	const char *file;
	const char *before;
	const char *address;
	uint64_t *addresses; /* parsed: address, then the more_addresses */
	const char *pid;
	const char *coredump;    /* --coredump PID|MATCH */
	char *coredump_path, *coredump_note;
	struct rs_command_options opts;
};

void rs_command_line_usage(FILE *out)
{
	fprintf(out,
		"usage: refscope [--json] [--exe PATH] [--sysroot DIR] [--debug-dir DIR]... COMMAND [OPTIONS] TARGET [ADDR]\n"
		"       TARGET = CORE (an ELF core file) | --pid PID (a live process)\n"
		"       ADDR   = an object's address (id() in the process), for show, refs, referrers, path\n"
		"                and dominators; refs and dominators take several; or @ID, the node id\n"
		"                of an export of the same core\n"
		"\n"
		"commands:\n");
	for (size_t i = 0; rs_commands[i]; i++)
		fprintf(out, "  %-10s %s\n", rs_commands[i]->name, rs_commands[i]->summary);
	fprintf(out,
		"\n"
		"options:\n"
		"  --json             one JSON document on stdout instead of text\n"
		"  --exe PATH         the executable, when the path recorded in the core is wrong\n"
		"  --sysroot DIR      a core of a container or another machine: the files it names\n"
		"                     (and their debug files) are looked for under DIR first\n"
		"  --debug-dir DIR    also look for .build-id/xx/yyyy.debug under DIR (repeatable;\n"
		"                     /usr/lib/debug is always searched)\n"
		"  --layout SOURCE    take offsets only from dwarf, debug_offsets or builtin\n"
		"  --coredump M       TARGET: the newest core systemd-coredump kept of pid M, or of\n"
		"                     a process whose name contains M (compressed or not)\n"
		"  --no-freeze        --pid: the process is already stopped (by a debugger);\n"
		"                     read it as it is, without stopping its threads\n"
		"  --top N            summary: show the N largest types\n"
		"  --sort count|bytes summary: order (default bytes)\n"
		"  --retained         summary: each type's retained heap (what its instances keep alive);\n"
		"                     objects: each object's retained size, largest first (builds the\n"
		"                     dominator tree)\n"
		"  --sort size|retained|refcnt  objects: order (default size, retained with --retained)\n"
		"  --min-size N       cycles: only cycles of at least N objects; objects: of at least N bytes\n"
		"  --type NAME        objects: of this type (tp_name, or module.qualname of a class); repeatable\n"
		"  --generation G     objects: in generation G (0, 1, 2 or its name, permanent, untracked)\n"
		"  --garbage          objects: only what gc.collect() would free (--reachable: only the rest)\n"
		"  --depth D          top: levels shown below the roots (default 4)\n"
		"  --min-percent P    top: only subtrees retaining at least P%% of the heap (default 1)\n"
		"  --threshold P      suspects: report what retains at least P%% of the heap (default 10)\n"
		"  --dot              cycles, garbage, path, dominators, retainers: a Graphviz DOT\n"
		"                     picture on stdout\n"
		"  --format heapsnapshot  export: a V8 heap snapshot (Chrome DevTools, Memory, Load profile)\n"
		"  --format sqlite    export: an SQLite database (tables types, objects, edges, roots)\n"
		"  --interval S       diff --pid PID: two snapshots S seconds apart (no BEFORE core)\n"
		"  --rules FILE       audit: the limits, one rule per line: MEASURE [GLOB] OP LIMIT\n"
		"                     (total-bytes, total-objects, type-bytes GLOB, type-count GLOB,\n"
		"                     garbage-objects, garbage-bytes, garbage-finalizer-groups,\n"
		"                     suspects [GLOB], retained-share; OP <=, <, >=, >, ==;\n"
		"                     LIMIT a count, bytes with B/KiB/MiB/GiB/kB/MB/GB, or P%%)\n"
		"\n"
		"exit status: 0 ok, 1 usage error, 2 target unreadable, unsupported or bad,\n"
		"             3 audit: a rule is broken\n");
}

static FILE *usage_out; /* where usage errors go: the stream of the running command line */

__attribute__((format(printf, 1, 0))) static int usage_error(const char *fmt, const char *arg)
{
	fprintf(usage_out, "refscope: ");
	fprintf(usage_out, fmt, arg);
	fprintf(usage_out, "\ntry 'refscope --help'\n");
	return EXIT_USAGE;
}

static bool parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static int parse_layout(struct cli *cli, const char *value)
{
	if (strcmp(value, "dwarf") == 0)
		cli->open.layout = RS_LAYOUT_DWARF;
	else if (strcmp(value, "debug_offsets") == 0)
		cli->open.layout = RS_LAYOUT_DEBUG_OFFSETS;
	else if (strcmp(value, "builtin") == 0)
		cli->open.layout = RS_LAYOUT_BUILTIN;
	else
		return usage_error("--layout must be dwarf, debug_offsets or builtin, not '%s'", value);
	return 0;
}

/* Options with a value; returns -1 when opt is not one of them. */
static int parse_valued_option(struct cli *cli, const char *opt, const char *value)
{
	long n;
	if (strcmp(opt, "--exe") == 0)
		cli->open.exe_path = value;
	else if (strcmp(opt, "--sysroot") == 0)
		cli->open.sysroot = value;
	else if (strcmp(opt, "--debug-dir") == 0) {
		if (cli->open.n_debug_dirs == MAX_DEBUG_DIRS)
			return usage_error("more than 64 --debug-dir%s", "");
		cli->debug_dirs[cli->open.n_debug_dirs++] = value;
	} else if (strcmp(opt, "--pid") == 0) {
		if (!parse_int(value, 1, 1L << 30, &n))
			return usage_error("--pid needs a process id, not '%s'", value);
		cli->pid = value;
		cli->open.pid = (pid_t)n;
	} else if (strcmp(opt, "--top") == 0) {
		if (!parse_int(value, 0, 1L << 30, &n))
			return usage_error("--top needs a count, not '%s'", value);
		cli->opts.top = (int)n;
		cli->opts.top_given = true;
	} else if (strcmp(opt, "--sort") == 0) {
		if (strcmp(value, "count") == 0)
			cli->opts.sort = RS_SORT_COUNT;
		else if (strcmp(value, "bytes") == 0)
			cli->opts.sort = RS_SORT_BYTES;
		else if (strcmp(value, "size") == 0)
			cli->opts.sort = RS_SORT_SIZE;
		else if (strcmp(value, "retained") == 0)
			cli->opts.sort = RS_SORT_RETAINED;
		else if (strcmp(value, "refcnt") == 0)
			cli->opts.sort = RS_SORT_REFCNT;
		else
			return usage_error("--sort must be count or bytes (summary), size, retained or refcnt (objects), "
					   "not '%s'", value);
		cli->opts.sort_given = true;
	} else if (strcmp(opt, "--type") == 0) {
		if (cli->opts.n_types == RS_TYPES_MAX)
			return usage_error("more than 16 --type%s", "");
		cli->opts.types[cli->opts.n_types++] = value;
	} else if (strcmp(opt, "--generation") == 0) {
		cli->opts.generation = value;
	} else if (strcmp(opt, "--depth") == 0) {
		if (!parse_int(value, 1, 64, &n))
			return usage_error("--depth needs a count from 1 to 64, not '%s'", value);
		cli->opts.depth = (int)n;
	} else if (strcmp(opt, "--min-percent") == 0 || strcmp(opt, "--threshold") == 0) {
		char *end;
		double p = strtod(value, &end);
		if (end == value || *end || !(p >= 0 && p <= 100))
			return usage_error("a percentage from 0 to 100 is needed, not '%s'", value);
		if (opt[2] == 'm') {
			cli->opts.min_percent = p;
			cli->opts.min_percent_given = true;
		} else {
			cli->opts.threshold = p;
			cli->opts.threshold_given = true;
		}
	} else if (strcmp(opt, "--min-size") == 0) {
		if (!parse_int(value, 1, 1L << 30, &n))
			return usage_error("--min-size needs a count, not '%s'", value);
		cli->opts.min_size = (int)n;
	} else if (strcmp(opt, "--coredump") == 0) {
		cli->coredump = value;
	} else if (strcmp(opt, "--rules") == 0) {
		cli->opts.rules = value;
	} else if (strcmp(opt, "--interval") == 0) {
		char *end;
		double seconds = strtod(value, &end);
		if (end == value || *end || !(seconds > 0 && seconds <= 86400))
			return usage_error("--interval needs seconds (up to a day), not '%s'", value);
		cli->opts.interval = seconds;
	} else if (strcmp(opt, "--format") == 0) {
		if (strcmp(value, "heapsnapshot") != 0 && strcmp(value, "sqlite") != 0)
			return usage_error("--format must be heapsnapshot or sqlite, not '%s'", value);
		cli->opts.format = value;
	} else if (strcmp(opt, "--layout") == 0)
		return parse_layout(cli, value);
	else
		return -1;
	return 0;
}

static int parse_args(struct cli *cli, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			cli->help = true;
			return 0;
		}
		if (strcmp(arg, "--no-freeze") == 0) {
			cli->open.no_freeze = true;
			continue;
		}
		if (strcmp(arg, "--inferior") == 0) {
			cli->inferior = true;
			continue;
		}
		if (strcmp(arg, "--json") == 0) {
			cli->json = true;
			continue;
		}
		if (strcmp(arg, "--dot") == 0) {
			cli->opts.dot = true;
			continue;
		}
		if (strcmp(arg, "--retained") == 0) {
			cli->opts.retained = true;
			continue;
		}
		if (strcmp(arg, "--garbage") == 0 || strcmp(arg, "--reachable") == 0) {
			*(arg[2] == 'g' ? &cli->opts.garbage_only : &cli->opts.reachable_only) = true;
			continue;
		}
		if (arg[0] == '-' && arg[1]) {
			const char *eq = strchr(arg, '=');
			char opt[32];
			const char *value;
			if (eq && (size_t)(eq - arg) < sizeof(opt)) {
				memcpy(opt, arg, (size_t)(eq - arg));
				opt[eq - arg] = '\0';
				value = eq + 1;
			} else {
				snprintf(opt, sizeof(opt), "%s", arg);
				value = i + 1 < argc ? argv[i + 1] : NULL;
				if (value)
					i++;
			}
			if (!value)
				return usage_error("%s needs a value", opt);
			int rc = parse_valued_option(cli, opt, value);
			if (rc < 0)
				return usage_error("unknown option '%s'", opt);
			if (rc)
				return rc;
		} else if (!cli->command) {
			cli->command = arg;
		} else {
			cli->positional[cli->n_positional++] = arg;
		}
	}
	if (!cli->command) {
		rs_command_line_usage(usage_out);
		return EXIT_USAGE;
	}
	return 0;
}

/* TARGET [ADDR]: the target is a core path unless --pid was given. */
static int parse_positionals(struct cli *cli, const struct rs_command *cmd)
{
	size_t i = 0;
	if (cmd->needs_before && !cli->opts.interval) {
		if (i == cli->n_positional)
			return usage_error("%s needs the core BEFORE, then the target (or --pid PID --interval SECONDS)",
					   cli->command);
		cli->before = cli->positional[i++];
	}
	if (cmd->needs_before && cli->opts.interval && !cli->pid)
		return usage_error("--interval takes two snapshots of a live process: give --pid PID%s", "");
	if (!cli->pid && !cli->coredump && i < cli->n_positional)
		cli->core = cli->positional[i++];
	if (cmd->needs_file && i < cli->n_positional)
		cli->file = cli->positional[i++];
	if (cmd->needs_address && i < cli->n_positional)
		cli->address = cli->positional[i++];
	if (cmd->many_addresses && i < cli->n_positional) {
		cli->more_addresses = cli->positional + i;
		cli->n_more_addresses = cli->n_positional - i;
		i = cli->n_positional;
	}
	if (i < cli->n_positional)
		return usage_error("unexpected argument '%s'", cli->positional[i]);
	if (!cli->core && !cli->pid && !cli->inferior && !cli->coredump)
		return usage_error("%s needs a target: a core file or --pid PID", cli->command);
	if (cmd->needs_file && !cli->file)
		return usage_error("%s needs the FILE to write after the target", cli->command);
	if (cmd->needs_address && !cli->address)
		return usage_error("%s needs the address of an object after the target", cli->command);
	return 0;
}

static int parse_address(const char *text, uint64_t *out)
{
	char *end;
	errno = 0;
	if (text[0] == '@') { /* a node id of an export (rs_command_run resolves it) */
		unsigned long long id = strtoull(text + 1, &end, 10);
		if (errno || end == text + 1 || *end || text[1] == '-' || id >= (1ull << 32))
			return usage_error("'%s' is not a node id (give it as DevTools shows it, @123)", text);
		*out = RS_ADDRESS_NODE_ID | id;
		return 0;
	}
	unsigned long long value = strtoull(text, &end, 0);
	if (errno || end == text || *end || text[0] == '-')
		return usage_error("'%s' is not an address (give it as 0x... or in decimal, as id() prints it)",
				   text);
	*out = value;
	return 0;
}

static void progress_show(uint64_t seen, void *arg)
{
	(void)arg;
	fprintf(stderr, "\rrefscope: %" PRIu64 " objects read...", seen);
}

/* The open target and its snapshot, kept between command lines that name
 * the same target, until the caller says the target ran (rs_session_drop). */
struct rs_session {
	char *key;
	rs_target *target;
	rs_heap *heap;
	struct rs_dominators dominators; /* of heap, once a command needs them */
	void (*progress)(uint64_t seen, void *arg);
	void *progress_arg;
	/* --inferior: a target the caller reads for us (a debugger's remote). */
	long (*read_memory)(void *arg, uint64_t address, void *buf, size_t len);
	void *read_arg;
	struct rs_loaded_file *files;
	size_t n_files;
};

bool rs_session_set_inferior(struct rs_session *s, long (*read_memory)(void *arg, uint64_t address, void *buf, size_t len),
			     void *arg, const char *const *paths, const uint64_t *biases, size_t n)
{
	rs_session_drop(s);
	for (size_t i = 0; i < s->n_files; i++)
		free((char *)s->files[i].path);
	free(s->files);
	s->files = calloc(n + 1, sizeof(*s->files));
	s->n_files = 0;
	if (!s->files)
		return false;
	for (size_t i = 0; i < n; i++) {
		s->files[i].path = strdup(paths[i]);
		s->files[i].bias = biases[i];
		if (!s->files[i].path)
			return false;
		s->n_files++;
	}
	s->read_memory = read_memory;
	s->read_arg = arg;
	return true;
}

void rs_session_set_progress(struct rs_session *s, void (*progress)(uint64_t seen, void *arg), void *arg)
{
	s->progress = progress;
	s->progress_arg = arg;
}

struct rs_session *rs_session_new(void)
{
	return calloc(1, sizeof(struct rs_session));
}

void rs_session_drop(struct rs_session *s)
{
	if (!s)
		return;
	rs_dominators_free(&s->dominators);
	rs_heap_free(s->heap);
	rs_target_close(s->target);
	free(s->key);
	s->key = NULL;
	s->heap = NULL;
	s->target = NULL;
}

void rs_session_free(struct rs_session *s)
{
	rs_session_drop(s);
	for (size_t i = 0; s && i < s->n_files; i++)
		free((char *)s->files[i].path);
	if (s)
		free(s->files);
	free(s);
}

/* What identifies an open target: the target and the options that shape how it is read. */
static char *session_key(const struct cli *cli)
{
	char *key = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&key, &len);
	if (!f)
		return NULL;
	fprintf(f, "%d|%s|%s|%s|%s|%d|%d", (int)cli->inferior, cli->core ? cli->core : "", cli->pid ? cli->pid : "",
		cli->open.exe_path ? cli->open.exe_path : "", cli->open.sysroot ? cli->open.sysroot : "",
		(int)cli->open.layout, (int)cli->open.no_freeze);
	for (size_t i = 0; i < cli->open.n_debug_dirs; i++)
		fprintf(f, "|%s", cli->debug_dirs[i]);
	fclose(f);
	return key;
}

static rs_error *session_target(struct rs_session *s, struct cli *cli)
{
	char *key = session_key(cli);
	if (!key)
		return rs_error_nomem();
	if (s->key && strcmp(s->key, key) == 0) {
		free(key);
		return NULL;
	}
	rs_session_drop(s);
	if (cli->inferior) {
		if (!s->read_memory) {
			free(key);
			return rs_error_new(RS_ERR_USAGE, "--inferior reads a target through a debugger: use it from gdb");
		}
		cli->open.read_memory = s->read_memory;
		cli->open.read_memory_arg = s->read_arg;
		cli->open.files = s->files;
		cli->open.n_files = s->n_files;
	}
	rs_error *err = rs_target_open(&cli->open, &s->target);
	if (err) {
		free(key);
		return err;
	}
	if (cli->coredump_note)
		rs_diag_add(&s->target->diag, "%s", cli->coredump_note);
	s->key = key;
	return NULL;
}

static int parse_addresses(struct cli *cli)
{
	cli->addresses = calloc(cli->n_more_addresses + 1, sizeof(*cli->addresses));
	if (!cli->addresses) {
		fprintf(usage_out, "refscope: out of memory\n");
		return EXIT_TARGET;
	}
	int rc = parse_address(cli->address, &cli->addresses[0]);
	for (size_t i = 0; !rc && i < cli->n_more_addresses; i++)
		rc = parse_address(cli->more_addresses[i], &cli->addresses[i + 1]);
	return rc;
}

static int command_line_parsed(struct rs_session *session, struct cli *cli, int argc, char **argv, FILE *out,
			       FILE *err_out)
{
	int rc = parse_args(cli, argc, argv);
	if (rc)
		return rc;
	if (cli->help) {
		rs_command_line_usage(out);
		return 0;
	}
	const struct rs_command *cmd = rs_command_find(cli->command);
	if (!cmd)
		return usage_error("unknown command '%s'", cli->command);
	/* summary sorts types by count or bytes, objects by size, retained or refcnt */
	bool objects = strcmp(cmd->name, "objects") == 0;
	if (cli->opts.sort_given && strcmp(cmd->name, "summary") == 0 && cli->opts.sort > RS_SORT_COUNT)
		return usage_error("--sort must be count or bytes for %s", "summary");
	if (cli->opts.sort_given && objects && cli->opts.sort <= RS_SORT_COUNT)
		return usage_error("--sort must be size, retained or refcnt for %s", "objects");
	rc = parse_positionals(cli, cmd);
	if (!rc && cli->address)
		rc = parse_addresses(cli);
	if (rc)
		return rc;
	if (cli->coredump) {
		rs_error *found = rs_coredump_find(cli->coredump, &cli->coredump_path, &cli->coredump_note);
		if (found) {
			fprintf(err_out, "refscope: %s\n", rs_error_message(found));
			rs_error_free(found);
			return EXIT_TARGET;
		}
		cli->core = cli->coredump_path;
	}
	cli->open.core_path = cli->core;
	cli->open.debug_dirs = cli->debug_dirs;
	bool tty = err_out == stderr && isatty(STDERR_FILENO);
	if (tty)
		cli->opts.progress = progress_show;

	char label[64];
	snprintf(label, sizeof(label), cli->inferior ? "inferior" : "pid %s", cli->pid ? cli->pid : "");
	struct rs_session own = {0};
	struct rs_session *s = session ? session : &own;
	if (s->progress) {
		cli->opts.progress = s->progress;
		cli->opts.progress_arg = s->progress_arg;
	}
	int verdict = 0;
	rs_interrupt_clear();
	rs_error *err = session_target(s, cli);
	if (!err) {
		struct rs_command_context ctx = {
			.target = s->target, .heap = s->heap, .opts = cli->opts,
			.target_label = cli->core ? cli->core : label,
			.address = cli->addresses ? cli->addresses[0] : 0,
			.addresses = cli->addresses, .n_addresses = cli->addresses ? cli->n_more_addresses + 1 : 0,
			.dominators = &s->dominators, .file = cli->file, .before = cli->before, .open = &cli->open};
		err = rs_command_run(cmd, &ctx, cli->json, out);
		s->heap = ctx.heap;
		verdict = ctx.verdict;
		if (tty && ctx.heap && rs_heap_object_count(ctx.heap) >= (1u << 20))
			fprintf(stderr, "\r\033[K");
	}
	if (s == &own)
		rs_session_drop(&own);
	if (err) {
		fprintf(err_out, "refscope: %s\n", rs_error_message(err));
		bool usage_fault = rs_error_kind(err) == RS_ERR_USAGE;
		rs_error_free(err);
		return usage_fault ? EXIT_USAGE : EXIT_TARGET;
	}
	if (fflush(out) != 0)
		return EXIT_TARGET;
	return verdict;
}

int rs_command_line(struct rs_session *session, int argc, char **argv, FILE *out, FILE *err_out)
{
	struct cli cli = {0};
	usage_out = err_out;
	cli.positional = calloc((size_t)argc + 1, sizeof(*cli.positional));
	if (!cli.positional) {
		fprintf(err_out, "refscope: out of memory\n");
		return EXIT_TARGET;
	}
	int rc = command_line_parsed(session, &cli, argc, argv, out, err_out);
	free(cli.positional);
	free(cli.addresses);
	free(cli.coredump_path);
	free(cli.coredump_note);
	return rc;
}

int rs_command_line_text(struct rs_session *session, int argc, char **argv, char **out_text, char **err_text)
{
	size_t out_len = 0, err_len = 0;
	*out_text = *err_text = NULL;
	FILE *out = open_memstream(out_text, &out_len), *err = open_memstream(err_text, &err_len);
	if (!out || !err) {
		if (out)
			fclose(out);
		if (err)
			fclose(err);
		return EXIT_TARGET;
	}
	int rc = rs_command_line(session, argc, argv, out, err);
	fclose(out);
	fclose(err);
	return rc;
}

void rs_text_free(char *text)
{
	free(text);
}
