# refscope: build with `make`, test with `make check`, install with
# `make install PREFIX=/usr/local`. Missing Debian packages are installed
# first (when run as root).

PREFIX ?= /usr/local
# SANITIZE=1 builds with AddressSanitizer and UndefinedBehaviorSanitizer, apart.
BUILD ?= $(if $(filter 1,$(SANITIZE)),build-sanitize,build)
CC ?= cc
VERSION = 0.1.0

PKGS = libdw libelf json-c sqlite3 libzstd liblz4 liblzma
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -pthread -fPIC $(WARN) $(CFLAGS) -Iinclude -Icoreparse \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -ldw -lelf -ljson-c -lsqlite3 -lzstd -llz4 -llzma) -lm -pthread

ifeq ($(SANITIZE),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
# The gdb extension loads the library into gdb, which has no sanitizer runtime.
# The sanitizer run takes every layout source, the oldest and newest versions
# and the Py_TRACE_REFS build (whose field offsets all move), not all 18
# interpreters: half the time of the full matrix.
SANITIZE_INTERPRETERS = pyenv-3.6,trace-refs,pyenv-3.10,debian-3.11-stripped,pyenv-3.12,sid-3.13-debug-offsets,sid-3.14-dwarf,sid-3.15-debug-offsets
E2E_ENV = REFSCOPE_BIN=$(abspath $(BUILD))/refscope REFSCOPE_SKIP_GDB="built with sanitizers" \
	REFSCOPE_INTERPRETERS=$(SANITIZE_INTERPRETERS)
endif

LIB_SRC = $(wildcard coreparse/*.c coreparse/*/*.c) $(wildcard commands/*.c)
CLI_SRC = cli/main.c
UNIT_SRC = $(wildcard tests/unit/*.c)

LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ = $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test-deps trace-refs-python sid-python check unit e2e install clean demo bench fuzz fuzz-deps fuzz-replay tsan
all: deps $(BUILD)/refscope $(BUILD)/librefscope.so $(BUILD)/librefscope.a

deps:
	@scripts/ensure-deps.sh build

test-deps:
	@scripts/ensure-deps.sh test

# Order-only on deps: with make -j the headers must be installed before the
# first compiler starts.
$(BUILD)/%.o: %.c $(wildcard include/*.h coreparse/*.h coreparse/*/*.h commands/*.h) | deps
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/librefscope.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/librefscope.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,librefscope.so.0 $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/refscope: $(CLI_OBJ) $(BUILD)/librefscope.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/librefscope.a $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/librefscope.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/librefscope.a $(LIBS) -lcmocka

unit: test-deps all $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# The end-to-end tests run on every core (pytest-xdist), a test file to a
# worker: the processes and cores a file's tests share are made once. One
# worker more than the cores: a test waits on its targets a third of the time
# (gcore, a live target's start, ptrace). On two cores and a slow day, three
# workers ran the suite alone in 10:34, the cores 89% busy, and CI's sanitizer
# stage went from 13:06 to 11:20-12:06. In make check on a fresh clone the
# trace-refs builds compile beside the suite and keep the cores busy anyway:
# 13:24-14:33 with two, 14:01-14:20 with three. The slowest tests are listed
# at the end, for the CI budget (make check <= 15 min).
E2E_JOBS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); n=$$((n + 1)); [ "$$n" -gt 4 ] && n=4; echo $$n)

# CPython 3.11 and 3.13 with Py_TRACE_REFS take three and one and a half
# minutes of compiling to build: in the background, one after the other,
# from as early as their packages are there, while make builds and runs what
# uses one core at a time (the unit tests, the fixtures' downloads). The
# tests that need one wait for it (its lock).
trace-refs-python: test-deps
	mkdir -p .cache && (tests/fixtures/trace-refs-python.sh 3.11; tests/fixtures/trace-refs-python.sh 3.13) \
		>.cache/trace-refs.log 2>&1 &

# The unstable suite's interpreters are a download of 1.5 minutes on a fresh
# clone: in the background as well, while make compiles. e2e runs the
# fixture again, which waits for that one (its lock) and finds its work done.
sid-python: test-deps
	mkdir -p .cache && tests/fixtures/sid-python.sh >.cache/sid-python.log 2>&1 &

e2e: test-deps all trace-refs-python sid-python
	tests/fixtures/sid-python.sh
	tests/fixtures/devtools-toolkit.sh
	cd tests/e2e && $(E2E_ENV) /usr/bin/python3 -m pytest -ra -q -n $(E2E_JOBS) --dist loadfile --durations=15

check: trace-refs-python sid-python unit e2e fuzz-replay

# libFuzzer harnesses (fuzz/): `make fuzz` builds them with clang into
# build-fuzz/ and runs each for FUZZ_SECONDS; `make fuzz-replay` (part of
# `make check`) runs their seeds and regression inputs through the same
# code built with $(CC).
FUZZ_HARNESSES = fuzz_core_reader fuzz_heap_walker
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang-14
FUZZ_BUILD = build-fuzz
# The heap harness's base core, committed compressed, unpacked per build.
FUZZ_SEED_CORE = fuzz/seeds/python3.11.core.gz
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 $(FUZZ_SAN) -Iinclude -Icoreparse -Ifuzz \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_LIB_OBJ = $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_HEADERS = $(wildcard include/*.h coreparse/*.h coreparse/*/*.h commands/*.h fuzz/*.h)
.SECONDARY: $(FUZZ_LIB_OBJ)

fuzz-deps:
	@scripts/ensure-deps.sh fuzz

$(FUZZ_BUILD)/%.o: %.c $(FUZZ_HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

%/python3.11.core: $(FUZZ_SEED_CORE)
	@mkdir -p $(dir $@)
	gzip -dc $< > $@.tmp && mv $@.tmp $@

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c fuzz/exercise.c $(FUZZ_LIB_OBJ) $(FUZZ_HEADERS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -DFUZZ_BASE_CORE='"$(abspath $(FUZZ_BUILD)/python3.11.core)"' \
		-o $@ $< fuzz/exercise.c $(FUZZ_LIB_OBJ) $(LIBS)

# The graph build's helper threads under ThreadSanitizer, on a real-world
# core and a generated one (tests/tsan_check.py): a data race fails it.
TSAN_BUILD = build-tsan
tsan: test-deps
	@$(MAKE) --no-print-directory BUILD=$(TSAN_BUILD) CFLAGS="-O1 -g -fsanitize=thread" \
		LDFLAGS=-fsanitize=thread $(TSAN_BUILD)/refscope
	/usr/bin/python3 tests/tsan_check.py $(TSAN_BUILD)/refscope

fuzz: fuzz-deps
	@$(MAKE) --no-print-directory $(FUZZ_HARNESSES:%=$(FUZZ_BUILD)/%) $(FUZZ_BUILD)/python3.11.core
	@fuzz/run.sh $(FUZZ_BUILD) fuzz_core_reader $(FUZZ_SECONDS) 8388608 $(FUZZ_BUILD)/python3.11.core
	@fuzz/run.sh $(FUZZ_BUILD) fuzz_heap_walker $(FUZZ_SECONDS) 4096

$(BUILD)/fuzz/replay_%: fuzz/replay.c fuzz/%.c fuzz/exercise.c $(BUILD)/librefscope.a $(FUZZ_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Ifuzz -DFUZZ_BASE_CORE='"$(abspath $(BUILD)/fuzz/python3.11.core)"' $(LDFLAGS) \
		-o $@ fuzz/replay.c fuzz/$*.c fuzz/exercise.c $(BUILD)/librefscope.a $(LIBS)

fuzz-replay: test-deps all $(FUZZ_HARNESSES:%=$(BUILD)/fuzz/replay_%) $(BUILD)/fuzz/python3.11.core
	$(BUILD)/fuzz/replay_fuzz_core_reader $(BUILD)/fuzz/python3.11.core fuzz/corpus/fuzz_core_reader \
		fuzz/regressions/fuzz_core_reader
	$(BUILD)/fuzz/replay_fuzz_heap_walker fuzz/corpus/fuzz_heap_walker fuzz/regressions/fuzz_heap_walker

demo: all
	@scripts/demo.sh

# Speed and memory against in-process Python and the floor (bench/run.py --help).
bench: test-deps all
	/usr/bin/python3 bench/run.py $(BENCH_ARGS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(BUILD)/refscope $(DESTDIR)$(PREFIX)/bin/refscope
	install -m 644 $(BUILD)/librefscope.a $(DESTDIR)$(PREFIX)/lib/librefscope.a
	install -m 755 $(BUILD)/librefscope.so $(DESTDIR)$(PREFIX)/lib/librefscope.so.0
	ln -sf librefscope.so.0 $(DESTDIR)$(PREFIX)/lib/librefscope.so
	install -m 644 include/refscope.h $(DESTDIR)$(PREFIX)/include/refscope.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' refscope.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/refscope.pc
	install -d $(DESTDIR)$(PREFIX)/share/refscope/gdb
	install -m 644 gdbext/refscope.py $(DESTDIR)$(PREFIX)/share/refscope/gdb/refscope.py
	@echo "gdb: add this line to ~/.gdbinit to have the py-heap commands:"
	@echo "  source $(PREFIX)/share/refscope/gdb/refscope.py"

clean:
	rm -rf build build-sanitize $(FUZZ_BUILD)
