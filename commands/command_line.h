/* The refscope command line as a library call, for the CLI and the gdb extension. */
#ifndef RS_COMMANDS_COMMAND_LINE_H
#define RS_COMMANDS_COMMAND_LINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct rs_session;

/* A session keeps the open target and its snapshot between command lines
 * naming the same target; drop it when the target has run. */
struct rs_session *rs_session_new(void);
void rs_session_drop(struct rs_session *session);
void rs_session_free(struct rs_session *session);
/* Called now and then with the objects read so far, during long walks. */
void rs_session_set_progress(struct rs_session *session, void (*progress)(uint64_t seen, void *arg), void *arg);
/* The target of "--inferior": memory read through the caller, and the loaded
 * files (paths on this machine) with their load bias. Drops the snapshot. */
bool rs_session_set_inferior(struct rs_session *session,
			     long (*read_memory)(void *arg, uint64_t address, void *buf, size_t len), void *arg,
			     const char *const *paths, const uint64_t *biases, size_t n);

/* Runs one command line (argv[0] is the program name); returns the exit
 * code. session may be NULL. */
int rs_command_line(struct rs_session *session, int argc, char **argv, FILE *out, FILE *err);

/* The same, with the output and the messages returned as allocated text
 * (free with rs_text_free): for callers through a foreign-function interface. */
int rs_command_line_text(struct rs_session *session, int argc, char **argv, char **out_text, char **err_text);
void rs_text_free(char *text);

void rs_command_line_usage(FILE *out);

#endif
