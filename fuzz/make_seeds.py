#!/usr/bin/python3
"""Regenerates the fuzzers' seed corpus (fuzz/corpus/) from a real core.

Starts /usr/bin/python3.11 -I -S fuzz/seed_heap.py (a small heap with every
kind of object refscope decodes), takes a core of it with gdb's gcore, and
keeps of that core only the pages a full refscope walk reads (found by
running the heap harness's replay driver on it with REFSCOPE_FUZZ_RECORD):
the rest of each PT_LOAD segment is left out of the file as the kernel's
coredump_filter would leave it out, so the core stays small (about 4 MiB,
under 1 MiB compressed) and is still read whole. Checks that refscope answers the same on the
full and the small core, then writes:

  fuzz/seeds/python3.11.core.gz    the small core, compressed (make unpacks it
                                   into the build directory): a seed of the
                                   core reader and the base the heap harness
                                   patches
  fuzz/corpus/fuzz_core_reader/*   a few cores broken in known ways
  fuzz/corpus/fuzz_heap_walker/*   a few patch lists

The core names /usr/bin/python3.11 and its libraries in NT_FILE: seeds work
where Debian's python3.11 is installed at the same version (as CI installs
it). Needs gdb and a gcc build (make); run from anywhere: python3 fuzz/make_seeds.py
"""
import gzip
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = "/usr/bin/python3.11"
BASE = os.path.join(ROOT, "fuzz", "seeds", "python3.11.core.gz")
PAGE = 4096
PT_LOAD = 1
PT_NOTE = 4
NT_FILE = 0x46494C45
SMALL_SEGMENT = 64 * 1024

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
PHDR = struct.Struct("<IIQQQQQQ")


def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def take_core(tmp):
    proc = subprocess.Popen([PYTHON, "-I", "-S", os.path.join(ROOT, "fuzz", "seed_heap.py")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={"PATH": "/usr/bin:/bin"})
    try:
        if proc.stdout.readline().strip() != b"ready":
            sys.exit("make_seeds: the seed program did not start")
        prefix = os.path.join(tmp, "core")
        run("gcore", "-o", prefix, str(proc.pid), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return "%s.%d" % (prefix, proc.pid)
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


def recorded_pages(core, tmp):
    run("make", "-s", "-C", ROOT, "build/fuzz/replay_fuzz_heap_walker")
    pages = set()
    # With the system's DWARF (as the CLI reads the core) and without (as
    # the harnesses do by default).
    for dwarf in ({"REFSCOPE_FUZZ_DWARF": "1"}, {}):
        pages_file = os.path.join(tmp, "pages")
        env = dict(os.environ, REFSCOPE_FUZZ_BASE_CORE=core, REFSCOPE_FUZZ_RECORD=pages_file, **dwarf)
        env.pop("REFSCOPE_FUZZ_DWARF", None) if not dwarf else None
        run(os.path.join(ROOT, "build", "fuzz", "replay_fuzz_heap_walker"), env=env, stdout=subprocess.DEVNULL)
        with open(pages_file) as f:
            pages |= {int(line, 16) for line in f if line.strip()}
    return pages


def read_core(path):
    with open(path, "rb") as f:
        data = f.read()
    ehdr = list(EHDR.unpack_from(data, 0))
    phoff, phentsize, phnum = ehdr[5], ehdr[9], ehdr[10]
    phdrs = [list(PHDR.unpack_from(data, phoff + i * phentsize)) for i in range(phnum)]
    return data, ehdr, phdrs


def file_headers(data, phdrs):
    """[start, end) of the first page of every file the NT_FILE note maps
    from its start: where libdwfl reads ELF headers and build-ids."""
    ranges = []
    for ph in phdrs:
        if ph[0] != PT_NOTE:
            continue
        at, end = ph[2], ph[2] + ph[5]
        while at + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", data, at)
            desc = at + 12 + ((namesz + 3) & ~3)
            if ntype == NT_FILE:
                count = struct.unpack_from("<Q", data, desc)[0]
                for i in range(count):
                    start, stop, offset = struct.unpack_from("<QQQ", data, desc + 16 + 24 * i)
                    if offset == 0:
                        ranges.append((start, start + PAGE))
            at = desc + ((descsz + 3) & ~3)
    return ranges


def write_core(path, data, ehdr, phdrs, keep_page):
    """The core with only the pages keep_page(address) wants in the file:
    each PT_LOAD becomes runs of kept pages (filesz = memsz) and of left-out
    ones (filesz 0). Notes and other segments are copied as they are."""
    out_phdrs = []
    for ph in phdrs:
        p_type, flags, offset, vaddr, paddr, filesz, memsz, align = ph
        if p_type != PT_LOAD or filesz == 0:
            out_phdrs.append((ph, None))
            continue
        run_start, run_keep = vaddr, None
        for page in range(vaddr, vaddr + memsz, PAGE):
            keep = page < vaddr + filesz and keep_page(page)
            if run_keep is not None and keep != run_keep:
                out_phdrs.append(([p_type, flags, 0, run_start, 0, page - run_start if run_keep else 0,
                                   page - run_start, align], offset + (run_start - vaddr) if run_keep else None))
                run_start = page
            run_keep = keep
        end = vaddr + memsz
        out_phdrs.append(([p_type, flags, 0, run_start, 0, end - run_start if run_keep else 0, end - run_start, align],
                          offset + (run_start - vaddr) if run_keep else None))
    phoff = EHDR.size
    at = phoff + len(out_phdrs) * PHDR.size
    body = []
    for ph, src in out_phdrs:
        if ph[0] != PT_LOAD:
            src = ph[2]
        if ph[5]:
            at = (at + 7) & ~7
            body.append((at, data[src:src + ph[5]]))
            ph[2] = at
            at += ph[5]
        else:
            ph[2] = at
    ehdr = list(ehdr)
    ehdr[5], ehdr[10] = phoff, len(out_phdrs)
    ehdr[6] = 0  # no section headers
    ehdr[12], ehdr[13] = 0, 0
    out = bytearray(at)
    EHDR.pack_into(out, 0, *ehdr)
    for i, (ph, _) in enumerate(out_phdrs):
        PHDR.pack_into(out, phoff + i * PHDR.size, *ph)
    for offset, chunk in body:
        out[offset:offset + len(chunk)] = chunk
    with open(path, "wb") as f:
        f.write(out)
    return len(out)


def answers(core):
    refscope = os.path.join(ROOT, "build", "refscope")
    result = {}
    for cmd in (["summary"], ["gc"], ["garbage"], ["cycles"], ["refcheck"]):
        p = subprocess.run([refscope, "--json"] + cmd + [core], capture_output=True, text=True)
        doc = json.loads(p.stdout) if p.returncode == 0 else {"exit": p.returncode, "stderr": p.stderr}
        doc.get("target", {}).pop("name", None)
        result[cmd[0]] = doc
    return result


def patch(op, where, offset, data):
    return struct.pack("<BIHB", op, where, offset, len(data)) + bytes(data)


def heap_seeds(rng):
    """Patch lists: none; object headers (refcount, type, size) overwritten
    and flipped; bytes flipped anywhere in the core's memory."""
    seeds = {"none": b""}
    big = struct.pack("<q", 1 << 62)
    seeds["refcounts"] = b"".join(patch(0, rng.randrange(1 << 16), 16, big) for _ in range(8))
    seeds["types"] = b"".join(patch(1, rng.randrange(1 << 16), 24, [0, rng.randrange(256), 0x10])
                              for _ in range(8))
    seeds["sizes"] = b"".join(patch(0, rng.randrange(1 << 16), 32, struct.pack("<q", rng.choice([-1, 1 << 40, 3])))
                              for _ in range(8))
    seeds["gc-links"] = b"".join(patch(1, rng.randrange(1 << 16), rng.randrange(16), [1 << rng.randrange(8)])
                                 for _ in range(8))
    seeds["memory"] = b"".join(patch(3, rng.randrange(1 << 32), rng.randrange(1 << 16),
                                     [1 << rng.randrange(8)] * rng.randrange(1, 9)) for _ in range(16))
    return seeds


def main():
    for tool in (PYTHON, shutil.which("gcore")):
        if not tool or not os.path.exists(tool):
            sys.exit("make_seeds: needs %s" % (tool or "gcore (gdb)"))
    run("make", "-s", "-C", ROOT, "build/refscope")
    core_dir = os.path.join(ROOT, "fuzz", "corpus", "fuzz_core_reader")
    heap_dir = os.path.join(ROOT, "fuzz", "corpus", "fuzz_heap_walker")
    with tempfile.TemporaryDirectory() as tmp:
        full = take_core(tmp)
        pages = recorded_pages(full, tmp)
        data, ehdr, phdrs = read_core(full)
        small = os.path.join(tmp, "python3.11.core")
        # Besides the pages the walk read: the mapped files' ELF headers,
        # and small segments whole (the modules' dynamic sections and data,
        # where libdwfl finds the link map).
        whole = file_headers(data, phdrs) + [(ph[3], ph[3] + ph[6]) for ph in phdrs
                                             if ph[0] == PT_LOAD and ph[6] <= SMALL_SEGMENT]
        size = write_core(small, data, ehdr, phdrs,
                          lambda page: page in pages or any(a <= page < b for a, b in whole))
        before, after = answers(full), answers(small)
        if before != after:
            for k in before:
                if before[k] != after[k]:
                    print("make_seeds: %s differs:\n%s\n%s" % (k, json.dumps(before[k])[:2000],
                                                               json.dumps(after[k])[:2000]), file=sys.stderr)
            sys.exit("make_seeds: the small core does not answer as the full one does")
        for d in (core_dir, heap_dir):
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d)
        with open(small, "rb") as f:
            small_data = f.read()
        os.makedirs(os.path.dirname(BASE), exist_ok=True)
        with open(BASE, "wb") as raw, gzip.GzipFile("python3.11.core", "wb", 9, raw, mtime=0) as f:
            f.write(small_data)
        # Cores broken in known ways: every PT_LOAD filtered out (nothing
        # but notes), and cut short (refused as truncated).
        _, ehdr2, phdrs2 = read_core(small)
        write_core(os.path.join(core_dir, "notes-only.core"), small_data, ehdr2, phdrs2, lambda page: False)
        with open(os.path.join(core_dir, "truncated.core"), "wb") as f:
            f.write(small_data[:64 * 1024])
        rng = random.Random(5)
        for name, seed in heap_seeds(rng).items():
            with open(os.path.join(heap_dir, name), "wb") as f:
                f.write(seed)
    print("make_seeds: %d pages kept: the core is %d KiB (%d KiB compressed; the full core: %d KiB)"
          % (len(pages), size // 1024, os.path.getsize(BASE) // 1024, len(data) // 1024))


if __name__ == "__main__":
    main()
