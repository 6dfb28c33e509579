"""The console script, run as a user runs it: `ebm_nb demo` writes its report folder, the other subcommands work
and refuse bad input with a clear message and exit status 2."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _ebm_nb():
    exe = shutil.which("ebm_nb", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "ebm_nb"]


def _run(*args, timeout=300, cwd=None):
    return subprocess.run(_ebm_nb() + list(args), capture_output=True, text=True, timeout=timeout, cwd=cwd)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    "One quick demo run, as the README's main command runs it, in an empty working directory."
    cwd = tmp_path_factory.mktemp("demo")
    out = _run("demo", "--quick", "--json", timeout=600, cwd=cwd)
    assert out.returncode == 0, out.stderr[-3000:]
    return cwd / "ebm_nb_demo", json.loads(out.stdout), out.stderr


def test_demo_numbers(demo):
    folder, res, _ = demo
    s = res["sections"]
    assert list(s) == ["partition", "ratios", "sampling", "tempering", "training", "bypass", "neural", "rbm", "ising"]
    p = s["partition"]
    assert p["gaussian"]["quadrature"] == pytest.approx(p["gaussian"]["exact"], abs=1e-8)
    assert p["ising_4x4"]["log_z"] == pytest.approx(14.5610930238, abs=1e-9)
    assert abs(p["ising_4x4"]["ais"] - p["ising_4x4"]["log_z"]) < 4 * p["ising_4x4"]["ais_stderr"]
    i = s["sampling"]["ising_3x3"]
    assert abs(i["mean_energy"] - i["exact_mean_energy"]) < 5 * i["mean_energy_mcse"]
    assert s["neural"]["ll_diff"] > 0
    t = s["tempering"]
    assert abs(t["tempered"]["weight"] - 0.3) < 5 * t["tempered"]["weight_mcse"] and set(t["hmc"]["weight_per_chain"]) <= {0.0, 1.0}
    b = s["bypass"]
    assert b["pl_converged"] and b["pl_mle_max_diff"] < 6 * b["pl_stderr_median"] and abs(b["nce_log_z"] - b["nce_exact_log_z"]) < 0.01
    for t in s["ising"]["temperatures"]:
        assert abs(t["energy"] - t["exact_energy"]) < 5 * t["energy_stderr"]
    assert s["rbm"]["test_loglik"] < 0


def test_demo_report_folder(demo, browser):
    "Every figure, metrics.json and a report.html that opens in headless Chromium with all its images loaded."
    folder, res, stderr = demo
    pngs = sorted(p.name for p in folder.glob("*.png"))
    wanted = {os.path.basename(f) for r in res["sections"].values() for f in r["files"]}
    assert wanted and wanted == set(pngs), (wanted, pngs)
    assert not list(folder.glob("*.part*"))                         # no temporary file left behind
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["_meta"]["quick"] is True and set(res["sections"]) <= set(metrics)
    assert "[#####################]" in stderr                       # the progress bar, on stderr only
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((folder / "report.html").resolve().as_uri(), wait_until="load")
    imgs = page.eval_on_selector_all("img", "els => els.map(e => [e.getAttribute('src'), e.complete && e.naturalWidth])")
    page.close()
    assert not errors
    assert len(imgs) == len(pngs) and all(w and w > 0 for _, w in imgs), imgs


def test_demo_text_sections_and_help(tmp_path):
    out = _run("demo", "--quick", "--sections", "partition,ratios", "--no-report", "--quiet", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "log Z enumerated = 14.5610930238" in out.stdout and "Ratios without Z" in out.stdout
    assert not out.stderr.strip() and not list(tmp_path.iterdir())   # --quiet, --no-report
    for args in (["--help"], ["demo", "--help"], ["ising", "--help"], ["logz", "--help"], ["rbm", "train", "--help"]):
        h = _run(*args, timeout=60)
        assert h.returncode == 0 and "--" in h.stdout, args
    for args, what in ((["demo", "--seed", "-3"], "--seed"), (["demo", "--sections", "nope"], "--sections"),
                       (["ising", "--n-draws", "0"], "--n-draws"), (["ising", "--L", "1"], "L"),
                       (["logz", "gaussian", "--sigma", "-1"], "sigma"), (["ising", "--temperature", "0"], "--temperature"),
                       (["rbm", "score", "/nonexistent.npz"], "nonexistent")):
        bad = _run(*args, timeout=60)
        assert bad.returncode == 2 and what in bad.stderr and "Traceback" not in bad.stderr, (args, bad.stderr)


def test_ising_and_logz(tmp_path):
    out = _run("ising", "--L", "8", "--beta", "0.3", "--n-draws", "2000", "--seed", "1", "--json",
               "--out", str(tmp_path / "s.png"))
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)
    e, ex = r["observables"]["energy"], r["exact"]["energy"]
    assert abs(e["value"] - ex) < 5 * e["stderr"] and (tmp_path / "s.png").stat().st_size > 0
    again = json.loads(_run("ising", "--L", "8", "--beta", "0.3", "--n-draws", "2000", "--seed", "1", "--json").stdout)
    assert again["observables"] == r["observables"]                 # the seed fixes the numbers
    z = json.loads(_run("logz", "ising", "--L", "4", "--beta", "0.4", "--json").stdout)
    assert z["log_z"] == pytest.approx(14.5610930238, abs=1e-9)
    a = json.loads(_run("logz", "ising", "--L", "4", "--beta", "0.4", "--method", "ais", "--n-steps", "500", "--json").stdout)
    assert abs(a["log_z"] - z["log_z"]) < 4 * a["stderr"]


def test_rbm_train_score_sample(tmp_path):
    m = tmp_path / "r.npz"
    out = _run("rbm", "train", "--n-components", "12", "--n-iter", "3", "--model", str(m), "--json")
    assert out.returncode == 0, out.stderr
    tr = json.loads(out.stdout)
    sc = json.loads(_run("rbm", "score", str(m), "--json").stdout)
    assert tr["train_loglik"] < 0 and sc["loglik_mean"] < 0 and sc["log_z_method"] == "exact"
    z = json.loads(_run("logz", "rbm", str(m), "--json").stdout)
    assert z["method"] == "exact" and z["log_z"] > 0
    s = _run("rbm", "sample", str(m), "--n", "5", "--out", str(tmp_path / "s.npy"))
    assert s.returncode == 0, s.stderr
    import numpy as np
    x = np.load(tmp_path / "s.npy")
    assert x.shape == (5, 64) and set(np.unique(x)) <= {0.0, 1.0}
    (tmp_path / "bad.npz").write_bytes(b"not a model")
    bad = _run("rbm", "score", str(tmp_path / "bad.npz"))
    assert bad.returncode == 2 and "bad.npz" in bad.stderr and "Traceback" not in bad.stderr


def test_sizes_too_big_for_memory_are_refused():
    "Sizes that could not fit in memory: a clear message and exit status 2 at once, not a MemoryError traceback."
    for args, what in ((["ising", "--L", "100000"], "`L`"), (["rbm", "train", "--n-components", "100000000"], "`n_components`")):
        r = _run(*args, timeout=120)
        assert r.returncode == 2 and what in r.stderr and "Traceback" not in r.stderr, (args, r.stderr[-2000:])


def test_ising_warns_when_chains_have_not_mixed():
    "Ten warm-up sweeps of a 256×256 lattice at T_c: the chains disagree, and the command says so (R-hat)."
    r = _run("ising", "--L", "256", "--n-draws", "50", "--warmup", "10", "--seed", "2", timeout=120)
    assert r.returncode == 0 and "have not mixed" in r.stdout, r.stdout
    ok = json.loads(_run("ising", "--L", "8", "--beta", "0.3", "--n-draws", "2000", "--json").stdout)
    assert ok["rhat_energy"] < 1.01
