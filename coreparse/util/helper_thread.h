/* A helper thread and what it shares with its owner: a lock, and a
 * condition signalled whenever the shared state changes, stop included. */
#ifndef RS_UTIL_HELPER_THREAD_H
#define RS_UTIL_HELPER_THREAD_H

#include <pthread.h>
#include <stdbool.h>

struct rs_helper {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	bool stop; /* under lock: the helper is to return */
};

/* Whether helpers are worth having: more than one CPU to run on, and
 * REFSCOPE_THREADS is not 1. */
bool rs_helpers_wanted(void);

/* Starts run(arg) on a thread of h; false when none could be had (nothing
 * to stop then). */
bool rs_helper_start(struct rs_helper *h, void *(*run)(void *arg), void *arg);

/* Sets stop, signals it and waits for the helper to return. */
void rs_helper_stop(struct rs_helper *h);

#endif
