"""Nanoseconds per attempted spin flip: ebm_nb's checkerboard Metropolis against NumPy and plain C, in the same run.

    python benchmarks/bench_ising.py [--quick] [--json] [--repeats 5] [--sizes 64 256 1024]

Contenders (2-D Ising model, periodic L×L, J = 1, h = 0, β = β_c = 0.4407, Metropolis, int8 spins):
  * C: `references/ising_metropolis.c` (sequential sweep, xorshift generator, branchy accept), compiled here
    with `gcc -O3 -march=native` into a temporary directory; it times itself and prints ns per attempted flip;
  * NumPy: a vectorised checkerboard sweep as a Python user would write it (np.roll neighbour sums, an acceptance
    table, a uniform random array per colour, a masked flip), written below;
  * ebm_nb: `Ising.sample` with one chain (keep_draws=False, one draw after `sweeps` sweeps), on 1 and 2 numba
    threads (numba.set_num_threads; one chain uses the row-parallel kernel when L ≥ 256 and 2 threads are available),
    and with 2 chains on 2 threads (the throughput of two independent lattices).

Each entry is the best of `--repeats` timed runs after one warm-up run (which compiles or loads the kernels), with the
number of sweeps chosen so that a run takes ~0.2-0.5 s. The machine's load average is printed: on a shared machine,
2-thread numbers suffer first (`--wait-idle 60` waits for the other CPU to be free before each timed run).
"""
import argparse
import json
import math
import os
import platform
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numba
import numpy as np

import ebm_nb as eb

ROOT = Path(__file__).resolve().parents[1]
C_SOURCE = ROOT / "references" / "ising_metropolis.c"
C_SOURCE = C_SOURCE if C_SOURCE.exists() else None
BETA = eb.BETA_C


def numpy_checkerboard(s, beta, sweeps, rng):
    "Metropolis checkerboard sweeps of the int8 lattice s, vectorised with NumPy."
    L = s.shape[0]
    i, j = np.indices((L, L))
    masks = [(i + j) % 2 == c for c in (0, 1)]
    accept = np.minimum(1.0, np.exp(-2.0 * beta * np.arange(-4, 5)))    # indexed by s·(neighbour sum) + 4
    for _ in range(sweeps):
        for mask in masks:
            nb = np.roll(s, 1, 0) + np.roll(s, -1, 0) + np.roll(s, 1, 1) + np.roll(s, -1, 1)
            flip = mask & (rng.random((L, L)) < accept[s * nb + 4])
            s[flip] *= -1
    return s


WAIT_IDLE = 0.0


def idle_fraction(interval=0.5):
    "Share of the machine's CPU time that was idle over `interval` seconds (Linux /proc/stat; 1.0 elsewhere)."
    try:
        read = lambda: [int(v) for v in open("/proc/stat").readline().split()[1:]]
        a = read(); time.sleep(interval); b = read()
        d = [y - x for x, y in zip(a, b)]
        return (d[3] + d[4]) / max(sum(d), 1)
    except OSError: return 1.0


def wait_for_idle():
    "With --wait-idle S: wait up to S seconds for the other CPUs to go quiet (idle share ≥ 90%)."
    t0 = time.perf_counter()
    while WAIT_IDLE and time.perf_counter() - t0 < WAIT_IDLE and idle_fraction() < 0.9: pass


def best_of(fn, repeats):
    fn()                                   # warm-up: compile/load, caches
    best = math.inf
    for _ in range(repeats):
        wait_for_idle()
        t0 = time.perf_counter(); fn(); best = min(best, time.perf_counter() - t0)
    return best


def time_numpy(L, repeats, budget):
    sweeps = max(2, int(budget / (20e-9 * L * L)))
    s = np.ones((L, L), np.int8); rng = np.random.default_rng(0)
    t = best_of(lambda: numpy_checkerboard(s, BETA, sweeps, rng), repeats)
    return t * 1e9 / (sweeps * L * L)


def time_ebm(L, threads, n_chains, repeats, budget):
    numba.set_num_threads(threads)
    sweeps = max(4, int(budget / (1.5e-9 * L * L * n_chains / threads)))
    m = eb.Ising(L, BETA)
    seeds = iter(range(10 ** 6))
    run = lambda: m.sample(1, n_chains=n_chains, method="metropolis", warmup=0, thin=sweeps, keep_draws=False,
                           seed=next(seeds), init="up")
    t = best_of(run, repeats)
    return t * 1e9 / (sweeps * L * L * n_chains)


def compile_c(tmp):
    if C_SOURCE is None or shutil.which("gcc") is None: return None
    exe = Path(tmp) / "ising_metropolis"
    subprocess.run(["gcc", "-O3", "-march=native", "-o", str(exe), str(C_SOURCE), "-lm"], check=True)
    return exe


def time_c(exe, L, repeats, budget):
    if exe is None: return math.nan
    sweeps = max(4, int(budget / (6e-9 * L * L)))
    best = math.inf
    for k in range(repeats + 1):           # the first run is the warm-up
        if k: wait_for_idle()
        out = subprocess.run([str(exe), str(L), str(sweeps), repr(BETA)], capture_output=True, text=True, check=True).stdout
        ns = float(re.search(r"ns/flip=([0-9.]+)", out).group(1))
        if k: best = min(best, ns)
    return best


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="one repeat, short runs")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--sizes", type=int, nargs="+", default=[64, 256, 1024])
    p.add_argument("--wait-idle", type=float, default=0.0, metavar="S",
                   help="before each timed run wait up to S seconds for the machine to be idle (a shared machine)")
    a = p.parse_args(argv)
    global WAIT_IDLE
    WAIT_IDLE = a.wait_idle
    repeats, budget = (1, 0.05) if a.quick else (a.repeats, 0.3)
    max_threads = numba.config.NUMBA_NUM_THREADS
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        exe = compile_c(tmp)
        for L in a.sizes:
            r = dict(L=L, c=time_c(exe, L, repeats, budget), numpy=time_numpy(L, repeats, budget),
                     ebm_1t=time_ebm(L, 1, 1, repeats, budget))
            if max_threads >= 2:
                r["ebm_2t"] = time_ebm(L, 2, 1, repeats, budget)
                r["ebm_2t_2chains"] = time_ebm(L, 2, 2, repeats, budget)
            rows.append(r)
    numba.set_num_threads(max_threads)
    info = dict(machine=platform.processor() or platform.machine(), cpus=os.cpu_count(), numba_threads=max_threads,
                load_average=os.getloadavg(), numba=numba.__version__, numpy=np.__version__, beta=BETA, repeats=repeats)
    if a.json:
        print(json.dumps(dict(info=info, results=rows), indent=2)); return 0
    print(f"ns per attempted spin flip, Metropolis at β_c, best of {repeats} (load average {info['load_average'][0]:.2f}, "
          f"{info['cpus']} CPUs, numba {info['numba']}, numpy {info['numpy']})")
    hdr = f"{'L':>5} {'C':>7} {'NumPy':>7} {'ebm 1t':>7} {'ebm 2t':>7} {'2t 2ch':>7} | {'C/1t':>6} {'NumPy/1t':>9} {'NumPy/2t':>9} {'1t/2t':>6} {'1t/2t 2ch':>9}"
    print(hdr); print("-" * len(hdr))
    for r in rows:
        t2, t2c = r.get("ebm_2t", math.nan), r.get("ebm_2t_2chains", math.nan)
        print(f"{r['L']:5d} {r['c']:7.2f} {r['numpy']:7.2f} {r['ebm_1t']:7.2f} {t2:7.2f} {t2c:7.2f} | "
              f"{r['c'] / r['ebm_1t']:6.2f} {r['numpy'] / r['ebm_1t']:9.1f} {r['numpy'] / t2:9.1f} {r['ebm_1t'] / t2:6.2f} "
              f"{r['ebm_1t'] / t2c:9.2f}")
    print("goals: 1 thread at least as fast as C (C/1t ≥ 1); ≥ 30× NumPy at L = 1024; 2 threads ≥ 1.8× one thread")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
