/* --coredump PID|MATCH: the newest core systemd-coredump kept of a process,
 * found as coredumpctl lists them: files named
 * core.COMM.UID.BOOT_ID.PID.USEC[.zst|.lz4|.xz] in its storage directory,
 * COMM with '.' and other bytes escaped as \xNN. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

#define FIELDS_MAX 16

struct coredump_name {
	char comm[256];
	uint64_t pid, usec;
};

static void comm_unescape(const char *in, size_t len, char *out, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < size; i++) {
		unsigned value;
		if (in[i] == '\\' && i + 3 < len && in[i + 1] == 'x' && sscanf(in + i + 2, "%2x", &value) == 1) {
			out[o++] = (char)value;
			i += 3;
		} else {
			out[o++] = in[i];
		}
	}
	out[o] = '\0';
}

static bool all_digits(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* The fields of a systemd-coredump file name, read from its end. */
static bool name_parse(const char *name, struct coredump_name *out)
{
	if (strncmp(name, "core.", 5) != 0)
		return false;
	const char *dots[FIELDS_MAX];
	size_t n = 0;
	for (const char *p = name + 4; *p && n < FIELDS_MAX; p++)
		if (*p == '.')
			dots[n++] = p;
	if (n < 5)
		return false;
	size_t end = strlen(name);
	const char *last = dots[n - 1] + 1;
	if (strcmp(last, "zst") == 0 || strcmp(last, "lz4") == 0 || strcmp(last, "xz") == 0) {
		end = (size_t)(dots[n - 1] - name);
		n--;
	}
	if (n < 5) /* comm, uid, boot id, pid, usec */
		return false;
	const char *usec = dots[n - 1] + 1, *pid = dots[n - 2] + 1;
	size_t usec_len = (size_t)(name + end - usec), pid_len = (size_t)(dots[n - 1] - pid);
	if (!all_digits(usec, usec_len) || !all_digits(pid, pid_len))
		return false;
	out->usec = strtoull(usec, NULL, 10);
	out->pid = strtoull(pid, NULL, 10);
	comm_unescape(name + 5, (size_t)(dots[n - 4] - (name + 5)), out->comm, sizeof(out->comm));
	return true;
}

rs_error *rs_coredump_find(const char *match, char **path, char **description)
{
	const char *dir = getenv("REFSCOPE_COREDUMP_DIR");
	if (!dir || !*dir)
		dir = "/var/lib/systemd/coredump";
	DIR *d = opendir(dir);
	if (!d)
		return rs_error_os(errno, "--coredump: %s", dir);
	bool by_pid = all_digits(match, strlen(match));
	uint64_t pid = by_pid ? strtoull(match, NULL, 10) : 0;
	char best[512] = "";
	struct coredump_name chosen = {.usec = 0};
	size_t matching = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		struct coredump_name name;
		if (!name_parse(e->d_name, &name))
			continue;
		if (by_pid ? name.pid != pid : !strstr(name.comm, match))
			continue;
		matching++;
		if (!*best || name.usec > chosen.usec) {
			chosen = name;
			snprintf(best, sizeof(best), "%s", e->d_name);
		}
	}
	closedir(d);
	if (!matching)
		return rs_error_new(RS_ERR_NOT_FOUND, "--coredump %s: systemd-coredump has no core of %s %s in %s", match,
				    by_pid ? "pid" : "a process named like", match, dir);
	if (asprintf(path, "%s/%s", dir, best) < 0)
		return rs_error_nomem();
	if (asprintf(description, "--coredump %s: %s (%s, pid %" PRIu64 "), the newest of %zu matching", match, *path,
		     chosen.comm, chosen.pid, matching) < 0) {
		free(*path);
		return rs_error_nomem();
	}
	return NULL;
}
