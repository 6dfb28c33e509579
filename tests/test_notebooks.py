"""Every notebook `nbs/*.ipynb` (not starting with `_`) is one test, run by nbdev's own runner.

Each notebook runs in a fresh Python process (`python tests/test_notebooks.py NB [FLAG...]`, below), which calls
`nbdev.test.test_nb` exactly as `nbdev-test` does: cwd `nbs/`, skip_flags from `tst_flags` in pyproject.toml
(`notest slow`), force_flags `slow` with `pytest --runslow`, the `cell_timeout` of the config. A fresh process keeps
notebooks from sharing state (as nbdev-test's workers do) and lets the failing cell's traceback, which nbdev prints to
the real stderr, become the failure message. Works under pytest-xdist (`-n 2`): one notebook per process.
`nbdev.nbdev_export()` is a no-op in these runs (see `_run`); `nbdev-export` itself is checked by .ci/run.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / "nbs"
NOTEBOOKS = sorted(p for p in NBS.glob("*.ipynb") if not p.name.startswith(("_", ".")))


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook(nb, request):
    force = ["slow"] if request.config.getoption("--runslow") else []
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    res = subprocess.run([sys.executable, __file__, str(nb), *force], cwd=NBS, env=env, capture_output=True, text=True)
    out = (res.stdout + res.stderr).strip()
    print(out[-30000:])  # the timing line; on failure nbdev's traceback of the failing cell ("Captured stdout call")
    if res.returncode != 0:
        lines = [l.strip() for l in out.splitlines() if l.strip()]
        where = next((l for l in lines if l.startswith("While Executing Cell")), "")
        err = next((l for l in reversed(lines) if not l.startswith(("^", "~")) and not l.endswith("FAILED")), "")
        pytest.fail(f"{nb.name}: {where} {err}".strip(), pytrace=False)


def _run(nb: str, force_flags: list) -> int:
    "Run one notebook as nbdev-test does; print where it failed."
    import time
    from nbdev.config import get_config
    from nbdev.test import test_nb

    # A notebook's closing `nbdev.nbdev_export()` cell would rewrite ebm_nb/*.py (truncate, then write) while other
    # workers import it. Under pytest it is a no-op: .ci/run checks separately that nbdev-export changes nothing.
    import nbdev, nbdev.doclinks
    def _no_export(*args, **kwargs): return None
    nbdev.nbdev_export = nbdev.doclinks.nbdev_export = _no_export

    nb = Path(nb).resolve()
    cfg = get_config(nb.parent)
    skip = cfg.tst_flags.split() if isinstance(cfg.tst_flags, str) else list(cfg.tst_flags or [])
    os.chdir(cfg.nbs_path)
    t = time.time()
    ok, _ = test_nb(nb, skip_flags=skip, force_flags=force_flags, basepath=cfg.config_path,
                    cell_timeout=int(cfg.get("cell_timeout") or 0) or None)
    print(f"{nb.name}: {'passed' if ok else 'FAILED'} in {time.time() - t:.1f}s "
          f"(skip {sorted(set(skip) - set(force_flags))}, EBM_NB_QUICK={os.environ.get('EBM_NB_QUICK', '')})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(_run(sys.argv[1], sys.argv[2:]))
