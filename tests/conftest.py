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
import shutil
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


# ------------------------------------------------------------------ headless Chromium (docs pages, the demo's report)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def need(what: str):
    "Skip locally, fail in CI."
    if IN_CI: pytest.fail(f"{what} (required in CI)", pytrace=False)
    pytest.skip(what)


@pytest.fixture(scope="session")
def browser():
    exe = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(exe).exists(): need(f"no Chromium at {exe} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need("python playwright is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)  # launch = a fresh temp profile
        yield b
        b.close()




# ------------------------------------------------------------------ thread-count independence
def run_with_threads(code: str, threads: int, timeout: float = 600) -> str:
    "Run `code` in a fresh Python process with NUMBA_NUM_THREADS=`threads`; return its stdout (a failed run fails the test)."
    import subprocess
    r = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, NUMBA_NUM_THREADS=str(threads)),
                       capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout
