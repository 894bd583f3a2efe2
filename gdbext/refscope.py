"""refscope inside gdb: the `py-heap` commands.

    (gdb) source /path/to/refscope/gdbext/refscope.py
    (gdb) py-heap summary
    (gdb) py-heap path op

Every subcommand runs the same C code as the `refscope` command line, through
librefscope: the text and --json output are the same. The inferior's Python
version does not matter (gdb's own Python only loads the library).

In a live session gdb already holds the process stopped: its memory is read
directly (refscope --pid PID --no-freeze), never attached again. In a core
session the core file gdb loaded is opened. The snapshot is kept while the
inferior stays stopped, so a second command on the same stop answers at once;
it is dropped when the inferior runs, exits or loads new objfiles.
"""
import ctypes
import ctypes.util
import inspect
import os
import re
import signal
import threading

import gdb

LIBRARY_NAME = "librefscope.so"
# gdb's `source` defines no __file__; the code object knows where it came from.
SCRIPT_PATH = os.path.abspath(inspect.currentframe().f_code.co_filename)

SUBCOMMANDS = {
    "info": ("Python version, layout source, interpreters, threads, gc summary.", "py-heap info", False),
    "gc": ("Per interpreter, per generation: threshold, count, objects, bytes.", "py-heap gc", False),
    "summary": ("Objects by type, largest first.  Options: --top N, --sort count|bytes.",
                "py-heap summary --top 10 --sort count", False),
    "objects": ("The instances, largest first.  Options: --type NAME (repeatable), --min-size N, "
                "--generation G, --garbage, --reachable, --retained (each one's retained size, largest first), "
                "--sort size|retained|refcnt, --top N.",
                "py-heap objects --type Handler --top 10", False),
    "show": ("One object: type, refcount, size, generation, retained size, dominator and a short repr.",
             "py-heap show op", True),
    "refs": ("What the object refers to, with how (via).", "py-heap refs $rdi", True),
    "referrers": ("The objects that refer to the object.", "py-heap referrers (PyObject *)0x7f0e61adf810", True),
    "path": ("A shortest chain of references from a named root to the object.  --dot FILE draws it.",
             "py-heap path self", True),
    "dominators": ("The objects that alone keep the object alive, nearest first, with retained sizes.",
                   "py-heap dominators self", True),
    "retainers": ("The shortest paths from the roots to every instance of a type, merged into one tree.  "
                  "Option: --type NAME (repeatable).", "py-heap retainers --type Handler", False),
    "top": ("The dominator tree from the roots down, largest retained first.  Options: --top N, --depth D, "
            "--min-percent P.", "py-heap top --depth 3", False),
    "suspects": ("Leak suspects: what alone keeps at least --threshold P% of the heap alive.",
                 "py-heap suspects --threshold 5", False),
    "cycles": ("Reference cycles, largest first.  Options: --min-size N, --top N, --dot FILE.",
               "py-heap cycles --min-size 3", False),
    "garbage": ("What gc.collect() would free now, in groups, with finalizers.  --dot FILE draws it.",
                "py-heap garbage --dot /tmp/garbage.dot", False),
    "refcheck": ("Objects whose refcount the heap and the roots do not explain (leaked references).",
                 "py-heap refcheck --top 20", False),
    "diff": ("What is new since a core taken earlier (CORE), and where it hangs: gdb's target against CORE.",
             "py-heap diff /tmp/core.before", "file"),
    "audit": ("Checks the heap against the limits of a rules file (one rule per line: MEASURE [GLOB] OP LIMIT; "
              "refscope --help lists the measures).  A broken rule is an error, after the table.",
              "py-heap audit --rules heap-limits.txt", False),
}
VALUED_OPTIONS = ("--top", "--sort", "--min-size", "--type", "--generation", "--depth", "--min-percent",
                  "--threshold", "--dot", "--layout", "--debug-dir", "--exe", "--rules")
AUDIT_BROKEN = 3  # refscope's exit status when an audit rule is broken
FLAG_OPTIONS = ("--json", "--garbage", "--reachable", "--retained")


def _library_path():
    here = os.path.dirname(SCRIPT_PATH)
    candidates = [
        os.path.join(here, LIBRARY_NAME),                                   # beside this script
        os.path.join(here, "..", "build", LIBRARY_NAME),                    # a built checkout
        os.path.join(here, "..", "..", "..", "lib", LIBRARY_NAME + ".0"),   # PREFIX/share/refscope/gdb
        os.path.join(here, "..", "..", "..", "lib", LIBRARY_NAME),
    ]
    for path in candidates:
        if os.path.exists(path):
            return os.path.normpath(path)
    return ctypes.util.find_library("refscope")


PROGRESS_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_uint64, ctypes.c_void_p)
READ_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_long, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_void_p, ctypes.c_size_t)
SIGACTION_SIZE = 256  # more than glibc's struct sigaction (152 bytes on x86_64)


class _CtrlC:
    """Ctrl-C while a walk runs: gdb's own SIGINT handler would only show
    "Quit" once the command returns, so for the length of the call a Python
    handler (run in gdb's main thread, which waits on the worker) asks the
    library to stop. gdb's C-level handler is saved and put back exactly,
    with sigaction, since Python cannot hand it back."""

    def __init__(self, on_interrupt):
        self.on_interrupt = on_interrupt
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.saved = ctypes.create_string_buffer(SIGACTION_SIZE)

    def __enter__(self):
        self.active = self.libc.sigaction(signal.SIGINT, None, self.saved) == 0
        if self.active:
            try:
                signal.signal(signal.SIGINT, lambda *_: self.on_interrupt())
            except (ValueError, OSError):
                self.active = False
        return self

    def __exit__(self, *_exc):
        if self.active:
            self.libc.sigaction(signal.SIGINT, self.saved, None)


class _Library:
    def __init__(self):
        path = _library_path()
        if not path:
            raise gdb.GdbError("py-heap: librefscope.so not found beside %s, in build/, or installed; "
                               "run make first" % SCRIPT_PATH)
        lib = ctypes.CDLL(path)
        lib.rs_session_new.restype = ctypes.c_void_p
        lib.rs_session_drop.argtypes = [ctypes.c_void_p]
        lib.rs_command_line_text.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p),
                                             ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)]
        lib.rs_command_line_text.restype = ctypes.c_int
        lib.rs_text_free.argtypes = [ctypes.c_void_p]
        lib.rs_session_set_progress.argtypes = [ctypes.c_void_p, PROGRESS_CALLBACK, ctypes.c_void_p]
        lib.rs_session_set_inferior.argtypes = [ctypes.c_void_p, READ_CALLBACK, ctypes.c_void_p,
                                                ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_uint64),
                                                ctypes.c_size_t]
        lib.rs_session_set_inferior.restype = ctypes.c_bool
        self.reader = READ_CALLBACK(_read_inferior_memory)
        self.inferior_files = None
        self.lib = lib
        self.session = lib.rs_session_new()
        self.seen = 0
        self.progress = PROGRESS_CALLBACK(self._progress)  # kept alive as long as the session
        lib.rs_session_set_progress(self.session, self.progress, None)

    def _progress(self, seen, _arg):
        self.seen = seen  # from the worker thread: only a number, printed by the main thread

    def use_inferior(self, files):
        """Reads the target through gdb (a remote gdb can reach and refscope cannot)."""
        if files == self.inferior_files:
            return
        paths = (ctypes.c_char_p * len(files))(*[path.encode() for path, _ in files])
        biases = (ctypes.c_uint64 * len(files))(*[bias for _, bias in files])
        if not self.lib.rs_session_set_inferior(self.session, self.reader, None, paths, biases, len(files)):
            raise gdb.GdbError("py-heap: out of memory")
        self.inferior_files = files

    def run_here(self, argv):
        """Runs a command line in gdb's own thread: needed when the library reads through gdb."""
        args = (ctypes.c_char_p * (len(argv) + 1))(*[a.encode() for a in ["refscope"] + argv])
        out, err = ctypes.c_void_p(), ctypes.c_void_p()
        rc = self.lib.rs_command_line_text(self.session, len(argv) + 1, args, ctypes.byref(out), ctypes.byref(err))
        return (rc,) + self._texts(out, err)

    def _texts(self, out, err):
        texts = []
        for buf in (out, err):
            texts.append(ctypes.string_at(buf.value).decode(errors="replace") if buf.value else "")
            self.lib.rs_text_free(buf)
        return tuple(texts)

    def run(self, argv):
        """Runs one refscope command line in a worker thread while the main
        thread reports progress and turns Ctrl-C into rs_interrupt().
        Returns (exit code, output, messages)."""
        args = (ctypes.c_char_p * (len(argv) + 1))(*[a.encode() for a in ["refscope"] + argv])
        out, err = ctypes.c_void_p(), ctypes.c_void_p()
        result = []
        worker = threading.Thread(target=lambda: result.append(self.lib.rs_command_line_text(
            self.session, len(argv) + 1, args, ctypes.byref(out), ctypes.byref(err))))
        self.seen, shown = 0, 0
        with _CtrlC(self.lib.rs_interrupt):
            worker.start()
            while worker.is_alive():
                try:
                    worker.join(0.1)
                except KeyboardInterrupt:
                    self.lib.rs_interrupt()
                if gdb.parameter("py-heap progress") and self.seen != shown:
                    shown = self.seen
                    gdb.write("py-heap: %d objects read...\n" % shown, gdb.STDERR)
        rc = result[0] if result else 2
        return (rc,) + self._texts(out, err)

    def drop(self, *_event):
        self.lib.rs_session_drop(self.session)


_library = None


def _lib():
    global _library
    if _library is None:
        _library = _Library()
        for registry in (gdb.events.cont, gdb.events.exited, gdb.events.new_objfile):
            registry.connect(_library.drop)
    return _library


def _read_inferior_memory(_arg, address, buf, size):
    """The library's reads, through gdb: how many bytes could be read from the start."""
    try:
        data = gdb.selected_inferior().read_memory(address, size)
    except (gdb.MemoryError, gdb.error, OverflowError):
        return 0
    ctypes.memmove(buf, bytes(data), size)
    return size


def _elf_text_address(path):
    """The address of .text in an ELF file, from its section headers."""
    import struct

    with open(path, "rb") as f:
        header = f.read(64)
        if header[:4] != b"\x7fELF" or header[4] != 2:
            return None
        shoff, = struct.unpack_from("<Q", header, 40)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", header, 58)
        f.seek(shoff)
        table = f.read(shentsize * shnum)
        names_offset = struct.unpack_from("<Q", table, shstrndx * shentsize + 24)[0]
        f.seek(names_offset)
        names = f.read(1 << 16)
        for i in range(shnum):
            name, _, _, addr = struct.unpack_from("<IIQQ", table, i * shentsize)
            if names[name:names.index(b"\0", name)] == b".text":
                return addr
    return None


def _loaded_files():
    """Every file gdb loaded, as a local path with its load bias, from `info files`."""
    text = {}
    main = gdb.current_progspace().filename
    for line in gdb.execute("info files", to_string=True).splitlines():
        m = re.match(r"\s*0x([0-9a-f]+) - 0x[0-9a-f]+ is \.text(?: in (.*))?$", line)
        if m:
            text.setdefault(m.group(2) or main, int(m.group(1), 16))
    files = []
    for path, runtime in text.items():
        local = path[len("target:"):] if path and path.startswith("target:") else path
        if not local or not os.path.exists(local):
            continue
        file_text = _elf_text_address(local)
        if file_text is not None:
            files.append((local, runtime - file_text))
    return files


def _target_args():
    """The refscope target for what gdb is looking at: its core file, its live
    process, or, for a target only gdb can reach (a remote), gdb itself."""
    described = gdb.execute("info target", to_string=True)
    core = re.search(r"Local core dump file:\s*`(.*)', file type", described)
    if core:
        args = [core.group(1)]
        exe = gdb.current_progspace().filename
        if exe and os.path.exists(exe):
            args = ["--exe", exe] + args
        return args
    inferior = gdb.selected_inferior()
    connection = getattr(inferior, "connection", None)
    native = connection is None or connection.type == "native"
    if inferior.pid > 0 and native:
        return ["--pid", str(inferior.pid), "--no-freeze"]
    if inferior.pid > 0:
        files = _loaded_files()
        if not files:
            raise gdb.GdbError("py-heap: cannot find the inferior's files on this machine")
        _lib().use_inferior(files)
        return ["--inferior"]
    raise gdb.GdbError("py-heap: no process and no core file: run or attach to a Python program, "
                       "or load its core (gdb PYTHON CORE)")


def _address(expression):
    """An object's address from any gdb expression: op, $rdi, 0x7f..., (PyObject *)p;
    or @ID, a node id of a heap snapshot export, as refscope takes it."""
    if re.fullmatch(r"@[0-9]+", expression.strip()):
        return expression.strip()
    try:
        value = gdb.parse_and_eval(expression)
        return "0x%x" % (int(value.cast(gdb.lookup_type("unsigned long"))) & 0xFFFFFFFFFFFFFFFF)
    except gdb.error as e:
        raise gdb.GdbError("py-heap: cannot evaluate %r: %s" % (expression, e))


def _split(argument, takes_address):
    """Options first (as the command line takes them), then the expression, spaces and all."""
    words = gdb.string_to_argv(argument)
    options, dot = [], None
    i = 0
    while i < len(words) and words[i].startswith("--"):
        word = words[i]
        if word in FLAG_OPTIONS:
            options.append(word)
        elif word in VALUED_OPTIONS and i + 1 < len(words):
            if word == "--dot":
                dot = words[i + 1]
            else:
                options += [word, words[i + 1]]
            i += 1
        else:
            raise gdb.GdbError("py-heap: unknown option %r" % word)
        i += 1
    expression = " ".join(words[i:])
    if takes_address == "file" and not expression:
        raise gdb.GdbError("py-heap: give the core to compare with, e.g. py-heap diff /tmp/core.before")
    if takes_address and not expression:
        raise gdb.GdbError("py-heap: give the object as an expression, e.g. 'op' or 0x7f...")
    if not takes_address and expression:
        raise gdb.GdbError("py-heap: unexpected argument %r" % expression)
    return options, dot, expression


class PyHeapTop(gdb.Parameter):
    """How many rows summary, cycles, garbage and refcheck show when --top is not given (0: the default)."""

    set_doc = "Set how many rows py-heap commands show."
    show_doc = "Show how many rows py-heap commands show."

    def __init__(self):
        super().__init__("py-heap top", gdb.COMMAND_DATA, gdb.PARAM_ZUINTEGER)
        self.value = 0

    def get_show_string(self, value):
        return "py-heap commands show %s rows." % (value if value != "0" else "their default number of")


class PyHeapProgress(gdb.Parameter):
    """Whether long walks report how many objects they have read."""

    set_doc = "Set whether py-heap reports progress."
    show_doc = "Show whether py-heap reports progress."

    def __init__(self):
        super().__init__("py-heap progress", gdb.COMMAND_DATA, gdb.PARAM_BOOLEAN)
        self.value = True

    def get_show_string(self, value):
        return "py-heap progress reports are %s." % value


class PyHeap(gdb.Command):
    """Look inside the Python heap of the inferior or core: refscope in gdb.

py-heap SUBCOMMAND [OPTIONS] [EXPRESSION]
Subcommands: info, gc, summary, objects, show, refs, referrers, path, dominators,
retainers, top, suspects, cycles, garbage, refcheck, audit, diff.
Options as for the refscope command line: --json, --top N, --sort, --type NAME,
--min-size N, --rules FILE, --dot FILE (write a Graphviz picture to FILE).
Settings: set py-heap top N, set py-heap progress on|off.
Ctrl-C stops a long walk; the session goes on.
Type "help py-heap SUBCOMMAND" for each one."""

    def __init__(self):
        super().__init__("py-heap", gdb.COMMAND_DATA, gdb.COMPLETE_NONE, True)


class PyHeapSubcommand(gdb.Command):
    def __init__(self, name, summary, example, takes_address):
        self.__doc__ = "%s\n\nExample: %s\nOptions: %s" % (summary, example, " ".join(FLAG_OPTIONS + VALUED_OPTIONS))
        self.name = name
        self.takes_address = takes_address
        super().__init__("py-heap " + name, gdb.COMMAND_DATA)

    def complete(self, text, word):
        if word is not None and word.startswith("-"):
            return [o for o in FLAG_OPTIONS + VALUED_OPTIONS if o.startswith(word)]
        if self.name == "summary" and text.rstrip().endswith("--sort"):
            return ["count", "bytes"]
        if self.takes_address == "file":
            return gdb.COMPLETE_FILENAME
        return gdb.COMPLETE_EXPRESSION if self.takes_address else gdb.COMPLETE_NONE

    def invoke(self, argument, from_tty):
        options, dot, expression = _split(argument, self.takes_address)
        if self.takes_address == "file":  # diff CORE: the core goes before gdb's target
            argv = options + [self.name, os.path.expanduser(expression)] + _target_args()
        else:
            argv = options + [self.name] + _target_args()
            if expression:
                argv.append(_address(expression))
        top = gdb.parameter("py-heap top")
        if top and "--top" not in options and self.name in ("summary", "cycles", "garbage", "refcheck"):
            argv[len(options):len(options)] = ["--top", str(top)]
        if dot:
            argv.insert(0, "--dot")
        lib = _lib()
        rc, output, messages = lib.run_here(argv) if "--inferior" in argv else lib.run(argv)
        if rc == AUDIT_BROKEN and self.name == "audit":
            gdb.write(output)
            raise gdb.GdbError("py-heap audit: a rule is broken")
        if rc != 0:
            raise gdb.GdbError(messages.strip().replace("\ntry 'refscope --help'", "") or
                               "py-heap %s failed (exit %d)" % (self.name, rc))
        if dot:
            with open(dot, "w") as f:
                f.write(output)
            gdb.write("py-heap: picture written to %s (render it with: dot -Tsvg %s)\n" % (dot, dot))
        else:
            gdb.write(output)


def _register():
    PyHeap()
    gdb.Command("set py-heap", gdb.COMMAND_DATA, gdb.COMPLETE_NONE, True)
    gdb.Command("show py-heap", gdb.COMMAND_DATA, gdb.COMPLETE_NONE, True)
    PyHeapTop()
    PyHeapProgress()
    for name, (summary, example, takes_address) in SUBCOMMANDS.items():
        PyHeapSubcommand(name, summary, example, takes_address)


_register()
