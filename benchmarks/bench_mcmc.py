"""ESS per second: ebm_nb's samplers against emcee and BlackJAX, on the same targets, in the same run.

    python benchmarks/bench_mcmc.py [--quick] [--json] [--repeats N]

Targets
  * banana: the Rosenbrock density of Goodman & Weare (2010), p ∝ exp(-[(1 - x)² + 100 (y - x²)²] / 20), 2-D;
  * gauss20: a 20-D Gaussian with AR(1) correlations Σ_ij = 0.9^|i-j| (condition number 212 at d = 20; 361 as d → ∞).

Samplers
  * ebm_nb: random-walk Metropolis, MALA, HMC (16 leapfrog steps) and NUTS (`max_depth=10`), 4 chains, step size
    adapted in warm-up (target acceptance for HMC and NUTS 0.8 on gauss20, 0.99 on the banana: at 0.8 both diverge in
    its tails and miss Var y by a factor ~10, measured in the MCMC chapter; BlackJAX runs at the same targets), numba threads as set by NUMBA_NUM_THREADS; each with
    the identity metric and with a dense metric (covariance) adapted in warm-up (`metric="dense"`); the banana is a
    user `eb.Energy` with its gradient, the Gaussian the built-in model. HMC and NUTS run a second time on ONE numba
    thread (rows "…, 1 thread"), to set beside BlackJAX, which runs its chains one after another on one core;
  * emcee: the affine-invariant ensemble sampler (stretch move) with a vectorised NumPy log density, 4·d walkers.

Peers (the "peers" list of --json, not "rows": those stay ebm_nb's and emcee's), where `import blackjax` works (else
one line says why they were skipped); benchmarks/_blackjax.py has the details
  * BlackJAX NUTS and HMC (16 integration steps), float64, the same log densities in jax.numpy, the same warm-up and
    draws, 4 chains one after another through one jitted function (warm-up and draws in a `jax.lax.scan`), compiled
    before the clock starts: `metric="dense"` rows use `blackjax.window_adaptation(is_mass_matrix_diagonal=False)`
    (Stan's windows: step size and dense metric), identity rows dual averaging of the step size only, unit metric.
    Their ESS/s counts warm-up but not compilation (its seconds are kept as `compile_seconds`). `vs_blackjax` gives
    ebm_nb's ESS/s over BlackJAX's per target, method and metric: ebm_nb on 1 thread, and on its default threads.

Metric: the worst coordinate's bulk ESS (ebm_nb.ess, rank-normalised split-R̂ machinery of Vehtari et al. 2021, on the
(chains, draws, d) array) per second of wall time, warm-up included, best of `--repeats` runs after a warm-up run that
compiles or loads every kernel. emcee's walkers are not independent chains; its own integrated autocorrelation time
(emcee.autocorr, ESS = walkers·steps/τ) is printed beside ours, and the ratio uses the larger (more favourable to
emcee) of the two. `cpu_seconds` (process CPU time, all threads) shows how many cores a run kept busy.
"""
import argparse
import contextlib
import json
import logging
import math
import os
import platform
import sys
import time
import warnings

import numba
import numpy as np

import ebm_nb as eb


@numba.njit
def banana_energy(x, p):
    return ((1.0 - x[0]) ** 2 + 100.0 * (x[1] - x[0] ** 2) ** 2) / 20.0


@numba.njit
def banana_grad(x, p, out):
    r = x[1] - x[0] ** 2
    out[0] = (-2.0 * (1.0 - x[0]) - 400.0 * x[0] * r) / 20.0
    out[1] = 200.0 * r / 20.0


def banana_logp_np(X):
    X = np.atleast_2d(X)
    return -((1.0 - X[:, 0]) ** 2 + 100.0 * (X[:, 1] - X[:, 0] ** 2) ** 2) / 20.0


def ar1_cov(d, rho=0.9):
    i = np.arange(d)
    return rho ** np.abs(i[:, None] - i[None, :])


def targets(quick):
    d = 20
    cov = ar1_cov(d)
    prec = np.linalg.inv(cov)
    return {
        "banana": dict(model=eb.Energy(banana_energy, dim=2, grad=banana_grad),
                       logp=banana_logp_np, dim=2, init=np.array([0.0, 0.0]), prec=None, hmc_target_accept=0.99),
        "gauss20": dict(model=eb.Gaussian(mu=np.zeros(d), cov=cov),
                        logp=lambda X: -0.5 * np.einsum("ni,ij,nj->n", np.atleast_2d(X), prec, np.atleast_2d(X)),
                        dim=d, init=np.zeros(d), prec=prec, hmc_target_accept=0.8),
    }


def min_ess(draws):
    e = np.atleast_1d(eb.ess(draws, method="bulk"))
    return float(np.min(e))


SAMPLERS = (("metropolis", "identity"), ("mala", "identity"), ("hmc", "identity"), ("nuts", "identity"),
            ("metropolis", "dense"), ("mala", "dense"), ("hmc", "dense"), ("nuts", "dense"))
"(method, metric) pairs of ebm_nb: each sampler with the identity metric and with a dense one adapted in warm-up."

ONE_THREAD = ("hmc", "nuts")
"Methods run a second time on one numba thread: those with a BlackJAX peer (which runs its chains on one core)."

PEERS = tuple((m, g) for m, g in SAMPLERS if m in ONE_THREAD)
"(method, metric) pairs BlackJAX runs, where it is installed."


@contextlib.contextmanager
def numba_threads(n):
    "Run the block on `n` numba threads (None: as set), then restore the number set before."
    before = numba.get_num_threads()
    if n is not None: numba.set_num_threads(n)
    try: yield
    finally: numba.set_num_threads(before)


def label(who, method, metric, one_thread=False):
    "A row's sampler name: 'ebm_nb hmc', 'ebm_nb hmc (dense)', 'ebm_nb hmc (dense, 1 thread)', 'blackjax nuts', …"
    tags = ([] if metric == "identity" else [metric]) + (["1 thread"] if one_thread else [])
    return f"{who} {method}" + (f" ({', '.join(tags)})" if tags else "")


def run_ebm(model, method, n_draws, warmup, seed, metric="identity", target_accept=None):
    t0, c0 = time.perf_counter(), time.process_time()
    s = model.sample(n_draws, n_chains=4, method=method, seed=seed, warmup=warmup, metric=metric, target_accept=target_accept)
    t, cpu = time.perf_counter() - t0, time.process_time() - c0
    extra = {} if s.n_leapfrog is None else dict(divergent=int(np.sum(s.n_divergent)), leapfrog_per_draw=float(s.n_leapfrog.mean()))
    return t, min_ess(s.draws), float(s.acceptance_rate.mean()), dict(cpu_seconds=cpu, **extra)


def bench_ebm(model, method, metric, n_draws, warmup, repeats, threads=None, target_accept=None):
    "The best of `repeats` runs of ebm_nb's `method` (after a short one that compiles or loads the kernels) on `threads`."
    with numba_threads(threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", eb.SamplerWarning)      # divergences are counted in the row instead
        run_ebm(model, method, 50, 50, 0, metric)  # warm-up: compile or load the kernels
        best = None
        for r in range(repeats):
            res = run_ebm(model, method, n_draws, warmup, 100 + r, metric, target_accept)
            if best is None or res[1] / res[0] > best[1] / best[0]: best = res
        n = numba.get_num_threads()
    secs, ess_, acc, extra = best
    return dict(sampler=label("ebm_nb", method, metric, threads == 1), seconds=secs, ess=ess_, ess_per_s=ess_ / secs,
                acceptance=acc, numba_threads=n, **extra)


def run_emcee(logp, dim, n_steps, burn, seed):
    import emcee
    logging.getLogger("emcee").setLevel(logging.ERROR)  # its "chain is shorter than 50 τ" notes: we print τ ourselves
    walkers = 4 * dim
    rng = np.random.default_rng(seed)
    p0 = rng.normal(scale=0.1, size=(walkers, dim))
    t0 = time.perf_counter()
    sampler = emcee.EnsembleSampler(walkers, dim, logp, vectorize=True)
    sampler.random_state = np.random.RandomState(seed).get_state()
    sampler.run_mcmc(p0, burn + n_steps, progress=False)
    t = time.perf_counter() - t0
    chain = sampler.get_chain(discard=burn)            # (steps, walkers, dim)
    draws = np.ascontiguousarray(np.swapaxes(chain, 0, 1))   # walkers as chains
    ours = min_ess(draws)
    try:
        tau = np.max(emcee.autocorr.integrated_time(chain, quiet=True))
        own = walkers * n_steps / tau
    except Exception:
        own = float("nan")
    return t, ours, own, float(np.mean(sampler.acceptance_fraction))


def load_blackjax():
    "(the benchmarks/_blackjax module, None), or (None, why) where blackjax or jax does not import."
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path: sys.path.insert(0, here)   # run as a script it is there already
    try:
        import _blackjax
    except Exception as e:  # ImportError, or a jax that imports but fails to start
        return None, f"{type(e).__name__}: {e}"
    return _blackjax, None


def check_logdensity(bj, name, t):
    "The jax log density of target `name` equals -E of ebm_nb's model (up to a constant) at a few random points."
    X = np.random.default_rng(0).normal(size=(8, t["dim"]))
    lp = bj.logdensity(name, t["prec"])
    diff = np.array([float(lp(x)) for x in X]) + t["model"].energy(X)
    assert np.ptp(diff) < 1e-9 * (1 + np.max(np.abs(t["model"].energy(X)))), f"{name}: jax log density ≠ -E: {diff}"
    return lp


def bench_blackjax(bj, name, t, method, metric, n_draws, warmup, repeats):
    "The best of `repeats` runs of BlackJAX's `method` (4 chains, one after another), compiled once before them."
    compiled, compile_s = bj.compile_chain(check_logdensity(bj, name, t), method, metric, t["dim"], warmup, n_draws,
                                           t["hmc_target_accept"])
    best = None
    for r in range(repeats):
        x0 = t["init"] + np.random.default_rng(100 + r).uniform(-1, 1, size=(4, t["dim"]))  # as ebm_nb: mode hint + U(-1, 1)
        c0 = time.process_time()
        secs, draws, info = bj.run(compiled, x0, 100 + r)
        res = (secs, min_ess(draws), dict(info, cpu_seconds=time.process_time() - c0))
        if best is None or res[1] / res[0] > best[1] / best[0]: best = res
    secs, ess_, info = best
    return dict(target=name, sampler=label("blackjax", method, metric), seconds=secs, ess=ess_, ess_per_s=ess_ / secs,
                compile_seconds=compile_s, **info)


def vs_blackjax(rows, peers):
    "ebm_nb's ESS/s over BlackJAX's, {target: {method: {metric: {ratio_1_thread, ratio_default_threads}}}}."
    by = {(r["target"], r["sampler"]): r["ess_per_s"] for r in rows + peers}
    out = {}
    for p in peers:
        method, metric = next((m, g) for m, g in PEERS if label("blackjax", m, g) == p["sampler"])
        one, default = (by[p["target"], label("ebm_nb", method, metric, one)] for one in (True, False))
        out.setdefault(p["target"], {}).setdefault(method, {})[metric] = dict(
            ratio_1_thread=one / p["ess_per_s"], ratio_default_threads=default / p["ess_per_s"])
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller runs (seconds)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    n_draws, warmup = (2000, 1000) if args.quick else (10000, 2000)
    emcee_steps, emcee_burn = (2000, 1000) if args.quick else (10000, 2000)
    bj, why = load_blackjax()
    if bj is None:
        print(f"BlackJAX rows skipped: `import blackjax` failed ({why})", file=sys.stderr if args.json else sys.stdout)
    rows, peers = [], []
    for name, t in targets(args.quick).items():
        for method, metric in SAMPLERS:
            for threads in (None, 1) if method in ONE_THREAD else (None,):
                ta = t["hmc_target_accept"] if method in ONE_THREAD else None
                rows.append(dict(target=name, **bench_ebm(t["model"], method, metric, n_draws, warmup, args.repeats, threads, ta)))
        run_emcee(t["logp"], t["dim"], 20, 10, 0)
        best = None
        for r in range(args.repeats):
            res = run_emcee(t["logp"], t["dim"], emcee_steps, emcee_burn, 100 + r)
            score = max(res[1], res[2] if np.isfinite(res[2]) else 0) / res[0]
            if best is None or score > best[0]: best = (score, res)
        score, (secs, ours, own, acc) = best
        rows.append(dict(target=name, sampler="emcee", seconds=secs, ess=max(ours, own if np.isfinite(own) else 0),
                         ess_ours=ours, ess_emcee_tau=own, ess_per_s=score, acceptance=acc))
        if bj is not None:
            peers += [bench_blackjax(bj, name, t, method, metric, n_draws, warmup, args.repeats) for method, metric in PEERS]
    for name in targets(args.quick):
        ref = next(r for r in rows if r["target"] == name and r["sampler"] == "emcee")["ess_per_s"]
        for r in rows + peers:
            if r["target"] == name: r["ratio_vs_emcee"] = r["ess_per_s"] / ref
    machine = dict(python=platform.python_version(), cpu=platform.processor() or platform.machine(),
                   cores=os.cpu_count(), numba_threads=numba.get_num_threads(), numpy=np.__version__,
                   **(bj.VERSIONS if bj is not None else {}))
    ratios = vs_blackjax(rows, peers)
    if args.json:
        print(json.dumps(dict(machine=machine, rows=rows, peers=peers, vs_blackjax=ratios,
                              **({} if bj is not None else dict(blackjax_skipped=why))), indent=2))
        return rows
    print(f"machine: {machine}")
    print(f"{'target':8s} {'sampler':30s} {'seconds':>8s} {'CPU s':>7s} {'min ESS':>9s} {'ESS/s':>10s} {'accept':>7s} {'vs emcee':>9s}")
    for name in targets(args.quick):
        for r in (r for r in rows + peers if r["target"] == name):
            extra = f"  (emcee's own τ: ESS {r['ess_emcee_tau']:.0f}; ours {r['ess_ours']:.0f})" if r["sampler"] == "emcee" else ""
            if "leapfrog_per_draw" in r: extra += f"  ({r['leapfrog_per_draw']:.1f} leapfrog/draw, {r['divergent']} divergent)"
            if "compile_seconds" in r: extra += f"  (compiled in {r['compile_seconds']:.1f} s)"
            cpu = f"{r['cpu_seconds']:7.3f}" if "cpu_seconds" in r else f"{'':7s}"
            print(f"{r['target']:8s} {r['sampler']:30s} {r['seconds']:8.3f} {cpu} {r['ess']:9.0f} {r['ess_per_s']:10.0f} "
                  f"{r['acceptance']:7.3f} {r['ratio_vs_emcee']:8.1f}x{extra}")
    if ratios:
        print(f"ebm_nb ESS/s ÷ BlackJAX ESS/s (ebm_nb on 1 numba thread; on {machine['numba_threads']} in brackets):")
        for name, by_method in ratios.items():
            for method, by_metric in by_method.items():
                for metric, q in by_metric.items():
                    print(f"  {name:8s} {method:5s} {metric:9s} {q['ratio_1_thread']:7.2f}x  [{q['ratio_default_threads']:.2f}x]")
    return rows


if __name__ == "__main__":
    main()
