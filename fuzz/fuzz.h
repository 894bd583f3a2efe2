/* The libFuzzer entry points the harnesses define. Built with clang and
 * -fsanitize=fuzzer they are driven by libFuzzer; built with any compiler
 * and fuzz/replay.c they replay saved inputs (make check). */
#ifndef REFSCOPE_FUZZ_H
#define REFSCOPE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
