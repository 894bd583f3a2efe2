#include "helper_thread.h"

#include <sched.h>
#include <stdlib.h>

bool rs_helpers_wanted(void)
{
	const char *threads = getenv("REFSCOPE_THREADS");
	if (threads && atoi(threads) == 1)
		return false;
	cpu_set_t cpus;
	return sched_getaffinity(0, sizeof(cpus), &cpus) != 0 || CPU_COUNT(&cpus) > 1;
}

bool rs_helper_start(struct rs_helper *h, void *(*run)(void *arg), void *arg)
{
	h->stop = false;
	if (pthread_mutex_init(&h->lock, NULL) != 0)
		return false;
	if (pthread_cond_init(&h->changed, NULL) != 0) {
		pthread_mutex_destroy(&h->lock);
		return false;
	}
	if (pthread_create(&h->thread, NULL, run, arg) != 0) {
		pthread_cond_destroy(&h->changed);
		pthread_mutex_destroy(&h->lock);
		return false;
	}
	return true;
}

void rs_helper_stop(struct rs_helper *h)
{
	pthread_mutex_lock(&h->lock);
	h->stop = true;
	pthread_cond_broadcast(&h->changed);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->thread, NULL);
	pthread_cond_destroy(&h->changed);
	pthread_mutex_destroy(&h->lock);
}
