"""The console script, run as a user runs it."""
import json
import shutil
import subprocess
import sys

import pytest


def _ebm_nb():
    exe = shutil.which("ebm_nb", path=str(__import__("pathlib").Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "ebm_nb.cli"]


def test_demo_quick_json():
    out = subprocess.run(_ebm_nb() + ["demo", "--quick", "--json"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)["partition"]
    assert res["gaussian"]["quadrature"] == pytest.approx(res["gaussian"]["exact"], abs=1e-8)
    assert res["ising_4x4"]["log_z"] == pytest.approx(14.5610930238, abs=1e-9)


def test_demo_text_and_help():
    out = subprocess.run(_ebm_nb() + ["demo", "--quick"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and "log Z enumerated = 14.5610930238" in out.stdout
    h = subprocess.run(_ebm_nb() + ["--help"], capture_output=True, text=True, timeout=60)
    assert h.returncode == 0 and "demo" in h.stdout
    bad = subprocess.run(_ebm_nb() + ["demo", "--seed", "-3"], capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "--seed" in bad.stderr
