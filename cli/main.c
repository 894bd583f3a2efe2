/* refscope: the command line. Parses arguments, opens the target and runs
 * one command from commands/. Exit codes: 0 ok, 1 usage, 2 target
 * unreadable, unsupported or bad. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../commands/command.h"

#define EXIT_USAGE 1
#define EXIT_TARGET 2
#define MAX_DEBUG_DIRS 64

struct cli {
	bool json;
	struct rs_open_options open;
	const char *debug_dirs[MAX_DEBUG_DIRS];
	const char *command;
	const char *positional[3];
	size_t n_positional;
	const char *core;
	const char *address;
	const char *pid;
	struct rs_command_options opts;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: refscope [--json] [--exe PATH] [--debug-dir DIR]... COMMAND [OPTIONS] TARGET [ADDR]\n"
		"       TARGET = CORE (an ELF core file) | --pid PID (a live process)\n"
		"       ADDR   = an object's address (id() in the process), for show, refs, referrers and path\n"
		"\n"
		"commands:\n");
	for (size_t i = 0; rs_commands[i]; i++)
		fprintf(out, "  %-10s %s\n", rs_commands[i]->name, rs_commands[i]->summary);
	fprintf(out,
		"\n"
		"options:\n"
		"  --json             one JSON document on stdout instead of text\n"
		"  --exe PATH         the executable, when the path recorded in the core is wrong\n"
		"  --debug-dir DIR    also look for .build-id/xx/yyyy.debug under DIR (repeatable;\n"
		"                     /usr/lib/debug is always searched)\n"
		"  --layout SOURCE    take offsets only from dwarf, debug_offsets or builtin\n"
		"  --top N            summary: show the N largest types\n"
		"  --sort count|bytes summary: order (default bytes)\n"
		"  --min-size N       cycles: only cycles of at least N objects\n"
		"  --dot              cycles, garbage, path: a Graphviz DOT picture on stdout\n"
		"\n"
		"exit status: 0 ok, 1 usage error, 2 target unreadable, unsupported or bad\n");
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "refscope: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\ntry 'refscope --help'\n");
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
		else
			return usage_error("--sort must be count or bytes, not '%s'", value);
	} else if (strcmp(opt, "--min-size") == 0) {
		if (!parse_int(value, 1, 1L << 30, &n))
			return usage_error("--min-size needs a count, not '%s'", value);
		cli->opts.min_size = (int)n;
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
			usage(stdout);
			exit(0);
		}
		if (strcmp(arg, "--json") == 0) {
			cli->json = true;
			continue;
		}
		if (strcmp(arg, "--dot") == 0) {
			cli->opts.dot = true;
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
		} else if (cli->n_positional < 3) {
			cli->positional[cli->n_positional++] = arg;
		} else {
			return usage_error("unexpected argument '%s'", arg);
		}
	}
	if (!cli->command) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return 0;
}

/* TARGET [ADDR]: the target is a core path unless --pid was given. */
static int parse_positionals(struct cli *cli, const struct rs_command *cmd)
{
	size_t i = 0;
	if (!cli->pid && i < cli->n_positional)
		cli->core = cli->positional[i++];
	if (cmd->needs_address && i < cli->n_positional)
		cli->address = cli->positional[i++];
	if (i < cli->n_positional)
		return usage_error("unexpected argument '%s'", cli->positional[i]);
	if (!cli->core && !cli->pid)
		return usage_error("%s needs a target: a core file or --pid PID", cli->command);
	if (cmd->needs_address && !cli->address)
		return usage_error("%s needs the address of an object after the target", cli->command);
	return 0;
}

static int parse_address(const char *text, uint64_t *out)
{
	char *end;
	errno = 0;
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

int main(int argc, char **argv)
{
	struct cli cli = {0};
	int rc = parse_args(&cli, argc, argv);
	if (rc)
		return rc;
	const struct rs_command *cmd = rs_command_find(cli.command);
	if (!cmd)
		return usage_error("unknown command '%s'", cli.command);
	rc = parse_positionals(&cli, cmd);
	uint64_t address = 0;
	if (!rc && cli.address)
		rc = parse_address(cli.address, &address);
	if (rc)
		return rc;
	cli.open.core_path = cli.core;
	cli.open.debug_dirs = cli.debug_dirs;
	bool tty = isatty(STDERR_FILENO);
	if (tty)
		cli.opts.progress = progress_show;

	char label[64];
	snprintf(label, sizeof(label), "pid %s", cli.pid ? cli.pid : "");
	struct rs_command_context ctx = {
		.opts = cli.opts, .target_label = cli.core ? cli.core : label, .address = address};
	rs_error *err = rs_target_open(&cli.open, &ctx.target);
	if (!err)
		err = rs_command_run(cmd, &ctx, cli.json, stdout);
	if (tty && ctx.heap && rs_heap_object_count(ctx.heap) >= (1u << 20))
		fprintf(stderr, "\r\033[K");
	rs_heap_free(ctx.heap);
	rs_target_close(ctx.target);
	if (err) {
		fprintf(stderr, "refscope: %s\n", rs_error_message(err));
		bool usage_fault = rs_error_kind(err) == RS_ERR_USAGE;
		rs_error_free(err);
		return usage_fault ? EXIT_USAGE : EXIT_TARGET;
	}
	return fflush(stdout) == 0 ? 0 : EXIT_TARGET;
}
