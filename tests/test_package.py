"""The package as users import it."""
import subprocess
import sys

import ebm_nb


def test_lazy_names_match_the_rbm_modules():
    import ebm_nb.rbm, ebm_nb.gbrbm
    assert set(ebm_nb._LAZY["rbm"]) == set(ebm_nb.rbm.__all__)
    assert set(ebm_nb._LAZY["gbrbm"]) == set(ebm_nb.gbrbm.__all__)
    assert ebm_nb.GaussianBernoulliRBM is ebm_nb.gbrbm.GaussianBernoulliRBM


def test_import_is_light():
    code = "import sys, ebm_nb; print(any(m.split('.')[0] in ('sklearn', 'matplotlib', 'dask', 'distributed') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def test_unknown_attribute():
    import pytest
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ebm_nb.nope


WARM_START = """
import json, time
t0 = time.perf_counter()
from numba.core import event
compiled = []   # dispatchers numba compiled in this process (a load from the cache fires no 'numba:compile' event)
class _Compiles(event.Listener):
    def on_start(self, ev): compiled.append(ev.data["dispatcher"].py_func.__qualname__)
    def on_end(self, ev): pass
event.register("numba:compile", _Compiles())
import ebm_nb as eb
t1 = time.perf_counter()
eb.Gaussian(0.0, 1.0).sample(1000, n_chains=4, method="hmc", seed=0)
t2 = time.perf_counter()
print(json.dumps(dict(total=t2 - t0, imp=t1 - t0, first_call=t2 - t1, compiled=compiled)))
"""


def test_wheel_in_a_clean_venv(tmp_path, request):
    """`python -m build` makes a wheel and an sdist; the wheel, installed without the dev extras into a fresh venv,
    imports every module and runs the console script; its first HMC call compiles the kernels and caches them next to
    the installed package, and in every later process the same call compiles nothing (numba loads each kernel from the
    cache). The times are printed, not asserted (they are the machine's; `benchmarks/` and the README report them).
    The demo itself runs in `test_cli.py`. (Minutes: CI and --runslow only.)"""
    import json, os, zipfile
    import pytest
    if not (os.environ.get("CI") or request.config.getoption("--runslow")): pytest.skip("CI or --runslow only")
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "PYTHONPATH", "EBM_NB_QUICK")}
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(tmp_path / "dist"), str(root)], check=True,
                   capture_output=True, env=env, timeout=600)
    wheels = list((tmp_path / "dist").glob("ebm_nb-*.whl"))
    assert len(wheels) == 1 and list((tmp_path / "dist").glob("ebm_nb-*.tar.gz"))
    modules = sorted(n[len("ebm_nb/"):-3] for n in zipfile.ZipFile(wheels[0]).namelist()
                     if n.startswith("ebm_nb/") and n.endswith(".py") and n.count("/") == 1)
    assert set(modules) >= {p.stem for p in (root / "ebm_nb").glob("*.py")}, modules
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py = str(venv / "bin" / "python")
    subprocess.run([py, "-m", "pip", "install", "-q", str(wheels[0])], check=True, capture_output=True, env=env, timeout=900)
    installed = subprocess.run([py, "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True, env=env).stdout.lower()
    assert "numba==" in installed and not any(f"{d}==" in installed for d in ("pytest", "nbdev", "hypothesis", "jupyter"))
    run = tmp_path / "run"; run.mkdir()
    imports = "; ".join(f"import ebm_nb.{m}" for m in modules if m not in ("__init__", "__main__"))
    subprocess.run([py, "-c", imports], cwd=run, check=True, capture_output=True, env=env, timeout=300)
    cli = subprocess.run([str(venv / "bin" / "ebm_nb"), "logz", "gaussian", "--json"], cwd=run, capture_output=True,
                         text=True, env=env, timeout=300)
    assert cli.returncode == 0, cli.stderr[-3000:]
    (run / "warm.py").write_text(WARM_START)
    def first_call():
        out = subprocess.run([py, "warm.py"], cwd=run, capture_output=True, text=True, env=env, timeout=600)
        assert out.returncode == 0, out.stderr[-3000:]
        return json.loads(out.stdout)
    cold = first_call()
    assert "_drive_hmc" in cold["compiled"], cold["compiled"]   # the listener sees compilations
    warm = [first_call() for _ in range(3)]
    print(f"first HMC call: cold {cold['total']:.2f} s; warm, import + first call: "
          + ", ".join(f"{w['imp']:.2f} + {w['first_call']:.2f} s" for w in warm))
    for w in warm: assert w["compiled"] == [], f"a warm process compiled {w['compiled']} instead of loading the cache"


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
