"""Start-up time of ebm_nb as a new user meets it, against numba's own floor, in fresh processes.

  * ebm_nb: `import ebm_nb` and a first `Gaussian(0, 1).sample(100, method=...)`, timed inside the process, and
    the process's wall time;
  * the floor: a module with one cached one-line `@njit` function, imported and called the same way — what any
    library built on cached numba kernels pays (numba's import, its type registries, the scipy.linalg numba loads
    on the first call).

Warm runs share one numba cache (filled by an untimed first process); `--cold N` adds N runs with an empty cache
(each compiles everything the call needs). Warm runs alternate floor and ebm_nb, so drifts of the machine hit both.

    python benchmarks/bench_startup.py [--warm 7] [--cold 2] [--method hmc] [--json] [--quick]
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, textwrap, time

FLOOR = """
from numba import njit
@njit(cache=True)
def f(x): return x.sum()
"""
CHILD = """
import time, sys
t0 = time.perf_counter()
{imports}
t1 = time.perf_counter()
{call}
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""
CASES = {"floor": ("import numpy as np, numba, floor_mod", "floor_mod.f(np.ones(3))"),
         "ebm_nb": ("import ebm_nb as eb", "eb.Gaussian(0, 1).sample(100, method={method!r})")}

def run_child(case, method, cache, tmp):
    "One fresh process: (import s, first call s, process wall s)."
    imports, call = CASES[case]
    code = textwrap.dedent(CHILD).format(imports=imports, call=call.format(method=method))
    env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=os.pathsep.join([tmp, os.environ.get("PYTHONPATH", "")]))
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    wall = time.perf_counter() - t
    imp, first = map(float, out.split())
    return imp, first, wall

def summary(rows):
    "median [min–max] of import, first call, in-process total and wall time."
    cols = {"import": [r[0] for r in rows], "first_call": [r[1] for r in rows], "in_process": [r[0] + r[1] for r in rows],
            "wall": [r[2] for r in rows]}
    return {k: {"median": statistics.median(v), "min": min(v), "max": max(v)} for k, v in cols.items()}

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--warm", type=int, default=7, help="alternated warm runs of each (default 7)")
    ap.add_argument("--cold", type=int, default=0, help="runs of ebm_nb with an empty numba cache (default 0)")
    ap.add_argument("--method", default="hmc", help="the sampler of the first call (default hmc)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--quick", action="store_true", help="3 warm runs of each and no cold one (the docs build)")
    a = ap.parse_args()
    if a.quick: a.warm, a.cold = 3, 0
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "floor_mod.py"), "w") as f: f.write(FLOOR)
        cache = os.path.join(tmp, "cache")
        for case in CASES: run_child(case, a.method, cache, tmp)          # fill the cache (untimed)
        warm = {case: [] for case in CASES}
        for _ in range(a.warm):
            for case in CASES: warm[case].append(run_child(case, a.method, cache, tmp))
        cold = [run_child("ebm_nb", a.method, os.path.join(tmp, f"cold{i}"), tmp) for i in range(a.cold)]
    res = {"method": a.method, "warm": {c: summary(r) for c, r in warm.items()}}
    res["warm"]["ebm_nb_over_floor_s"] = statistics.median(
        [(e[0] + e[1]) - (f[0] + f[1]) for e, f in zip(warm["ebm_nb"], warm["floor"])])
    if cold: res["cold"] = summary(cold)
    if a.json: print(json.dumps(res, indent=1)); return
    fmt = lambda s: f"{s['median']:.2f} s [{s['min']:.2f}–{s['max']:.2f}]"
    print(f"start-up, first call sample(100, method={a.method!r}); median [min–max] of {a.warm} alternated fresh processes")
    for case in CASES:
        s = res["warm"][case]
        print(f"  warm {case:7s} in-process {fmt(s['in_process'])} (import {fmt(s['import'])}, first call "
              f"{fmt(s['first_call'])}); wall {fmt(s['wall'])}")
    print(f"  ebm_nb above the floor (median of paired differences): {res['warm']['ebm_nb_over_floor_s']:.2f} s")
    if cold: print(f"  cold ebm_nb (empty cache, {a.cold} runs): in-process {fmt(res['cold']['in_process'])}")

if __name__ == "__main__": main()
