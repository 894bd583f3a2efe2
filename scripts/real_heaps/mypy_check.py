"""Real heap: Debian's mypy (compiled with mypyc) type-checking a package.

The first check runs with the collector on and its result is kept (a live
heap of mypyc native objects: the build graph, trees, symbol tables, types);
then the collector is turned off and a second check runs whose result is
dropped: everything it built is left as cyclic garbage. Truth and waiting as
in truth.py.
"""
import gc
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import truth  # noqa: E402

import mypy  # noqa: E402
from mypy import build  # noqa: E402
from mypy.main import process_options  # noqa: E402

# The package checked: Debian's PyYAML (pure Python, about 6000 lines), copied
# out of dist-packages so that mypy does not take all of dist-packages for
# its search path.
PACKAGE = os.environ.get("REAL_HEAPS_MYPY_PACKAGE", os.path.dirname(__import__("yaml").__file__))
WORK = tempfile.mkdtemp(prefix="real-heaps-mypy-")
SOURCE = os.path.join(WORK, os.path.basename(PACKAGE))
shutil.copytree(PACKAGE, SOURCE, ignore=shutil.ignore_patterns("*.so", "__pycache__"))
os.chdir(WORK)
ARGS = ["--cache-dir", os.devnull, "--no-error-summary", "--ignore-missing-imports", "--check-untyped-defs",
        os.path.basename(PACKAGE)]


def check():
    sources, options = process_options(ARGS, stdout=sys.stderr, stderr=sys.stderr)
    result = build.build(sources, options)
    return result


compiled = mypy.build.__file__.endswith(".so")
kept = check()
gc.collect()
gc.disable()
dropped = check()
errors = len(dropped.errors)
del dropped
os.chdir("/")
shutil.rmtree(WORK)

truth.serve("mypy", package=PACKAGE, mypy_compiled=compiled, mypy_errors=errors,
            modules_kept=len(kept.graph))
