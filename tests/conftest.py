"""Shared pytest setup.

Options:
  --runslow   run tests marked `slow`, and the `#| slow` cells of the notebooks (nbdev force_flags=['slow'])
  --quick     set EBM_NB_QUICK=1: notebooks and tests use their reduced (CI) sizes (CI exports it anyway)

Environment:
  NUMBA_CACHE_DIR   one numba cache for every process (xdist workers, notebook subprocesses); defaults here to
                    `<repo>/.numba_cache` (git-ignored) so that compiled kernels are reused between runs
  EBM_NB_DOCS_BUILT=1   tests/test_docs.py reuses the site in `_docs/` instead of running tools/docs
"""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path: sys.path.insert(0, str(ROOT))  # the checkout is importable even if not pip-installed
os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".numba_cache"))
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="run slow tests and `#| slow` notebook cells")
    parser.addoption("--quick", action="store_true", default=False, help="set EBM_NB_QUICK=1 (reduced sizes, as in CI)")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long statistical or timing tests (run with --runslow)")
    if config.getoption("--quick"): os.environ["EBM_NB_QUICK"] = "1"  # before xdist starts its workers


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"): return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if item.get_closest_marker("slow"): item.add_marker(skip)
