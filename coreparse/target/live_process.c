/* Memory of a live process, read while every one of its threads is stopped.
 *
 * Threads are stopped with PTRACE_SEIZE + PTRACE_INTERRUPT, which leaves no
 * signal behind (unlike PTRACE_ATTACH's SIGSTOP), so detaching lets the
 * process run on exactly as before. The task list is read again until no new
 * thread appears, since a running thread may start others meanwhile. Nothing
 * is ever written to the target. If refscope is interrupted by SIGINT, SIGTERM,
 * SIGHUP or SIGQUIT, the handler detaches before dying; if refscope is killed,
 * the kernel detaches. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "memory.h"
#include "read_cache.h"

#define MAX_THREADS 65536
#define STOP_TIMEOUT_MS 5000

struct live_memory {
	struct rs_memory base;
	int mem_fd;
	bool vm_readv_works;
	struct rs_read_cache cache;
	char exe[4096];
	char root[32]; /* /proc/PID/root */
};

/* The stopped threads, visible to the signal handler (one live target at a time). */
static pid_t frozen_tids[MAX_THREADS];
static volatile sig_atomic_t frozen_count;
static struct sigaction saved_actions[4];
static bool signals_caught;
static const int fatal_signals[4] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static void frozen_detach_all(void)
{
	for (sig_atomic_t i = frozen_count; i > 0; i--) {
		frozen_count = i - 1;
		ptrace(PTRACE_DETACH, frozen_tids[i - 1], NULL, NULL);
	}
}

static void on_fatal_signal(int sig)
{
	frozen_detach_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void fatal_signals_catch(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sigfillset(&sa.sa_mask);
	for (int i = 0; i < 4; i++)
		sigaction(fatal_signals[i], &sa, &saved_actions[i]);
	signals_caught = true;
}

static void fatal_signals_restore(void)
{
	if (!signals_caught)
		return;
	for (int i = 0; i < 4; i++)
		sigaction(fatal_signals[i], &saved_actions[i], NULL);
	signals_caught = false;
}

static bool tid_is_frozen(pid_t tid)
{
	for (sig_atomic_t i = 0; i < frozen_count; i++)
		if (frozen_tids[i] == tid)
			return true;
	return false;
}

static long proc_status_field(pid_t pid, const char *field)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	long value = -1;
	size_t n = strlen(field);
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			value = strtol(line + n + 1, NULL, 10);
			break;
		}
	if (f)
		fclose(f);
	return value;
}

static void proc_comm(pid_t pid, char *buf, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	FILE *f = fopen(path, "re");
	buf[0] = '\0';
	if (f && fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	if (f)
		fclose(f);
}

/* EPERM from ptrace has several causes; name the one that applies. */
static rs_error *ptrace_refusal_explain(pid_t pid)
{
	long tracer = proc_status_field(pid, "TracerPid");
	if (tracer > 0) {
		char comm[64];
		proc_comm((pid_t)tracer, comm, sizeof(comm));
		return rs_error_new(RS_ERR_OS, "cannot stop process %d: it is already traced by pid %ld (%s)",
				    (int)pid, tracer, comm[0] ? comm : "?");
	}
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	int scope = 0;
	if (f) {
		if (fscanf(f, "%d", &scope) != 1)
			scope = 0;
		fclose(f);
	}
	if (scope >= 1 && geteuid() != 0)
		return rs_error_new(RS_ERR_OS,
				    "cannot stop process %d: ptrace refused by yama ptrace_scope=%d "
				    "(run as root or set /proc/sys/kernel/yama/ptrace_scope to 0)",
				    (int)pid, scope);
	char path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (stat(path, &st) == 0 && st.st_uid != geteuid() && geteuid() != 0)
		return rs_error_new(RS_ERR_OS,
				    "cannot stop process %d: it belongs to uid %u and refscope runs "
				    "as uid %u", (int)pid, st.st_uid, geteuid());
	return rs_error_new(RS_ERR_OS,
			    "cannot stop process %d: ptrace refused (no CAP_SYS_PTRACE in this "
			    "container?)", (int)pid);
}

/* Waits, boundedly, for a seized and interrupted thread to report its stop.
 * Returns 1 when stopped, 0 when the thread is gone, -1 on timeout. */
static int thread_wait_stopped(pid_t tid)
{
	struct timespec pause = {0, 200000};
	for (int waited = 0; waited < STOP_TIMEOUT_MS * 5; waited++) {
		int status;
		pid_t r = waitpid(tid, &status, __WALL | WNOHANG);
		if (r == tid)
			return WIFSTOPPED(status) ? 1 : 0;
		if (r < 0)
			return errno == ECHILD ? 0 : -1;
		nanosleep(&pause, NULL);
	}
	return -1;
}

/* True when the thread has exited: a zombie (its parent, or for a thread
 * group leader its last thread, has not reaped it yet) or already gone.
 * ptrace refuses to attach to such a thread with EPERM; it runs no code, so
 * there is nothing to stop. */
static bool thread_is_dead(pid_t pid, pid_t tid)
{
	char path[96], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	int read_errno = errno;
	close(fd);
	if (n <= 0)
		return n < 0 && read_errno == ESRCH;
	buf[n] = '\0';
	const char *paren = strrchr(buf, ')'); /* the command name may hold anything */
	return paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X');
}

static rs_error *thread_freeze(pid_t pid, pid_t tid, bool *gone)
{
	*gone = false;
	if (frozen_count >= MAX_THREADS)
		return rs_error_new(RS_ERR_UNSUPPORTED, "process %d has more than %d threads", (int)pid,
				    MAX_THREADS);
	if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0) {
		if (errno == ESRCH || (errno == EPERM && thread_is_dead(pid, tid))) {
			*gone = true;
			return NULL;
		}
		if (errno == EPERM)
			return ptrace_refusal_explain(pid);
		return rs_error_os(errno, "ptrace(PTRACE_SEIZE, %d)", (int)tid);
	}
	frozen_tids[frozen_count] = tid;
	frozen_count = frozen_count + 1;
	if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) != 0 && errno != ESRCH)
		return rs_error_os(errno, "ptrace(PTRACE_INTERRUPT, %d)", (int)tid);
	int stopped = thread_wait_stopped(tid);
	if (stopped < 0)
		return rs_error_new(RS_ERR_OS, "thread %d of process %d did not stop within %d ms",
				    (int)tid, (int)pid, STOP_TIMEOUT_MS);
	if (stopped == 0) {
		frozen_count = frozen_count - 1; /* it exited: nothing to detach */
		*gone = true;
	}
	return NULL;
}

/* One pass over /proc/PID/task; *added counts threads newly stopped. */
static rs_error *threads_freeze_pass(pid_t pid, size_t *added)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? rs_error_new(RS_ERR_NOT_FOUND, "no process with pid %d", (int)pid)
				       : rs_error_os(errno, "%s", path);
	rs_error *err = NULL;
	struct dirent *ent;
	*added = 0;
	while (!err && (ent = readdir(dir))) {
		pid_t tid = (pid_t)strtol(ent->d_name, NULL, 10);
		if (tid <= 0 || tid_is_frozen(tid))
			continue;
		bool gone;
		err = thread_freeze(pid, tid, &gone);
		if (!err && !gone)
			(*added)++;
	}
	closedir(dir);
	return err;
}

static rs_error *process_freeze(pid_t pid)
{
	size_t added;
	fatal_signals_catch();
	do {
		rs_error *err = threads_freeze_pass(pid, &added);
		if (err)
			return err;
	} while (added > 0);
	if (frozen_count == 0)
		return rs_error_new(RS_ERR_NOT_FOUND, "process %d exited before it could be read", (int)pid);
	return NULL;
}

void rs_live_memory_release(struct rs_memory *mem)
{
	(void)mem;
	frozen_detach_all();
	fatal_signals_restore();
}

/* Fills a cache line: as many bytes from address as are readable. Lines are
 * read whole, so a heap walk costs one system call per 16 KiB, not per object. */
static long live_fill(void *ctx, uint64_t address, void *buf, size_t len)
{
	struct live_memory *live = ctx;
	if (live->vm_readv_works) {
		struct iovec local = {buf, len}, remote = {(void *)(uintptr_t)address, len};
		ssize_t n = process_vm_readv(live->base.pid, &local, 1, &remote, 1, 0);
		if (n >= 0)
			return n;
		if (errno == EFAULT || errno == EIO)
			return 0; /* the line starts in unmapped memory */
		if (errno == ESRCH)
			return -1;
		live->vm_readv_works = false;
	}
	/* /proc/PID/mem stops at the first unmapped page too. */
	ssize_t n = pread(live->mem_fd, buf, len, (off_t)address);
	return n >= 0 ? n : (errno == EIO || errno == EFAULT ? 0 : -1);
}

static rs_error *live_read(struct rs_memory *mem, uint64_t address, void *buf, size_t len)
{
	struct live_memory *live = (struct live_memory *)mem;
	uint64_t bad;
	if (rs_read_cache_read(&live->cache, address, buf, len, &bad) == 0)
		return NULL;
	if (errno == ESRCH) {
		mem->gone = true;
		return rs_error_new(RS_ERR_NOT_FOUND, "process %d exited while being read", (int)mem->pid);
	}
	return rs_error_fault(bad, "address 0x%" PRIx64 " is not readable in process %d", bad, (int)mem->pid);
}

static void live_destroy(struct rs_memory *mem)
{
	struct live_memory *live = (struct live_memory *)mem;
	rs_live_memory_release(mem);
	if (live->mem_fd >= 0)
		close(live->mem_fd);
	rs_read_cache_free(&live->cache);
	free(live);
}

static const struct rs_memory_ops live_ops = {live_read, live_destroy, NULL, NULL, NULL};

rs_error *rs_live_memory_open(pid_t pid, bool freeze, struct rs_diag *diag, struct rs_memory **out)
{
	if (pid <= 0)
		return rs_error_new(RS_ERR_USAGE, "bad pid %d", (int)pid);
	if (pid == getpid())
		return rs_error_new(RS_ERR_USAGE, "refscope cannot read its own process");
	if (frozen_count > 0)
		return rs_error_new(RS_ERR_USAGE, "another live target is already open");
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (access(path, F_OK) != 0)
		return rs_error_new(RS_ERR_NOT_FOUND, "no process with pid %d", (int)pid);

	struct live_memory *live = calloc(1, sizeof(*live));
	if (!live)
		return rs_error_nomem();
	live->base.ops = &live_ops;
	live->base.diag = diag;
	live->base.pid = pid;
	snprintf(live->root, sizeof(live->root), "/proc/%d/root", (int)pid);
	/* A root of its own (a container's, a chroot's): its files are read
	 * through it. The same root as ours needs nothing. */
	struct stat theirs, ours;
	if (stat(live->root, &theirs) == 0 && stat("/", &ours) == 0 &&
	    (theirs.st_dev != ours.st_dev || theirs.st_ino != ours.st_ino))
		live->base.root = live->root;
	live->vm_readv_works = true;
	live->mem_fd = -1;
	if (rs_read_cache_init(&live->cache, live_fill, live) != 0) {
		free(live);
		return rs_error_nomem();
	}
	rs_error *err = freeze ? process_freeze(pid) : NULL;
	if (!err) {
		snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
		live->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
		ssize_t n = readlink(path, live->exe, sizeof(live->exe) - 1);
		if (n > 0) {
			live->exe[n] = '\0';
			live->base.exe_path = live->exe;
		}
	}
	if (err) {
		live_destroy(&live->base);
		return err;
	}
	*out = &live->base;
	return NULL;
}

#define PF_KTHREAD 0x00200000u

bool rs_live_memory_kernel_thread(const struct rs_memory *mem)
{
	char path[64], stat[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)mem->pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	size_t n = fread(stat, 1, sizeof(stat) - 1, f);
	fclose(f);
	stat[n] = '\0';
	/* Past the name (which may hold anything, ')' too): state, ppid, pgrp,
	 * session, tty_nr, tpgid, flags. */
	const char *p = strrchr(stat, ')');
	char state;
	long ppid, pgrp, session, tty, tpgid;
	unsigned long flags;
	return p && sscanf(p + 1, " %c %ld %ld %ld %ld %ld %lu", &state, &ppid, &pgrp, &session, &tty, &tpgid,
			   &flags) == 7 && (flags & PF_KTHREAD);
}
