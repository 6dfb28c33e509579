"""The package as users import it."""
import subprocess
import sys

import ebm_nb


def test_lazy_names_match_the_rbm_module():
    import ebm_nb.rbm
    assert set(ebm_nb._LAZY["rbm"]) == set(ebm_nb.rbm.__all__)


def test_import_is_light():
    code = "import sys, ebm_nb; print(any(m.split('.')[0] in ('sklearn', 'matplotlib') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def test_unknown_attribute():
    import pytest
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ebm_nb.nope


WARM_START = """
import time
t0 = time.perf_counter()
import ebm_nb as eb
eb.Gaussian(0.0, 1.0).sample(1000, n_chains=4, method="hmc", seed=0)
print(time.perf_counter() - t0)
"""


def test_wheel_in_a_clean_venv(tmp_path, request):
    """`python -m build` makes a wheel and an sdist; the wheel, installed without the dev extras into a fresh venv,
    runs `ebm_nb demo --quick`, and a second process imports ebm_nb and makes its first HMC call in under 1 s because
    the numba kernels load from the cache the first run wrote. (Several minutes: CI and --runslow only.)"""
    import os
    import pytest
    if not (os.environ.get("CI") or request.config.getoption("--runslow")): pytest.skip("CI or --runslow only")
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "PYTHONPATH", "EBM_NB_QUICK")}
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(tmp_path / "dist"), str(root)], check=True,
                   capture_output=True, env=env, timeout=600)
    wheels = list((tmp_path / "dist").glob("ebm_nb-*.whl"))
    assert len(wheels) == 1 and list((tmp_path / "dist").glob("ebm_nb-*.tar.gz"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py = str(venv / "bin" / "python")
    subprocess.run([py, "-m", "pip", "install", "-q", str(wheels[0])], check=True, capture_output=True, env=env, timeout=900)
    installed = subprocess.run([py, "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True, env=env).stdout.lower()
    assert "numba==" in installed and not any(f"{d}==" in installed for d in ("pytest", "nbdev", "hypothesis", "jupyter"))
    run = tmp_path / "run"; run.mkdir()
    demo = subprocess.run([str(venv / "bin" / "ebm_nb"), "demo", "--quick", "--quiet"], cwd=run, capture_output=True,
                          text=True, env=env, timeout=900)
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert (run / "ebm_nb_demo" / "report.html").exists() and (run / "ebm_nb_demo" / "metrics.json").exists()
    (run / "warm.py").write_text(WARM_START)
    times = [float(subprocess.run([py, "warm.py"], cwd=run, capture_output=True, text=True, env=env, check=True,
                                  timeout=300).stdout) for _ in range(3)]
    print(f"warm import + first HMC call: {min(times):.3f} s (best of {times})")
    assert min(times) < 1.0, times


def _import_graph():
    "Module → the ebm_nb modules it imports, at module level or inside functions (from the source, by AST)."
    import ast, pathlib
    pkg = pathlib.Path(__file__).resolve().parents[1] / "ebm_nb"
    mods = {p.stem: p for p in pkg.glob("*.py") if p.stem not in ("__init__", "__main__", "_modidx")}
    graph = {m: set() for m in mods}
    for m, p in mods.items():
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom):
                if node.level == 1 and node.module: names = [node.module.split(".")[0]]
                elif node.level == 1: names = [a.name for a in node.names]
                elif node.module and node.module.startswith("ebm_nb."): names = [node.module.split(".")[1]]
            elif isinstance(node, ast.Import):
                names = [a.name.split(".")[1] for a in node.names if a.name.startswith("ebm_nb.")]
            graph[m] |= {t for t in names if t in mods and t != m}
    return graph


def test_no_import_cycles():
    "The layers of the package: no module imports, directly or through others, a module that imports it back."
    graph = _import_graph()
    state = {}
    def visit(m, path):
        state[m] = "open"
        for t in sorted(graph[m]):
            assert state.get(t) != "open", f"import cycle: {' -> '.join(path + [t])}"
            if t not in state: visit(t, path + [t])
        state[m] = "done"
    for m in sorted(graph):
        if m not in state: visit(m, [m])
    assert graph["kernels"] == set() and graph["transitions"] == {"kernels"}   # the kernel layer imports nothing above it
    assert not graph["ais"] & {"ising", "rbm", "neural"}, "the annealing driver imports a model module"
