#include "prefault.h"

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define PAGE ((uintptr_t)4096)
#define STRETCH RS_PREFAULT_STRETCH
#define QUEUE 16

struct request {
	uintptr_t start, end;
};

struct rs_prefault {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	bool stop, busy, failed;
	struct request queue[QUEUE];
	unsigned head, n_queued;
};

static void *prefault_run(void *arg)
{
	struct rs_prefault *p = arg;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stop && !p->n_queued)
			pthread_cond_wait(&p->changed, &p->lock);
		if (p->stop)
			break;
		struct request r = p->queue[p->head];
		p->head = (p->head + 1) % QUEUE;
		p->n_queued--;
		p->busy = true;
		pthread_mutex_unlock(&p->lock);
		bool failed = madvise((void *)r.start, r.end - r.start, MADV_POPULATE_WRITE) != 0;
		pthread_mutex_lock(&p->lock);
		p->busy = false;
		p->failed |= failed; /* an old kernel, most likely: stop asking */
		pthread_cond_broadcast(&p->changed);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static bool want_helper(void)
{
	const char *threads = getenv("REFSCOPE_THREADS");
	if (threads && atoi(threads) == 1)
		return false;
	cpu_set_t cpus;
	return sched_getaffinity(0, sizeof(cpus), &cpus) != 0 || CPU_COUNT(&cpus) > 1;
}

struct rs_prefault *rs_prefault_start(void)
{
	if (!want_helper())
		return NULL;
	struct rs_prefault *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	if (pthread_mutex_init(&p->lock, NULL) != 0)
		goto no_lock;
	if (pthread_cond_init(&p->changed, NULL) != 0)
		goto no_cond;
	if (pthread_create(&p->thread, NULL, prefault_run, p) != 0)
		goto no_thread;
	return p;
no_thread:
	pthread_cond_destroy(&p->changed);
no_cond:
	pthread_mutex_destroy(&p->lock);
no_lock:
	free(p);
	return NULL;
}

void rs_prefault_stop(struct rs_prefault *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->changed);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* Whole pages only: the page the writer is in may be faulted already, which
 * costs nothing, and the array's last part page is left to the writer. */
void rs_prefault_ask(struct rs_prefault *p, void *start, size_t len)
{
	uintptr_t from = (uintptr_t)start & ~(PAGE - 1);
	uintptr_t to = ((uintptr_t)start + len) & ~(PAGE - 1);
	if (!p || to <= from)
		return;
	pthread_mutex_lock(&p->lock);
	if (!p->failed && p->n_queued < QUEUE) {
		p->queue[(p->head + p->n_queued) % QUEUE] = (struct request){from, to};
		p->n_queued++;
		pthread_cond_broadcast(&p->changed);
	}
	pthread_mutex_unlock(&p->lock);
}

void rs_prefault_quiesce(struct rs_prefault *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->n_queued = 0; /* what was asked and not begun may be dropped */
	while (p->busy)
		pthread_cond_wait(&p->changed, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

void rs_prefault_more(struct rs_prefault *p, struct rs_prefault_array *a, void *base, size_t used, size_t capacity)
{
	size_t from = a->asked > used ? a->asked : used;
	size_t to = used + STRETCH < capacity ? used + STRETCH : capacity;
	if (to > from)
		rs_prefault_ask(p, (char *)base + from, to - from);
	a->asked = to;
}
