"""Every C type with Py_TPFLAGS_HAVE_GC that CPython's core and its standard-library
extension modules define, and an instance of each that the catalogues can build,
with gc.get_referents of each instance: the ground truth for refscope's refs.

Imports every C extension module the interpreter has (built in, or in lib-dynload) but
test and demo modules and those whose import has side effects, enumerates the GC C types
(a class statement's type is no C type: its tp_traverse is subtype_traverse), calls every
constructor of tests/programs/catalogue_*.py (a missing catalogue counts as empty) and
holds what they return. Prints one JSON line:
  version, modules_skipped {name: reason}, errors [text] (a constructor that returned
  another type than it claims, a catalogue that failed to import), output (the end of
  what imports and constructors printed),
  gc_types [{tp_name, module, built, reason (when not built)}],
  instances [{tp_name, c_type (the C type it stands for: tp_name, or the C base a
  constructor names for an instance of a Python subclass), address, source, referents
  [id], referent_types [tp_name]}]
then answers on stdin:
  check  one JSON line {"changed": [addresses whose referents are not the printed ones]}
  alive  "alive N" (the process still computes)
  quit   exit
CPython 3.8 to 3.15, x86-64 Linux (type fields are read from /proc/self/mem).
"""
import bisect
import gc
import importlib
import importlib.machinery
import json
import os
import signal
import sys
import tempfile
import types

HAVE_GC = 1 << 14
HEAPTYPE = 1 << 9
# Py_TRACE_REFS (sys.getobjects) puts _ob_next and _ob_prev before ob_refcnt up to 3.12.
HEAD = 16 if hasattr(sys, "getobjects") and sys.version_info < (3, 13) else 0
TP_NAME_OFFSET = HEAD + 24  # PyTypeObject.tp_name on x86-64, 3.8 to 3.15 (checked with DWARF)
TP_TRAVERSE_OFFSET = HEAD + 184  # PyTypeObject.tp_traverse, likewise
STARTUP_SECONDS = 300
CATALOGUES = ("catalogue_core", "catalogue_stdlib", "catalogue_modules")
TEST_PREFIXES = ("_test", "xx", "_xx", "_ctypes_test")
SIDE_EFFECTS = {
    "readline": "import initialises GNU readline on the terminal and installs the interpreter's input hook",
}

HELD = []  # everything the truth describes stays alive: instances, their referents, KEEPs


class Memory:
    """This process's own memory, read without running C code on it."""

    def __init__(self):
        self.fd = os.open("/proc/self/mem", os.O_RDONLY)

    def u64(self, address):
        return int.from_bytes(os.pread(self.fd, 8, address), "little")

    def c_string(self, address, limit=512):
        data = os.pread(self.fd, limit, address)
        return data.split(b"\0", 1)[0].decode("utf-8", "replace")

    def tp_name(self, cls):
        return self.c_string(self.u64(id(cls) + TP_NAME_OFFSET))

    def tp_traverse(self, cls):
        return self.u64(id(cls) + TP_TRAVERSE_OFFSET)


class Plain:
    """A class statement's type: its tp_traverse is subtype_traverse, as for every
    Python class with Py_TPFLAGS_HAVE_GC (its tp_dealloc, subtype_dealloc, is also
    that of PyType_FromSpec types without their own)."""


def c_base(cls, memory):
    """The nearest type of cls's MRO that no class statement made (cls, when it is one)."""
    subtype_traverse = memory.tp_traverse(Plain)
    return next((k for k in cls.__mro__
                 if not k.__flags__ & HAVE_GC or memory.tp_traverse(k) != subtype_traverse), object)


class Mappings:
    """The files mapped into this process, to tell which one defines a type: the file
    holding a static type object, or a heap type's tp_traverse."""

    def __init__(self, dynload):
        self.starts, self.rows = [], []
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split(None, 5)
                start, end = (int(x, 16) for x in parts[0].split("-"))
                self.starts.append(start)
                self.rows.append((end, parts[5].strip() if len(parts) > 5 else ""))
        self.dynload = os.path.realpath(dynload) if dynload else None

    def file_of(self, address):
        i = bisect.bisect_right(self.starts, address) - 1
        if i < 0 or address >= self.rows[i][0]:
            return ""
        # A zero-initialised static type lies in .bss: anonymous memory right after its file.
        while i > 0 and not self.rows[i][1] and self.rows[i - 1][0] == self.starts[i]:
            i -= 1
        return self.rows[i][1]

    def extension_of(self, address):
        """The lib-dynload module name holding address; "" for the interpreter
        itself; None for any other file (a third-party library, anonymous memory)."""
        path = self.file_of(address)
        if not path.startswith("/"):
            return None
        if self.dynload and os.path.dirname(os.path.realpath(path)) == self.dynload:
            return os.path.basename(path).split(".", 1)[0]
        base = os.path.basename(path)
        if base.startswith("libpython") or base.startswith("python"):
            return ""
        return None


class CapturedOutput:
    """What imports and constructors write on file descriptors 1 and 2 goes to a file:
    stdout carries only the truth, and a full stderr pipe cannot block the program.
    The text is kept in .text."""

    def __enter__(self):
        sys.stdout.flush()
        sys.stderr.flush()
        self.file = tempfile.TemporaryFile()
        self.saved = [os.dup(1), os.dup(2)]
        os.dup2(self.file.fileno(), 1)
        os.dup2(self.file.fileno(), 2)
        return self

    def __exit__(self, *exc):
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, saved in zip((1, 2), self.saved):
            os.dup2(saved, fd)
            os.close(saved)
        self.file.seek(0)
        self.text = self.file.read().decode("utf-8", "replace")
        self.file.close()


def dynload_dir():
    for name in ("_json", "math", "_ssl", "select", "array", "_struct"):
        path = getattr(sys.modules.get(name) or _try_import(name), "__file__", None)
        if path and os.path.basename(os.path.dirname(path)) == "lib-dynload":
            return os.path.dirname(path)
    for entry in sys.path:
        if os.path.basename(entry) == "lib-dynload" and os.path.isdir(entry):
            return entry
    import sysconfig
    shared = sysconfig.get_config_var("DESTSHARED")
    return shared if shared and os.path.isdir(shared) else None


def _try_import(name):
    try:
        return importlib.import_module(name)
    except Exception:
        return None


def extension_module_names():
    names = set(sys.builtin_module_names)
    where = dynload_dir()
    if where:
        suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
        for entry in os.listdir(where):
            if entry.endswith(suffixes):
                names.add(entry.split(".", 1)[0])
    return sorted(names)


def import_modules(skipped):
    modules = []
    for name in extension_module_names():
        if name.startswith(TEST_PREFIXES):
            skipped[name] = "test or demo module"
            continue
        if name in SIDE_EFFECTS:
            skipped[name] = SIDE_EFFECTS[name]
            continue
        try:
            modules.append(importlib.import_module(name))
        except BaseException as e:  # SystemExit, ImportError, OSError from a missing library
            skipped[name] = "import failed: %s: %s" % (type(e).__name__, e)
    return modules


def load_catalogues(errors):
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)
    loaded = []
    for name in CATALOGUES:
        if not os.path.exists(os.path.join(here, name + ".py")):
            continue  # not written yet: empty
        try:
            module = importlib.import_module(name)
        except BaseException as e:
            errors.append("%s: import failed: %s: %s" % (name, type(e).__name__, e))
            continue
        loaded.append(module)
    return loaded


def describe(e):
    text = "%s: %s" % (type(e).__name__, e)
    return text if len(text) <= 300 else text[:297] + "..."


def build_instances(catalogues, memory, errors):
    """[(tp_name, c_type, instance, source)], {tp_name: [constructor exceptions]},
    {tp_name: reason}. c_type is the C type an instance stands for: its own, or for an
    instance of a Python subclass, the C base the constructor names."""
    built, failures, unbuildable = [], {}, {}
    for catalogue in catalogues:
        unbuildable.update(getattr(catalogue, "UNBUILDABLE", {}))
        for claimed, constructor in getattr(catalogue, "CONSTRUCTORS", []):
            source = "%s.%s" % (catalogue.__name__, getattr(constructor, "__name__", "?"))
            try:
                instance = constructor()
            except BaseException as e:
                failures.setdefault(claimed, []).append("%s: %s" % (source, describe(e)))
                continue
            actual = memory.tp_name(type(instance))
            c_type = actual
            if actual != claimed:
                base = memory.tp_name(c_base(type(instance), memory))
                if base == claimed:
                    c_type = base
                else:
                    errors.append("%s claims %s but returned %s%s" % (
                        source, claimed, actual, "" if base == actual else " (a Python subclass of %s)" % base))
            built.append((actual, c_type, instance, source))
        HELD.append(getattr(catalogue, "KEEP", None))
    return built, failures, unbuildable


def all_types(modules, instances):
    found = {}

    def add(cls):
        if isinstance(cls, type) and id(cls) not in found:
            found[id(cls)] = cls
            add(type(cls))
            return True
        return False

    pending = [object, type]
    for namespace in [types] + modules:
        for value in list(vars(namespace).values()):
            pending.append(value if isinstance(value, type) else type(value))
    pending += [type(o) for o in gc.get_objects()]
    pending += [type(o) for o in instances]
    while pending:
        cls = pending.pop()
        if add(cls):
            try:
                pending.extend(type.__subclasses__(cls))
            except TypeError:
                pass
            pending.extend(c for c in vars(cls).values() if isinstance(c, type))
    return list(found.values())


def is_test_module(name):
    return name.split(".", 1)[0].startswith(TEST_PREFIXES)


def gc_c_types(classes, memory, mappings, skipped):
    """{tp_name: module} of the standard library's C types whose instances the
    collector tracks; the types of test modules and of other libraries are left out."""

    subtype_traverse = memory.tp_traverse(Plain)
    found = {}
    for cls in classes:
        traverse = memory.tp_traverse(cls)
        if not cls.__flags__ & HAVE_GC or traverse == subtype_traverse:
            continue
        name = memory.tp_name(cls)
        module = getattr(cls, "__module__", None)
        if not isinstance(module, str):
            module = name.rpartition(".")[0] or "builtins"
        where = mappings.extension_of(traverse if cls.__flags__ & HEAPTYPE else id(cls))
        if where is None or is_test_module(where) or is_test_module(module) or module in skipped:
            continue
        found.setdefault(name, where if module == "builtins" and where else module)
    return found


def referents(objects):
    return [[id(r) for r in gc.get_referents(o)] for o in objects]


def main():
    signal.alarm(STARTUP_SECONDS)  # a constructor that blocks ends the program (its default action)
    gc.disable()
    memory = Memory()
    skipped, errors = {}, []
    with CapturedOutput() as output:
        modules = import_modules(skipped)
        catalogues = load_catalogues(errors)
        built, failures, unbuildable = build_instances(catalogues, memory, errors)
    instances = [instance for _, _, instance, _ in built]
    mappings = Mappings(dynload_dir())
    gc_types = gc_c_types(all_types(modules, instances), memory, mappings, skipped)
    built_names = {c_type for _, c_type, _, _ in built}
    rows = []
    for name in sorted(gc_types):
        row = {"tp_name": name, "module": gc_types[name], "built": name in built_names}
        if not row["built"]:
            row["reason"] = unbuildable.get(name) or "; ".join(failures.get(name, [])) or "no constructor"
        rows.append(row)
    HELD.append(instances)
    held = [gc.get_referents(o) for o in instances]
    HELD.append(held)
    seen = [[id(r) for r in refs] for refs in held]
    seen_types = [[memory.tp_name(type(r)) for r in refs] for refs in held]
    truth = {
        "version": "%d.%d.%d" % sys.version_info[:3],
        "modules_skipped": skipped,
        "errors": errors,
        "output": output.text[-4000:],  # the end of what imports and constructors printed
        "gc_types": rows,
        "instances": [{"tp_name": name, "c_type": c_type, "address": id(instance), "source": source,
                       "referents": ids, "referent_types": names}
                      for (name, c_type, instance, source), ids, names in zip(built, seen, seen_types)],
    }
    sys.stdout.write(json.dumps(truth) + "\n")
    sys.stdout.flush()
    signal.alarm(0)
    serve(instances, seen)


def serve(instances, seen):
    for line in sys.stdin:
        command = line.strip()
        if command == "quit":
            break
        if command == "check":
            now = referents(instances)
            changed = [id(o) for o, a, b in zip(instances, seen, now) if sorted(a) != sorted(b)]
            reply = json.dumps({"changed": changed})
        elif command == "alive":
            n = 1234
            reply = "alive %d" % sum(range(n))
        else:
            reply = "unknown command %r" % command
        sys.stdout.write(reply + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
