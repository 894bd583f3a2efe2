#include "prefault.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "helper_thread.h"

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
	struct rs_helper h;
	bool busy, failed;
	struct request queue[QUEUE];
	unsigned head, n_queued;
};

static void *prefault_run(void *arg)
{
	struct rs_prefault *p = arg;
	pthread_mutex_lock(&p->h.lock);
	for (;;) {
		while (!p->h.stop && !p->n_queued)
			pthread_cond_wait(&p->h.changed, &p->h.lock);
		if (p->h.stop)
			break;
		struct request r = p->queue[p->head];
		p->head = (p->head + 1) % QUEUE;
		p->n_queued--;
		p->busy = true;
		pthread_mutex_unlock(&p->h.lock);
		bool failed = madvise((void *)r.start, r.end - r.start, MADV_POPULATE_WRITE) != 0;
		pthread_mutex_lock(&p->h.lock);
		p->busy = false;
		p->failed |= failed; /* an old kernel, most likely: stop asking */
		pthread_cond_broadcast(&p->h.changed);
	}
	pthread_mutex_unlock(&p->h.lock);
	return NULL;
}

struct rs_prefault *rs_prefault_start(void)
{
	if (!rs_helpers_wanted())
		return NULL;
	struct rs_prefault *p = calloc(1, sizeof(*p));
	if (p && !rs_helper_start(&p->h, prefault_run, p)) {
		free(p);
		p = NULL;
	}
	return p;
}

void rs_prefault_stop(struct rs_prefault *p)
{
	if (!p)
		return;
	rs_helper_stop(&p->h);
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
	pthread_mutex_lock(&p->h.lock);
	if (!p->failed && p->n_queued < QUEUE) {
		p->queue[(p->head + p->n_queued) % QUEUE] = (struct request){from, to};
		p->n_queued++;
		pthread_cond_broadcast(&p->h.changed);
	}
	pthread_mutex_unlock(&p->h.lock);
}

void rs_prefault_quiesce(struct rs_prefault *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->h.lock);
	p->n_queued = 0; /* what was asked and not begun may be dropped */
	while (p->busy)
		pthread_cond_wait(&p->h.changed, &p->h.lock);
	pthread_mutex_unlock(&p->h.lock);
}

void rs_prefault_more(struct rs_prefault *p, struct rs_prefault_array *a, void *base, size_t used, size_t capacity)
{
	size_t from = a->asked > used ? a->asked : used;
	size_t to = used + STRETCH < capacity ? used + STRETCH : capacity;
	if (to > from)
		rs_prefault_ask(p, (char *)base + from, to - from);
	a->asked = to;
}
